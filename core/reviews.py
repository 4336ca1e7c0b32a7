"""The clinical review record: written when a reviewer approves, shown as "last reviewed".

Curriculum files are published by `load_curriculum` directly, without a review in the site;
changes made in the admin go live through the "Clinical review" workflow (core.roles). So a
page can truthfully say only one of these, and `review_status` works out which, in one query:

- the live version is the one a reviewer approved ("Last reviewed ... by ...");
- it was reviewed once, but the live version came later (from the files or from the admin);
- it was never reviewed in the site (loaded from the curriculum files, or published directly).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Subquery
from django.utils import timezone
from wagtail.models import Page, Revision, TaskState, WorkflowState

from core.models import ClinicalReview
from core.roles import REVIEWERS, WORKFLOW_NAME

SIGNAL_UID = "core.reviews.record_clinical_review"


def reviewer_role(user: Any) -> str:
    """How the approver is described on the pages: their role, not their account."""
    if user is None:
        return ""
    if user.groups.filter(name=REVIEWERS).exists():
        return "clinical reviewer"
    if user.is_superuser:
        return "administrator"
    return "reviewer"


def record_clinical_review(
    sender: type, instance: TaskState, user: Any = None, **kwargs: Any
) -> None:
    """`task_approved` receiver (Wagtail sends the approved task state as `instance`): record
    the approval if it was of the Clinical review task. The one-to-one link to the task state
    means a state is recorded once, however often this runs."""
    state = (
        TaskState.objects.filter(pk=instance.pk, status=TaskState.STATUS_APPROVED)
        .select_related("workflow_state", "task", "finished_by")
        .first()
    )
    if state is None or state.task.name != WORKFLOW_NAME:
        return
    workflow_state = state.workflow_state
    page_type = ContentType.objects.get_for_model(Page)
    is_page = workflow_state.base_content_type_id == page_type.pk
    revision_id = state.revision_id
    if workflow_state.status == WorkflowState.STATUS_APPROVED:
        # Finishing the workflow published the object's latest revision, which holds any edit
        # the reviewer made while approving: that is the version the reviewer let go live.
        revision_id = (
            getattr(workflow_state.content_object, "live_revision_id", None) or revision_id
        )
    ClinicalReview.objects.get_or_create(
        task_state=state,
        defaults={
            "base_content_type_id": workflow_state.base_content_type_id,
            "object_id": workflow_state.object_id,
            "page_id": int(workflow_state.object_id) if is_page else None,
            "revision_id": revision_id,
            "reviewer": state.finished_by,
            "reviewer_name": (
                state.finished_by.get_full_name().strip() if state.finished_by else ""
            ),
            "reviewer_role": reviewer_role(state.finished_by),
            "reviewed_at": state.finished_at or timezone.now(),
            "comment": state.comment or "",
        },
    )


@dataclass(frozen=True)
class ReviewStatus:
    """What a page can truthfully say about its clinical review."""

    reviewed_at: datetime | None  # the latest approval, if any
    reviewer: str  # "Ana Lee, clinical reviewer" (or just the role when no name was recorded)
    current: bool  # the live version is the one approved
    published_at: datetime | None  # when the live version went live
    from_files: bool  # the live version was published by the curriculum loader (no user)


def _reviewer_label(name: str | None, role: str | None) -> str:
    name, role = (name or "").strip(), (role or "").strip()
    if name and role:
        return f"{name}, {role}"
    if name:
        return name
    return f"a {role}" if role else "a reviewer"


def review_status(page: Page) -> ReviewStatus:
    """The review status of `page`'s live version, in one query (none for a page never saved
    as a revision, which cannot have been reviewed either)."""
    if page.live_revision_id is None:
        return ReviewStatus(None, "", False, page.last_published_at, False)
    latest = ClinicalReview.objects.filter(page_id=page.pk).order_by("-reviewed_at", "-pk")
    row = (
        Revision.objects.filter(pk=page.live_revision_id)
        .annotate(
            review_at=Subquery(latest.values("reviewed_at")[:1]),
            review_name=Subquery(latest.values("reviewer_name")[:1]),
            review_role=Subquery(latest.values("reviewer_role")[:1]),
            review_revision=Subquery(latest.values("revision_id")[:1]),
        )
        .values("user_id", "review_at", "review_name", "review_role", "review_revision")
        .first()
    )
    if row is None:
        return ReviewStatus(None, "", False, page.last_published_at, False)
    reviewed = row["review_at"] is not None
    return ReviewStatus(
        reviewed_at=row["review_at"],
        reviewer=_reviewer_label(row["review_name"], row["review_role"]) if reviewed else "",
        current=reviewed and row["review_revision"] == page.live_revision_id,
        published_at=page.last_published_at,
        from_files=row["user_id"] is None,
    )
