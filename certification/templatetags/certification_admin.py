"""The one sanitizer, as a template filter, for assessor comments."""

from django import template

from core.sanitize import clean_html

register = template.Library()


@register.filter
def sanitized(value):
    """Assessor comments as typed, cleaned by the one HTML sanitizer (core/sanitize.py)."""
    return clean_html(value)
