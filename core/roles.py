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


class _Permissions:
    """Every permission, read in one query and found by (app_label, codename)."""

    def __init__(self) -> None:
        self._by_key = {
            (p.content_type.app_label, p.codename): p
            for p in Permission.objects.select_related("content_type")
        }

    def get(self, app_label: str, codename: str) -> Permission:
        try:
            return self._by_key[(app_label, codename)]
        except KeyError:
            raise Permission.DoesNotExist(f"no permission {app_label}.{codename}") from None

    def model_actions(
        self, app_label: str, model: str, actions: tuple[str, ...]
    ) -> list[Permission]:
        """The permissions for these actions on the model that exist (the model must exist)."""
        ContentType.objects.get_by_natural_key(app_label, model)
        return [
            self._by_key[(app_label, f"{action}_{model}")]
            for action in actions
            if (app_label, f"{action}_{model}") in self._by_key
        ]


def _groups(names: list[str]) -> dict[str, Group]:
    """The groups of these names, made where missing."""
    found = {group.name: group for group in Group.objects.filter(name__in=names)}
    for name in names:
        if name not in found:
            found[name] = Group.objects.create(name=name)
    return {name: found[name] for name in names}


def _grant_missing(
    model: type[GroupPagePermission] | type[GroupCollectionPermission],
    scope: dict[str, Page | Collection],
    wanted: set[tuple[int, int]],
) -> None:
    """Give each (group id, permission id) in `wanted` on `scope` (a page or a collection),
    writing only the grants it does not have yet."""
    have = set(model.objects.filter(**scope).values_list("group", "permission"))
    model.objects.bulk_create(
        [
            model(group_id=group, permission_id=perm, **scope)
            for group, perm in sorted(wanted - have)
        ]
    )


@transaction.atomic
def ensure_roles(course_root: Page | None) -> dict[str, Group]:
    """Create or complete the staff groups and the Clinical review workflow on `course_root`.

    Without a `course_root` (no pages yet), everything but the page permissions and the
    workflow's page is made. Reads what exists in a few queries and writes only what is missing.
    """
    perms = _Permissions()
    groups = _groups(list(ROLE_MODEL_PERMISSIONS))
    access_admin = perms.get("wagtailadmin", "access_admin")
    for name, group in groups.items():
        wanted = [access_admin] if name in ADMIN_ROLES else []
        for (app_label, model), actions in ROLE_MODEL_PERMISSIONS[name].items():
            wanted += perms.model_actions(app_label, model, actions)
        wanted += [
            perms.get(app_label, codename) for app_label, codename in ROLE_EXTRA_PERMISSIONS[name]
        ]
        group.permissions.add(*wanted)
    if course_root is not None:
        pages = {
            (groups[name].pk, perms.get("wagtailcore", codename).pk)
            for name, codenames in PAGE_PERMISSIONS.items()
            for codename in codenames
        }
        _grant_missing(GroupPagePermission, {"page": course_root}, pages)
    collections = {
        (groups[name].pk, perms.get(app_label, f"{action}_{model}").pk)
        for name, models in COLLECTION_PERMISSIONS.items()
        for app_label, model in models
        for action in ("add", "change", "choose")
    }
    _grant_missing(
        GroupCollectionPermission, {"collection": Collection.get_first_root_node()}, collections
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
        on_page = WorkflowPage.objects.filter(page=course_root).first()
        if on_page is None:
            WorkflowPage.objects.create(page=course_root, workflow=workflow)
        elif on_page.workflow_id != workflow.pk:
            on_page.workflow = workflow
            on_page.save()
    _review_snippets(workflow)
    return groups


def _review_snippets(workflow: Workflow) -> None:
    """Send every reviewed snippet model through `workflow`."""
    types = [ContentType.objects.get_by_natural_key(*key) for key in REVIEWED_SNIPPETS]
    have = dict(
        WorkflowContentType.objects.filter(content_type__in=types).values_list(
            "content_type", "workflow"
        )
    )
    elsewhere = [pk for pk, workflow_id in have.items() if workflow_id != workflow.pk]
    if elsewhere:
        WorkflowContentType.objects.filter(content_type__in=elsewhere).update(workflow=workflow)
    missing = [
        WorkflowContentType(content_type=ct, workflow=workflow) for ct in types if ct.pk not in have
    ]
    if missing:
        WorkflowContentType.objects.bulk_create(missing)


def clinical_review_workflow() -> Workflow | None:
    """The Clinical review workflow, once `ensure_roles` has made it."""
    return Workflow.objects.filter(name=WORKFLOW_NAME).first()
