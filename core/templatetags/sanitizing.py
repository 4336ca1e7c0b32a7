"""Rendering stored rich text through the one sanitizer (core/sanitize.py)."""

from django import template
from django.utils.safestring import SafeString
from wagtail.rich_text import expand_db_html

from core.sanitize import clean_richtext as clean

register = template.Library()


@register.filter
def clean_richtext(value: str | None) -> SafeString:
    """Stored rich text rendered as Wagtail's |richtext does (links expanded), then cleaned.

    The admin editor only stores its own elements, but imports, attempt snapshots taken from
    them and anything written outside the editor are not restricted that way, so quiz and
    case pages never render stored rich text unchecked.
    """
    return clean(expand_db_html(value or ""))
