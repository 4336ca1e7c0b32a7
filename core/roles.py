"""Groups, their permissions and the "Clinical review" workflow, created idempotently.

Instructors author pages and snippets but cannot publish: their changes go to the Clinical
review workflow, which a Clinical reviewer approves (approval publishes). Higher apps add the
permissions for their own models with `grant_model_permissions`, `grant_permission` and
`review_snippet`, called from their `AppConfig.ready`; this module never imports them.

Nothing here runs by itself: `manage.py setup_roles` (also run by `load_demo` and `make run`)
creates or completes the groups and the workflow, idempotently.
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
# Observe and sign practical skills outside the admin: no admin access, no authoring.
ASSESSORS = "Assessors"
WORKFLOW_NAME = "Clinical review"

# (app_label, model) -> actions, per group. Higher apps add theirs with grant_model_permissions.
ROLE_MODEL_PERMISSIONS: dict[str, dict[tuple[str, str], tuple[str, ...]]] = {
    INSTRUCTORS: {
        ("core", "source"): ("add", "change", "delete", "view"),
        ("courses", "competency"): ("add", "change", "view"),
    },
    REVIEWERS: {
        ("core", "source"): ("add", "change", "view"),
        ("courses", "competency"): ("add", "change", "view"),
    },
    ASSESSORS: {},
}
# (app_label, codename) permissions that are not add/change/delete/view/publish, per group.
ROLE_EXTRA_PERMISSIONS: dict[str, list[tuple[str, str]]] = {
    INSTRUCTORS: [],
    REVIEWERS: [],
    ASSESSORS: [],
}
# Snippet models (app_label, model) whose changes go through the Clinical review workflow.
REVIEWED_SNIPPETS: list[tuple[str, str]] = []
# The groups that open the Wagtail admin (Assessors work outside it).
ADMIN_ROLES = (INSTRUCTORS, REVIEWERS)
PAGE_PERMISSIONS = {
    INSTRUCTORS: ("add_page", "change_page", "lock_page", "unlock_page"),
    REVIEWERS: ("add_page", "change_page", "publish_page", "lock_page", "unlock_page"),
}
COLLECTION_PERMISSIONS = {
    INSTRUCTORS: (("wagtailimages", "image"), ("wagtaildocs", "document")),
    REVIEWERS: (("wagtailimages", "image"), ("wagtaildocs", "document")),
}


def grant_model_permissions(
    group: str, permissions: dict[tuple[str, str], tuple[str, ...]]
) -> None:
    """Give `group` these actions ("add", "change", "publish", "view"...) on these models,
    each named (app_label, model). Called from an AppConfig.ready; repeating it changes nothing."""
    ROLE_MODEL_PERMISSIONS[group].update(permissions)


def grant_permission(group: str, app_label: str, codename: str) -> None:
    """Give `group` one permission that is not a model action (e.g. "grade_response")."""
    if (app_label, codename) not in ROLE_EXTRA_PERMISSIONS[group]:
        ROLE_EXTRA_PERMISSIONS[group].append((app_label, codename))


def review_snippet(app_label: str, model: str) -> None:
    """Send changes to this snippet model through the Clinical review workflow."""
    if (app_label, model) not in REVIEWED_SNIPPETS:
        REVIEWED_SNIPPETS.append((app_label, model))


def _permission(app_label: str, codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@transaction.atomic
def ensure_roles(course_root: Page | None) -> dict[str, Group]:
    """Create or complete the staff groups and the Clinical review workflow on `course_root`.

    Without a `course_root` (no pages yet), everything but the page permissions and the
    workflow's page is made.
    """
    groups = {}
    access_admin = _permission("wagtailadmin", "access_admin")
    root_collection = Collection.get_first_root_node()
    for name in ROLE_MODEL_PERMISSIONS:
        group, _ = Group.objects.get_or_create(name=name)
        groups[name] = group
        wanted = [access_admin] if name in ADMIN_ROLES else []
        for (app_label, model), actions in ROLE_MODEL_PERMISSIONS[name].items():
            ct = ContentType.objects.get(app_label=app_label, model=model)
            wanted += Permission.objects.filter(
                content_type=ct, codename__in=[f"{a}_{model}" for a in actions]
            )
        wanted += [
            _permission(app_label, codename) for app_label, codename in ROLE_EXTRA_PERMISSIONS[name]
        ]
        group.permissions.add(*wanted)
        for codename in PAGE_PERMISSIONS.get(name, ()) if course_root is not None else ():
            GroupPagePermission.objects.get_or_create(
                group=group, page=course_root, permission=_permission("wagtailcore", codename)
            )
        for app_label, model in COLLECTION_PERMISSIONS.get(name, ()):
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
    if course_root is not None:
        WorkflowPage.objects.update_or_create(page=course_root, defaults={"workflow": workflow})
    for app_label, model in REVIEWED_SNIPPETS:
        WorkflowContentType.objects.update_or_create(
            content_type=ContentType.objects.get(app_label=app_label, model=model),
            defaults={"workflow": workflow},
        )
    return groups


def clinical_review_workflow() -> Workflow | None:
    """The Clinical review workflow, once `ensure_roles` has made it."""
    return Workflow.objects.filter(name=WORKFLOW_NAME).first()
