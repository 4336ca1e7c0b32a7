"""The learner's programme page (/learn/programmes/<key>/) and the assignments panel on /learn/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from certification import clinic_generation, services
from certification.models import ClinicMembership, ClinicRole, Programme, ProgrammeAssignment
from courses import services as course_services
from tests.certification.conftest import assess, finish_course, meet_everything
from tests.factories import (
    ClinicFactory,
    LessonPageFactory,
    UserFactory,
    make_checklist,
    make_programme,
)

pytestmark = pytest.mark.django_db

URL = "/learn/programmes/prog/"
# Session, user, the programme, assignments, the evaluation's reads (requirements, structure,
# progress, assessments, revocations, certificates), the three detail reads, the page shell.
PROGRAMME_PAGE_MAX_QUERIES = 26
# /learn/'s own (tests/courses/test_progress.py: the assignments are read with the assessment
# requests) plus, once a programme is assigned, the learner's observed assessments; what the
# programmes require comes from the cache, the learner's progress, quiz passes and
# certificates from the page's other panels: the same number for one assignment or many.
LEARN_MAX_QUERIES = 9


def assign(clinic, manager, user, programme, days: int):
    ClinicMembership.objects.get_or_create(clinic=clinic, user=user, role=ClinicRole.STAFF)
    due = timezone.localdate() + timedelta(days=days)
    services.assign_programme(clinic, manager, [user], programme, due)


def page(client, url: str = URL) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(client, programme):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_programme_neither_assigned_nor_begun_is_not_found(client, programme):
    stranger = UserFactory(username="stranger")
    client.force_login(stranger)
    assert client.get(URL).status_code == 404
    assert client.get("/learn/programmes/no-such-programme/").status_code == 404


def test_an_assigned_programme_lists_every_requirement_as_needed(
    client, programme, clinic, manager
):
    learner = UserFactory(username="fresh")
    ClinicMembership.objects.create(clinic=clinic, user=learner, role=ClinicRole.STAFF)
    assign(clinic, manager, learner, programme, 10)
    client.force_login(learner)
    html = page(client)
    assert "Test practitioner" in html
    assert "Due " in html and "10 days left" in html and "Riverside" in html
    # One course, one quiz and two checklists, each with its status.
    assert html.count('class="requirement requirement--') == 4
    assert "No certificate yet" in html


def test_pending_work_shows_as_pending_with_dates_of_what_is_done(
    client, trainee, tree, programme, assessor
):
    finish_course(trainee, tree, programme)
    checklists = {c.key: c for c in programme.required_checklists.all()}
    palp, needle = checklists["palp"], checklists["needle"]
    services.start_assessment(trainee, assessor, palp)  # a draft: started, not signed
    assess(trainee, assessor, needle, passed=False)
    client.force_login(trainee)
    html = page(client)
    assert html.count("requirement--passed") == 2  # the course and the quiz
    assert "Assessment started, not signed yet" in html
    assert "Observed, not passed yet" in html
    assert timezone.localdate().strftime("%-d %b %Y") in html


def test_an_overdue_assignment_says_by_how_many_days(client, trainee, programme, clinic, manager):
    ClinicMembership.objects.create(clinic=clinic, user=trainee, role=ClinicRole.STAFF)
    assign(clinic, manager, trainee, programme, -3)
    client.force_login(trainee)
    html = page(client)
    assert "overdue by 3 days" in html and "status--clinic-overdue" in html


def test_a_held_certificate_shows_its_links_expiry_and_what_renewal_needs(
    client, trainee, tree, programme, assessor, clinic, manager
):
    assign(clinic, manager, trainee, programme, 10)
    meet_everything(trainee, tree, programme, assessor)
    certificate = services.issue_if_due(trainee, programme)
    assert certificate is not None
    client.force_login(trainee)
    html = page(client)
    assert f"/certificates/{certificate.code}/" in html
    assert f"/certificates/{certificate.code}.pdf" in html
    assert "is met by your certificate" in html
    assert certificate.expires_at.strftime("%-d %b %Y") in html
    # Renewal: the courses and quizzes still count; each observed assessment is needed again.
    renewal = html.split('id="renewal-title"')[1]
    assert "observed and signed again" in renewal
    assert renewal.count("observed and signed again") == 2


def test_a_revoked_certificate_is_shown_revoked(
    client, trainee, tree, programme, assessor, admin_user
):
    meet_everything(trainee, tree, programme, assessor)
    certificate = services.issue_if_due(trainee, programme)
    services.revoke_certificate(certificate.pk, admin_user, "Unsafe needling seen.")
    client.force_login(trainee)
    html = page(client)
    assert "status--cert-revoked" in html and "This certificate was revoked" in html


def test_another_learners_programme_page_shows_only_ones_own_standing(
    client, trainee, other_trainee, tree, programme, assessor
):
    meet_everything(trainee, tree, programme, assessor)
    certificate = services.issue_if_due(trainee, programme)
    client.force_login(other_trainee)
    html = page(client)  # enrolled in the programme's course: their own (empty) standing
    assert certificate.code not in html
    assert "No certificate yet" in html
    assert "requirement--passed" not in html


def test_the_programme_page_queries_do_not_grow(
    client, trainee, tree, programme, assessor, clinic, manager, django_assert_max_num_queries
):
    assign(clinic, manager, trainee, programme, 10)
    client.force_login(trainee)
    client.get(URL)
    with django_assert_max_num_queries(PROGRAMME_PAGE_MAX_QUERIES) as small:
        page(client)
    meet_everything(trainee, tree, programme, assessor)
    for checklist in programme.required_checklists.all():
        assess(trainee, assessor, checklist, passed=False)
        services.start_assessment(trainee, assessor, checklist)
    services.issue_if_due(trainee, programme)
    with django_assert_max_num_queries(PROGRAMME_PAGE_MAX_QUERIES) as large:
        page(client)
    assert len(large.captured_queries) == len(small.captured_queries)


# /learn/ ---------------------------------------------------------------------------------------


def second_programme(key: str, title: str, tree) -> Programme:
    return make_programme(key, title, courses=[tree.course], validity_months=12)


def test_learn_lists_assignments_overdue_first_then_by_due_date(
    client, trainee, tree, programme, clinic, manager
):
    later = second_programme("later", "Later programme", tree)
    sooner = second_programme("sooner", "Sooner programme", tree)
    assign(clinic, manager, trainee, later, 40)
    assign(clinic, manager, trainee, sooner, 5)
    assign(clinic, manager, trainee, programme, -2)
    client.force_login(trainee)
    html = page(client, "/learn/")
    panel = html.split('id="assignments-title"')[1].split("</section>")[0]
    order = [panel.index(t) for t in ("Test practitioner", "Sooner programme", "Later programme")]
    assert order == sorted(order)
    assert "overdue by 2 days" in panel and "5 days left" in panel
    assert 'href="/learn/programmes/prog/"' in panel and 'href="/learn/programmes/sooner/"' in panel
    # The panel comes before the courses.
    assert html.index('id="assignments-title"') < html.index('id="active-title"')


def test_learn_shows_no_assignments_panel_without_assignments(client, trainee):
    client.force_login(trainee)
    assert 'id="assignments-title"' not in page(client, "/learn/")


def test_learn_queries_do_not_grow_with_assignments(
    client, trainee, tree, programme, clinic, manager, django_assert_max_num_queries
):
    assign(clinic, manager, trainee, programme, 5)
    client.force_login(trainee)
    client.get("/learn/")
    with django_assert_max_num_queries(LEARN_MAX_QUERIES) as small:
        page(client, "/learn/")
    for n in range(6):
        ProgrammeAssignment.objects.create(
            clinic=ClinicFactory(name=f"Clinic {n}", slug=f"clinic-{n}"),
            user=trainee,
            programme=second_programme(f"p{n}", f"Programme {n}", tree),
            due_date=timezone.localdate() + timedelta(days=n),
        )
    client.get("/learn/")  # what the new programmes require is cached, as it was for the first
    with django_assert_max_num_queries(LEARN_MAX_QUERIES) as large:
        page(client, "/learn/")
    assert len(large.captured_queries) == len(small.captured_queries)


def assignment_card(client) -> str:
    return page(client, "/learn/").split('id="assignments-title"')[1].split("</section>")[0]


def test_learn_shows_a_new_requirement_at_once(client, trainee, programme, clinic, manager):
    assign(clinic, manager, trainee, programme, 5)
    client.force_login(trainee)
    assert "0 of 2 skills observed" in assignment_card(client)  # now in the cache
    programme.required_checklists = [
        *programme.required_checklists.all(),
        make_checklist("gloves", safety=False),
    ]
    programme.save()
    assert "0 of 3 skills observed" in assignment_card(client)


def test_learn_shows_a_published_course_change_at_once(
    client, trainee, tree, programme, clinic, manager
):
    assign(clinic, manager, trainee, programme, 5)
    for lesson in tree.lessons:
        course_services.complete_lesson(trainee, lesson)
    client.force_login(trainee)
    assert "75% done" in assignment_card(client)  # 3 lessons of 3, the quiz not yet passed
    LessonPageFactory(parent=tree.module, title="New lesson")
    assert "60% done" in assignment_card(client)


def test_a_programme_change_makes_the_cache_stale_again_when_it_commits(
    programme, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        programme.required_checklists = [make_checklist("gloves", safety=False)]
        programme.save()
        written = clinic_generation.generation()
    assert clinic_generation.generation() != written
