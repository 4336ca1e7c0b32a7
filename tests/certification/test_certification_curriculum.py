"""The seeded checklists and programme in curriculum/."""

import pytest

from certification.models import Programme, SkillChecklist
from quizzes.models import QuizPage

pytestmark = pytest.mark.django_db


def test_both_checklists_are_seeded_and_every_needle_safety_item_is_must_pass(curriculum):
    palpation = SkillChecklist.objects.get(key="hfs-palpation")
    needle = SkillChecklist.objects.get(key="hfs-needle-safety")
    assert palpation.live and needle.live
    assert needle.items.count() >= 5 and all(item.must_pass for item in needle.items.all())
    texts = " ".join(needle.items.values_list("text", flat=True)).lower()
    for fact in ("sterile", "single-use", "10 mm", "parallel", "vessels and nerves", "prone"):
        assert fact in texts, fact
    for item in list(palpation.items.all()) + list(needle.items.all()):
        if item.competency.domain == "safety":
            assert item.must_pass, item.text


def test_the_practitioner_programme_needs_the_course_every_quiz_and_both_checklists(curriculum):
    programme = Programme.objects.get(key="hfs-mini-blade-practitioner")
    assert (
        programme.title == ("HFS mini-blade needling: completed training and observed competence")
        and programme.validity_months == 24
    )
    assert "not that mini-blade needling works" in programme.description
    assert "single uncontrolled case report" in programme.description
    assert [c.slug for c in programme.required_courses.all()] == ["hemifacial-spasm"]
    assert programme.required_quizzes.count() == QuizPage.objects.count() >= 7
    assert set(programme.required_checklists.values_list("key", flat=True)) == {
        "hfs-palpation",
        "hfs-needle-safety",
    }
