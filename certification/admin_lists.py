"""The admin lists of skill assessments and certificates: Wagtail's ModelViewSet and IndexView,
filtered with WagtailFilterSets; the pages that record, sign and revoke are the viewsets' own
custom views (certification.admin_views).

Who sees which list, and who sees Revoke, is decided by certification.permissions.
"""

from __future__ import annotations

from typing import Any, cast

import django_filters
from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.model import ModelViewSet

from certification import admin_views
from certification.admin_views import ASSESSMENTS, CERTIFICATES
from certification.models import (
    AssessmentStatus,
    Certificate,
    CertificateQuerySet,
    CertificateStatus,
    SkillAssessment,
)
from certification.permissions import assessment_policy, certificate_policy
from core.params import query_text


def _day(value: Any) -> str:
    return date_format(value, "j M Y")


class AssessmentFilterSet(WagtailFilterSet):
    """Mine (the default) or everyone's; drafts, signed or both."""

    mine = django_filters.ChoiceFilter(
        label="Whose assessments",
        choices=[("1", "Mine"), ("0", "Everyone's")],
        empty_label=None,
        initial="1",
        method="filter_mine",
    )
    status = django_filters.ChoiceFilter(
        label="Status", choices=AssessmentStatus.choices, empty_label="Drafts and signed"
    )

    class Meta:
        model = SkillAssessment
        fields = ["status"]

    def filter_mine(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset if value == "0" else queryset.filter(assessor=self.request.user)


class AssessmentIndexView(IndexView):
    """Assessments, newest first: the assessor's own by default."""

    page_title = "Skill assessments"
    add_item_label = "Record a skill assessment"
    any_permission_required = ["view"]
    permission_policy = assessment_policy
    filterset_class = AssessmentFilterSet
    default_ordering = "-created_at"

    def get_base_queryset(self) -> QuerySet:
        return SkillAssessment.objects.select_related("trainee", "assessor")

    def get_filterset_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_filterset_kwargs()
        data = self.request.GET.copy()
        data.setdefault("mine", "1")
        return {**kwargs, "data": data}

    @property
    def columns(self) -> list[Column]:  # type: ignore[override]  # per request, not per class
        return [
            TitleColumn(
                "trainee",
                accessor=lambda a: a.trainee.display_name,
                get_url=lambda a: reverse(f"{ASSESSMENTS}:edit", args=[a.pk]),
            ),
            Column("checklist", accessor=lambda a: a.checklist_snapshot["title"]),
            Column(
                "assessed_on",
                label="Assessed",
                accessor=lambda a: _day(a.assessed_on),
                sort_key="assessed_on",
            ),
            Column("assessor", accessor=lambda a: a.assessor.display_name),
            Column("status", accessor="get_status_display"),
            Column(
                "outcome",
                accessor=lambda a: ("Passed" if a.passed else "Not passed") if a.is_signed else "—",
            ),
        ]


class CertificateFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label="Status",
        choices=CertificateStatus.choices,
        empty_label="Any status",
        method="filter_status",
    )

    class Meta:
        model = Certificate
        fields: list[str] = []

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Active lists every certificate that still certifies (expiring soon included)."""
        now = timezone.now()
        certificates = cast(CertificateQuerySet, queryset)
        if value == CertificateStatus.ACTIVE:
            return certificates.valid(now)
        return certificates.with_status(value, now)


class CertificateIndexView(IndexView):
    """Every certificate, newest first; a Revoke button for those allowed to revoke."""

    page_title = "Certificates"
    any_permission_required = ["view"]
    permission_policy = certificate_policy
    filterset_class = CertificateFilterSet
    default_ordering = "-issued_at"
    is_searchable = True
    search_kwarg = "q"

    def get_base_queryset(self) -> QuerySet:
        return Certificate.objects.select_related("user", "programme")

    def search_queryset(self, queryset: QuerySet) -> QuerySet:
        """Holder, username, or the start of the code."""
        if not self.is_searching:
            return queryset
        q = query_text({"q": self.search_query}, "q")
        return queryset.filter(
            Q(holder_name__icontains=q) | Q(user__username__icontains=q) | Q(code__startswith=q)
        )

    def revoke_link(self, certificate: Certificate) -> str:
        if certificate.revoked_at or not certificate_policy.user_has_permission_for_instance(
            self.request.user, "revoke", certificate
        ):
            return ""
        return format_html(
            '<a class="button button-small button-secondary" href="{}">Revoke</a>',
            reverse(f"{CERTIFICATES}:revoke", args=[certificate.pk]),
        )

    @property
    def columns(self) -> list[Column]:  # type: ignore[override]  # per request, not per class
        return [
            Column(
                "holder",
                accessor=lambda c: format_html(
                    "{} <small>({})</small>", c.holder_name, c.user.username
                ),
            ),
            Column("programme", accessor=_programme_cell),
            Column("issued", accessor=lambda c: _day(c.issued_at), sort_key="issued_at"),
            Column("expires", accessor=lambda c: _day(c.expires_at), sort_key="expires_at"),
            Column("status", accessor=_status_cell),
            Column(
                "code",
                accessor=lambda c: format_html(
                    '<a href="{}">{}…</a>',
                    reverse("certificates:verify", args=[c.code]),
                    c.code[:8],
                ),
            ),
            Column("actions", label="", accessor=self.revoke_link),
        ]


def _programme_cell(certificate: Certificate) -> str:
    renewal = certificate.cycle - 1
    return format_html(
        "{}{}",
        certificate.programme.title,
        format_html(" <small>(renewal {})</small>", renewal) if renewal else "",
    )


def _status_cell(certificate: Certificate) -> str:
    reason = certificate.revocation_reason if certificate.revoked_at else ""
    return format_html(
        "{}{}",
        certificate.status_label,
        format_html("<br><small>{}</small>", reason) if reason else "",
    )


# The viewsets -----------------------------------------------------------------------------------


class ListOnlyViewSet(ModelViewSet):
    """A list from Wagtail's IndexView plus the custom pages `get_urlpatterns` adds; none of
    the generic add, edit, copy or delete views (these records change only through actions)."""

    add_to_admin_menu = True
    add_to_reference_index = False
    copy_view_enabled = False
    list_per_page = 50

    def get_permissions_to_register(self) -> Any:
        """The group editor keeps showing the model's permissions as before (none of them)."""
        return Permission.objects.none()

    def list_urlpatterns(self) -> list[URLPattern]:
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
        ]


class AssessmentViewSet(ListOnlyViewSet):
    model = SkillAssessment
    index_view_class = AssessmentIndexView
    url_prefix = "certification/assessments"
    url_namespace = ASSESSMENTS
    icon = "tasks"
    menu_label = "Skill assessments"
    menu_order = 225

    def get_urlpatterns(self) -> list[URLPattern]:
        """`edit` is the assessment's page: a draft's form for its assessor, else read only."""
        return [
            *self.list_urlpatterns(),
            path("new/", admin_views.AssessmentCreateView.as_view(), name="add"),
            path("<id:assessment_id>/", admin_views.AssessmentView.as_view(), name="edit"),
            path("<id:assessment_id>/sign/", admin_views.AssessmentSignView.as_view(), name="sign"),
        ]


class CertificateViewSet(ListOnlyViewSet):
    model = Certificate
    index_view_class = CertificateIndexView
    url_prefix = "certification/certificates"
    url_namespace = CERTIFICATES
    icon = "success"
    menu_label = "Certificates"
    menu_order = 226

    def get_urlpatterns(self) -> list[URLPattern]:
        return [
            *self.list_urlpatterns(),
            path(
                "<id:certificate_id>/revoke/",
                admin_views.CertificateRevokeView.as_view(),
                name="revoke",
            ),
        ]

    def register_admin_url_finder(self) -> None:
        """Certificates have no edit page for the site history to link to."""
