"""Imported questions saved as drafts and put into Clinical review, in a fixed number of queries.

What Wagtail does for one snippet at a time — save the draft, make a revision, start the
workflow, log it — is done here for a whole import with bulk writes: a new question's row holds
its draft (not live), an existing live question keeps its live content and gets a new latest
revision (as saving a draft in the editor does), an existing question that never went live
has its row brought up to date too. A review already under way for an updated question is
cancelled and a new one started on the imported revision. Reviewers find the questions on their
dashboard ("Awaiting your review"); no e-mail is sent per question.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Cast
from django.utils import timezone
from django_tasks import task
from modelsearch.backends import get_search_backends
from wagtail.models import (
    ModelLogEntry,
    ReferenceIndex,
    Revision,
    Task,
    TaskState,
    Workflow,
    WorkflowState,
)

from quizzes.models import Question, QuestionOption

IMPORTED = "quizzes.question.import"
BATCH = 900  # rows per statement where every row is a parameter (SQLite allows 999 and up)
# A row's content fields that an import writes (the rest: key, source, passage... are set once).
CONTENT_FIELDS = (
    "question_type",
    "title",
    "stem",
    "explanation",
    "category",
    "points",
    "case_sensitive",
    "external_id",
    "numeric_answer",
    "numeric_tolerance",
    "numeric_unit",
    "model_answer",
    "rubric",
    "rubric_points",
    "rubric_pass_points",
    "source",
    "passage",
)


class NoReviewWorkflow(RuntimeError):
    """Questions have no active Clinical review workflow with a task to start."""


@dataclass
class Draft:
    """One imported question: the object (its pk None when new) and its option rows."""

    question: Question
    options: list[dict[str, Any]]
    created: bool


def first_task(workflow: Workflow | None) -> Task:
    """The workflow's first active task, or NoReviewWorkflow."""
    task = (
        Task.objects.filter(workflow_tasks__workflow=workflow, active=True)
        .order_by("workflow_tasks__sort_order")
        .first()
        if workflow is not None and workflow.active
        else None
    )
    if task is None:
        raise NoReviewWorkflow(
            "Questions have no active Clinical review workflow: run `manage.py setup_roles`."
        )
    return task


def _batches(ids: list[int]) -> list[list[int]]:
    """`ids` in slices small enough for one statement's parameters on every database."""
    return [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]


def _options(draft: Draft) -> list[QuestionOption]:
    return [
        QuestionOption(question=draft.question, sort_order=i, **row)
        for i, row in enumerate(draft.options)
    ]


def save_drafts(drafts: Sequence[Draft], *, workflow: Workflow, user: Any, file_name: str) -> None:
    """Write every draft, its revision and its review (call inside a transaction)."""
    if not drafts:
        return
    task = first_task(workflow)
    now = timezone.now()
    new = [d.question for d in drafts if d.created]
    for question in new:
        question.live = False
        question.has_unpublished_changes = True
    Question.objects.bulk_create(new)
    rewritten = [d for d in drafts if d.created or not d.question.live]
    stale = [d.question.pk for d in rewritten if not d.created]
    if stale:
        Question.objects.bulk_update(
            [d.question for d in rewritten if not d.created], CONTENT_FIELDS
        )
        QuestionOption.objects.filter(question_id__in=stale).delete()
    rows = {id(d): _options(d) for d in drafts}
    QuestionOption.objects.bulk_create([o for d in rewritten for o in rows[id(d)]])

    content_type = ContentType.objects.get_for_model(Question)
    revisions = []
    for draft in drafts:
        question = draft.question
        question.options = rows[id(draft)]  # in memory: what the revision holds
        if draft.created:
            question.competencies = []
            question.objectives = []
        revisions.append(
            Revision(
                content_type=content_type,
                base_content_type=content_type,
                object_id=str(question.pk),
                user=user,
                created_at=now,
                content=question.serializable_data(),
                object_str=str(question)[:255],
            )
        )
    Revision.objects.bulk_create(revisions)
    for draft, revision in zip(drafts, revisions, strict=True):
        draft.question.latest_revision = revision
        draft.question.has_unpublished_changes = True
    # One UPDATE per batch, each row taking its newest revision (bulk_update's CASE per row
    # costs seconds at thousands of rows).
    newest = (
        Revision.objects.filter(
            base_content_type=content_type,
            object_id=Cast(OuterRef("pk"), models.CharField(max_length=255)),
        )
        .order_by("-pk")
        .values("pk")[:1]
    )
    for ids in _batches([d.question.pk for d in drafts]):
        Question.objects.filter(pk__in=ids).update(
            latest_revision=Subquery(newest), has_unpublished_changes=True
        )
    _start_reviews(drafts, revisions, workflow, task, user, content_type, now)
    _log(drafts, revisions, user, content_type, now, workflow, task, file_name)
    ids = [d.question.pk for d in drafts]
    transaction.on_commit(lambda: index_imported_questions.enqueue(ids))


def _start_reviews(
    drafts: Sequence[Draft],
    revisions: list[Revision],
    workflow: Workflow,
    task: Task,
    user: Any,
    content_type: ContentType,
    now: Any,
) -> None:
    ids = [str(d.question.pk) for d in drafts if not d.created]
    if ids:
        running = WorkflowState.objects.active().filter(
            base_content_type=content_type, object_id__in=ids
        )
        TaskState.objects.filter(
            workflow_state__in=running, status=TaskState.STATUS_IN_PROGRESS
        ).update(status=TaskState.STATUS_CANCELLED, finished_at=now, finished_by=user)
        running.update(status=WorkflowState.STATUS_CANCELLED)
    states = WorkflowState.objects.bulk_create(
        [
            WorkflowState(
                content_type=content_type,
                base_content_type=content_type,
                object_id=str(d.question.pk),
                workflow=workflow,
                status=WorkflowState.STATUS_IN_PROGRESS,
                requested_by=user,
            )
            for d in drafts
        ]
    )
    state_type = ContentType.objects.get_for_model(task.specific.get_task_state_class())
    task_states = TaskState.objects.bulk_create(
        [
            TaskState(
                workflow_state=state,
                revision=revision,
                task=task,
                status=TaskState.STATUS_IN_PROGRESS,
                content_type=state_type,
                started_at=now,
            )
            for state, revision in zip(states, revisions, strict=True)
        ]
    )
    for state, task_state in zip(states, task_states, strict=True):
        state.current_task_state = task_state
    current = TaskState.objects.filter(workflow_state=OuterRef("pk")).order_by("-pk").values("pk")
    for batch in _batches([s.pk for s in states]):
        WorkflowState.objects.filter(pk__in=batch).update(current_task_state=Subquery(current[:1]))


def _log(
    drafts: Sequence[Draft],
    revisions: list[Revision],
    user: Any,
    content_type: ContentType,
    now: Any,
    workflow: Workflow,
    task: Task,
    file_name: str,
) -> None:
    entries = []
    for draft, revision in zip(drafts, revisions, strict=True):
        question = draft.question
        common = {
            "content_type": content_type,
            "object_id": str(question.pk),
            "label": str(question),
            "timestamp": now,
            "user": user,
            "revision": revision,
        }
        entries.append(
            ModelLogEntry(
                action=IMPORTED,
                data={"file": file_name[:200], "created": draft.created},
                content_changed=True,
                **common,
            )
        )
        entries.append(
            ModelLogEntry(
                action="wagtail.workflow.start",
                data={
                    "workflow": {
                        "id": workflow.pk,
                        "title": workflow.name,
                        "status": WorkflowState.STATUS_IN_PROGRESS,
                        "next": {"id": task.pk, "title": task.name},
                        "task_state_id": None,
                    }
                },
                **common,
            )
        )
    ModelLogEntry.objects.bulk_create(entries)


@task()
def index_imported_questions(ids: list[int]) -> int:
    """Bring the search and reference indexes up to date for imported questions (one job per
    import, in bulk: a fixed number of queries per batch of questions); returns how many were
    indexed."""
    done = 0
    for batch in _batches(ids):
        questions = list(
            Question.objects.filter(pk__in=batch)
            .select_related("category")
            .prefetch_related("options")
        )
        for backend in get_search_backends(with_auto_update=True):
            backend.add_bulk(Question, questions)
        with transaction.atomic():
            _index_references(questions)
        done += len(questions)
    return done


def _index_references(questions: list[Question]) -> None:
    """What ReferenceIndex.create_or_update_for_object does one object at a time, for many:
    the questions' old reference rows go and their current references are written at once."""
    content_type = ContentType.objects.get_for_model(Question)
    ReferenceIndex.objects.filter(
        base_content_type=content_type, object_id__in=[str(q.pk) for q in questions]
    ).delete()
    ReferenceIndex.objects.bulk_create(
        [
            ReferenceIndex(
                content_type=content_type,
                base_content_type=content_type,
                object_id=str(question.pk),
                to_content_type_id=to_content_type_id,
                to_object_id=to_object_id,
                model_path=model_path,
                content_path=content_path,
                content_path_hash=ReferenceIndex._get_content_path_hash(content_path),
            )
            for question in questions
            for to_content_type_id, to_object_id, model_path, content_path in set(
                ReferenceIndex._extract_references_from_object(question)
            )
        ],
        ignore_conflicts=True,
    )
