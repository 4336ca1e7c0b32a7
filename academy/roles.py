"""`setup_roles`: the staff groups, their permissions and the Clinical review workflow.

core.roles holds the rule (which group may do what, filled by each app's AppConfig.ready);
this applies it to the site: page permissions and the workflow go on the course catalogue.
"""

from __future__ import annotations

from django.contrib.auth.models import Group

from core.roles import ensure_roles
from courses.models import CourseIndexPage


def setup_roles() -> dict[str, Group]:
    """Create or complete the groups and the workflow (idempotent). Without a course catalogue
    yet (no curriculum loaded), the groups, their model permissions and the snippet workflow
    are made, and the page permissions wait for the next run."""
    return ensure_roles(CourseIndexPage.objects.order_by("path").first())
