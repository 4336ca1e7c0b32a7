"""Template context every page of the site shell needs."""

from django.conf import settings
from django.http import HttpRequest


def site_shell(request: HttpRequest) -> dict:
    """The site name for titles and the header (no database access)."""
    return {"brand_name": settings.WAGTAIL_SITE_NAME}
