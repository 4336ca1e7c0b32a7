"""Two requirements completing at the same moment issue one certificate (PostgreSQL)."""

import threading

import pytest
from django.db import transaction

from certification import services
from certification.models import Certificate
from tests.certification.conftest import assess, finish_course, make_checklist
from tests.concurrency import requires_postgres, run_concurrently
from tests.conftest import build_tree
from tests.factories import UserFactory, make_question, make_quiz

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def small_programme():
    from certification.models import Programme
    from core.roles import INSTRUCTORS, ensure_roles

    tree = build_tree(lessons=1)
    ensure_roles(tree.index)
    quiz = make_quiz(tree.module, [make_question()])
    programme = Programme.objects.create(key="race", title="Race programme", validity_months=24)
    programme.required_courses = [tree.course]
    programme.required_quizzes = [quiz]
    programme.required_checklists = [
        make_checklist("a", safety=False),
        make_checklist("b", safety=True),
    ]
    programme.save()
    programme.quiz = quiz
    assessor = UserFactory(username="racing-assessor", groups=[INSTRUCTORS])
    return tree, programme, assessor


def test_many_simultaneous_checks_issue_exactly_one_certificate():
    tree, programme, assessor = small_programme()
    trainee = UserFactory(username="racer")
    finish_course(trainee, tree, programme)
    for checklist in programme.required_checklists.all():
        assess(trainee, assessor, checklist)
    # Signing already issued it (after commit); start the race from "met, not yet issued".
    assert Certificate.objects.filter(user=trainee).count() == 1
    Certificate.objects.filter(user=trainee).delete()
    results = run_concurrently(lambda: services.issue_if_due(trainee, programme), threads=8)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(1 for r in results if r is not None) == 1
    assert Certificate.objects.filter(user=trainee).count() == 1


def test_the_last_two_requirements_signed_at_once_issue_one_certificate():
    """Both assessments commit at once; each commit's check runs after it, so the later one
    sees both and issues, and a simultaneous second issue is stopped by the unique cycle."""
    tree, programme, assessor = small_programme()
    trainee = UserFactory(username="double")
    finish_course(trainee, tree, programme)
    checklists = iter(list(programme.required_checklists.all()))
    lock = threading.Lock()
    both_written = threading.Barrier(2)

    def sign_one():
        with lock:
            checklist = next(checklists)
        assessment = services.start_assessment(trainee, assessor, checklist)
        results = {i.position: ("met", "") for i in assessment.item_results.all()}
        services.update_assessment(
            assessment.pk,
            assessor,
            results=results,
            global_rating=5,
            comments="",
            assessed_on=assessment.assessed_on,
        )
        with transaction.atomic():
            services.sign_assessment(assessment.pk, assessor)
            both_written.wait(timeout=10)
        return True

    results = run_concurrently(sign_one, threads=2)
    assert results == [True, True], results
    assert Certificate.objects.filter(user=trainee, programme=programme).count() == 1
