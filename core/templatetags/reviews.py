"""`{% review_status page %}`: the page's "last reviewed" line (core.reviews, one query)."""

from typing import Any

from django import template
from wagtail.models import Page

from core.reviews import review_status as status_of

register = template.Library()


@register.inclusion_tag("core/includes/review_status.html")
def review_status(page: Page) -> dict[str, Any]:
    return {"review": status_of(page)}
