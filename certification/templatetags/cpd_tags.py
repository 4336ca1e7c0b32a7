"""{{ cpd|cpd_hours_of:user_id }}: one staff member's CPD hours from a clinic's batch."""

from django import template

from certification.cpd import ClinicCpd

register = template.Library()


@register.filter
def cpd_hours_of(cpd: ClinicCpd | None, user_id: int) -> str:
    """The hours `user_id` earned in the batch's year, as people write them ("1.5")."""
    return cpd.of(user_id) if cpd is not None else ""
