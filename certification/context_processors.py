"""Template context the site shell takes from certification: the header's clinic links."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import cached_property

from certification.clinics import clinics_managed_by
from certification.models import Clinic


class ManagedClinics:
    """The clinics the signed-in person manages, read only when a template asks (`.clinics`).

    Nothing is queried for visitors who are not signed in, nor on pages that never show the
    header; a page that shows it pays one query, however often it reads the list.
    """

    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    @cached_property
    def clinics(self) -> list[Clinic]:
        user = getattr(self._request, "user", None)
        if user is None or not user.is_authenticated:
            return []
        return clinics_managed_by(user)


def managed_clinics(request: HttpRequest) -> dict[str, ManagedClinics]:
    """`managed_clinics`: the header's "My clinic" links, computed lazily."""
    return {"managed_clinics": ManagedClinics(request)}
