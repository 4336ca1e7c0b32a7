"""Groups, their permissions and the "Clinical review" workflow, created idempotently.

Instructors author pages and snippets but cannot publish: their changes go to the Clinical
review workflow, which a Clinical reviewer approves (approval publishes). Other apps add the
permissions for their own models through ROLE_MODEL_PERMISSIONS.
"""

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Workflow,
    WorkflowContentType,
    WorkflowPage,
    WorkflowTask,
)

INSTRUCTORS = "Instructors"
REVIEWERS = "Clinical reviewers"
WORKFLOW_NAME = "Clinical review"

# (app_label, model) -> actions, per group. Other apps' models are added as they arrive.
ROLE_MODEL_PERMISSIONS: dict[str, dict[tuple[str, str], tuple[str, ...]]] = {
    INSTRUCTORS: {
        ("core", "source"): ("add", "change", "delete", "view"),
        ("courses", "competency"): ("add", "change", "view"),
    },
    REVIEWERS: {
        ("core", "source"): ("add", "change", "view"),
        ("courses", "competency"): ("add", "change", "view"),
    },
}
# (app_label, codename) permissions that are not add/change/delete/view/publish, per group.
ROLE_EXTRA_PERMISSIONS: dict[str, list[tuple[str, str]]] = {INSTRUCTORS: [], REVIEWERS: []}
# Snippet models (app_label, model) whose changes go through the Clinical review workflow.
REVIEWED_SNIPPETS: list[tuple[str, str]] = []
PAGE_PERMISSIONS = {
    INSTRUCTORS: ("add_page", "change_page", "lock_page", "unlock_page"),
    REVIEWERS: ("add_page", "change_page", "publish_page", "lock_page", "unlock_page"),
}
COLLECTION_PERMISSIONS = {
    INSTRUCTORS: (("wagtailimages", "image"), ("wagtaildocs", "document")),
    REVIEWERS: (("wagtailimages", "image"), ("wagtaildocs", "document")),
}


def _permission(app_label: str, codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@transaction.atomic
def ensure_roles(course_root: Page) -> dict[str, Group]:
    """Create or complete the staff groups and the Clinical review workflow on `course_root`."""
    groups = {}
    access_admin = _permission("wagtailadmin", "access_admin")
    root_collection = Collection.get_first_root_node()
    for name in (INSTRUCTORS, REVIEWERS):
        group, _ = Group.objects.get_or_create(name=name)
        groups[name] = group
        wanted = [access_admin]
        for (app_label, model), actions in ROLE_MODEL_PERMISSIONS[name].items():
            ct = ContentType.objects.get(app_label=app_label, model=model)
            wanted += Permission.objects.filter(
                content_type=ct, codename__in=[f"{a}_{model}" for a in actions]
            )
        wanted += [
            _permission(app_label, codename) for app_label, codename in ROLE_EXTRA_PERMISSIONS[name]
        ]
        group.permissions.add(*wanted)
        for codename in PAGE_PERMISSIONS[name]:
            GroupPagePermission.objects.get_or_create(
                group=group, page=course_root, permission=_permission("wagtailcore", codename)
            )
        for app_label, model in COLLECTION_PERMISSIONS[name]:
            for action in ("add", "change", "choose"):
                GroupCollectionPermission.objects.get_or_create(
                    group=group,
                    collection=root_collection,
                    permission=_permission(app_label, f"{action}_{model}"),
                )

    task = GroupApprovalTask.objects.filter(name=WORKFLOW_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=WORKFLOW_NAME)
    task.groups.add(groups[REVIEWERS])
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    WorkflowTask.objects.get_or_create(
        workflow=workflow, task=task.task_ptr, defaults={"sort_order": 0}
    )
    WorkflowPage.objects.update_or_create(page=course_root, defaults={"workflow": workflow})
    for app_label, model in REVIEWED_SNIPPETS:
        WorkflowContentType.objects.update_or_create(
            content_type=ContentType.objects.get(app_label=app_label, model=model),
            defaults={"workflow": workflow},
        )
    return groups


def clinical_review_workflow() -> Workflow | None:
    return Workflow.objects.filter(name=WORKFLOW_NAME).first()
