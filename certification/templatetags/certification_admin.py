"""Template helpers for the assessment form and the one sanitizer for assessor comments."""

from django import template

from core.sanitize import clean_html

register = template.Library()


@register.filter
def sanitized(value):
    """Assessor comments as typed, cleaned by the one HTML sanitizer (core/sanitize.py)."""
    return clean_html(value)


@register.filter
def split(value: str) -> list[str]:
    return value.split()


@register.filter
def field_named(form, name: str):
    return form[name]


@register.simple_tag
def form_field(form, name: str):
    return form[name]
