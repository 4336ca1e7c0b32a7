"""{% my_certificates %}: the signed-in learner's certificates, for the My learning page."""

from django import template

from certification.models import Certificate

register = template.Library()


@register.inclusion_tag("certification/includes/my_certificates.html", takes_context=True)
def my_certificates(context):
    user = context["request"].user
    certificates = list(
        Certificate.objects.filter(user=user).select_related("programme").order_by("-issued_at")
    )
    return {"certificates": certificates, "request": context["request"]}


@register.inclusion_tag("certification/includes/my_clinics.html", takes_context=True)
def my_clinics(context):
    from certification.models import Clinic, ClinicRole

    user = context["request"].user
    clinics = Clinic.objects.filter(
        memberships__user=user, memberships__role=ClinicRole.MANAGER
    ).order_by("name")
    return {"managed_clinics": list(clinics)}
