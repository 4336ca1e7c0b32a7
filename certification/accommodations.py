"""Clinic accommodations: the group overrides certification contributes to the quiz rules.

quizzes.overrides asks every registered group kind for the overrides that apply to a learner;
certification answers for clinics (a clinic's staff, not its managers) and offers the admin
list where instructors manage them, the same viewset as learners' accommodations.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from certification.models import ClinicQuizOverride, ClinicRole
from quizzes.admin_overrides import AccommodationViewSet
from quizzes.models import QuizPage


def clinic_overrides(user: Any, quiz: QuizPage) -> QuerySet[ClinicQuizOverride]:
    """The overrides on `quiz` of every clinic where `user` is staff (one query)."""
    return ClinicQuizOverride.objects.filter(
        quiz=quiz,
        clinic__memberships__user=user,
        clinic__memberships__role=ClinicRole.STAFF,
    ).distinct()


class ClinicQuizOverrideViewSet(AccommodationViewSet):
    """A clinic's staff's accommodations (Moodle's group overrides)."""

    model = ClinicQuizOverride
    menu_label = "Clinic accommodations"
    menu_order = 216
    url_prefix = "certification/accommodations"
    url_namespace = "certification_accommodations"
