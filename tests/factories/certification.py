"""Skill checklists, clinics and signed assessments, made through the certification services."""

from __future__ import annotations

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from tests.factories.core import publish_first_revision
from tests.factories.courses import CompetencyFactory


class ClinicFactory(DjangoModelFactory):
    class Meta:
        model = "certification.Clinic"
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Clinic {n}")
    slug = factory.LazyAttribute(lambda c: c.name.lower().replace(" ", "-"))


class SkillChecklistFactory(DjangoModelFactory):
    """A published checklist: one ordinary item, plus a must-pass safety item when `safety`."""

    class Meta:
        model = "certification.SkillChecklist"

    key = factory.Sequence(lambda n: f"checklist-{n}")
    title = factory.LazyAttribute(lambda c: f"Checklist {c.key}")
    rating_max = 6
    pass_rating = 4

    @classmethod
    def _create(cls, model_class, *args, safety: bool = False, **kwargs):
        from certification.models import ChecklistItem

        checklist = model_class(*args, **kwargs)
        key = checklist.key
        skill = CompetencyFactory(code=f"{key}-S", domain="skill")
        danger = CompetencyFactory(code=f"{key}-SAFE", domain="safety")
        items = [
            ChecklistItem(
                sort_order=0, text="Palpates the chain", competency=skill, must_pass=False
            )
        ]
        if safety:
            items.append(
                ChecklistItem(
                    sort_order=1, text="Keeps depth under 10 mm", competency=danger, must_pass=True
                )
            )
        checklist.items = items
        checklist.save()
        publish_first_revision(checklist)
        return checklist


def make_programme(
    key: str,
    title: str,
    *,
    courses=(),
    quizzes=(),
    checklists=(),
    validity_months: int = 24,
):
    """A programme `key` requiring `courses`, `quizzes` and `checklists`."""
    from certification.models import Programme

    programme = Programme(key=key, title=title, validity_months=validity_months)
    programme.save()
    programme.required_courses = list(courses)
    programme.required_quizzes = list(quizzes)
    programme.required_checklists = list(checklists)
    programme.save()
    return programme


def make_checklist(key: str, *, safety: bool):
    """A published checklist `key`, with a must-pass safety item when `safety`."""
    return SkillChecklistFactory(key=key, safety=safety)


def assess(
    trainee,
    assessor,
    checklist,
    *,
    passed: bool = True,
    when=None,
    rating: int = 5,
    comments: str = "Good.",
):
    """A signed assessment: every item met (or the must-pass ones not met when `passed` is False)."""
    from certification import services
    from certification.models import ItemResult

    when = when or timezone.now()
    assessment = services.start_assessment(trainee, assessor, checklist, assessed_on=when.date())
    results = {
        i.position: (ItemResult.MET if passed or not i.must_pass else ItemResult.NOT_MET, "")
        for i in assessment.item_results.all()
    }
    services.update_assessment(
        assessment.pk,
        assessor,
        results=results,
        global_rating=rating,
        comments=comments,
        assessed_on=when.date(),
    )
    return services.sign_assessment(assessment.pk, assessor, now=when)
