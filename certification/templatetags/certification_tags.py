"""{% my_certificates %} and {% my_clinics %}: the signed-in learner's certificates (each shown
with its status from `certification.models.certificate_status`) and the clinics they manage."""

from typing import Any

from django import template

from certification.models import Certificate, Clinic, ClinicRole

register = template.Library()


@register.inclusion_tag("certification/includes/my_certificates.html", takes_context=True)
def my_certificates(context: dict[str, Any]) -> dict[str, Any]:
    """The learner's certificates, newest first."""
    user = context["request"].user
    certificates = list(
        Certificate.objects.filter(user=user).select_related("programme").order_by("-issued_at")
    )
    return {"certificates": certificates, "request": context["request"]}


@register.inclusion_tag("certification/includes/my_clinics.html", takes_context=True)
def my_clinics(context: dict[str, Any]) -> dict[str, Any]:
    """The clinics the signed-in user manages, by name."""
    user = context["request"].user
    clinics = Clinic.objects.filter(
        memberships__user=user, memberships__role=ClinicRole.MANAGER
    ).order_by("name")
    return {"managed_clinics": list(clinics)}
