"""Template context the site shell takes from certification: the header's clinic links and
the assessor's "Assess" link with the number of requests waiting for them."""

from __future__ import annotations

from django.db.models import Count, Expression, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils.functional import cached_property

from certification.clinics import clinics_managed_by
from certification.models import (
    AssessmentRequest,
    Clinic,
    ClinicMembership,
    ClinicRole,
    RequestStatus,
)
from certification.permissions import may_use_assessor_queue


class ManagedClinics:
    """The clinics the signed-in person manages, read only when a template asks (`.clinics`).

    Nothing is queried for visitors who are not signed in, nor on pages that never show the
    header, nor for people the signed-in user's row says manage no clinic (accounts.backends);
    a page that shows it to a manager pays one query, however often it reads the list.
    """

    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    @cached_property
    def clinics(self) -> list[Clinic]:
        user = getattr(self._request, "user", None)
        if user is None or not user.is_authenticated:
            return []
        if getattr(user, "managed_clinic_count", None) == 0:  # read with the user
            return []
        return clinics_managed_by(user)


def managed_clinic_count() -> Expression:
    """How many clinics the user (OuterRef "pk") manages: read with the signed-in user
    (accounts.backends), so the header asks for the clinics only of those who manage one."""
    managed = (
        ClinicMembership.objects.filter(user=OuterRef("pk"), role=ClinicRole.MANAGER)
        .order_by()
        .values("user")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(managed, output_field=IntegerField()), 0)


def managed_clinics(request: HttpRequest) -> dict[str, ManagedClinics]:
    """`managed_clinics`: the header's "My clinic" links, computed lazily."""
    return {"managed_clinics": ManagedClinics(request)}


class AssessQueue:
    """Whether the signed-in person has an assessor's queue (`.allowed`) and how many requests
    in it wait for their answer (`.pending`), read only when a template asks.

    `.allowed` asks the permission cache the header fills anyway; `.pending` costs one query,
    for assessors only.
    """

    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    @cached_property
    def allowed(self) -> bool:
        user = getattr(self._request, "user", None)
        return user is not None and user.is_authenticated and may_use_assessor_queue(user)

    @cached_property
    def pending(self) -> int:
        if not self.allowed:
            return 0
        return AssessmentRequest.objects.filter(
            assessor_id=self._request.user.pk, status=RequestStatus.PENDING
        ).count()


def assess_queue(request: HttpRequest) -> dict[str, AssessQueue]:
    """`assess_queue`: the header's "Assess" link, computed lazily."""
    return {"assess_queue": AssessQueue(request)}
