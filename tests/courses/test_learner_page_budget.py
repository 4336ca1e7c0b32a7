"""Learner pages cost a small, fixed number of queries, and what makes them cheap never serves a
stale page: routes, view restrictions and shared content are cached under the structure
generation (courses.structure_cache, courses.routing), which every publish bumps.

With the caches warm, a signed-in trainee with progress costs: the session, the page (one query:
its route comes from the cache), the user (with the header's unread count and managed clinics),
what they have done (one UNION query), their enrolment, and their permissions (one query).
"""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from courses.services import complete_lesson, enrol
from tests.conftest import build_tree
from tests.factories import LessonPageFactory, make_question, make_quiz, take_quiz

pytestmark = pytest.mark.django_db

LEARNER_PAGE_MAX_QUERIES = 8


def _queries(client, url: str) -> int:
    client.get(url)  # warm the caches, as a running site has them
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    count = len(captured.captured_queries)
    assert count <= LEARNER_PAGE_MAX_QUERIES, (url, [q["sql"] for q in captured.captured_queries])
    return count


def _counts(client, tree) -> list[int]:
    return [
        _queries(client, url) for url in (tree.lessons[1].url, tree.module.url, tree.course.url)
    ]


@pytest.fixture
def learner_with_progress(client, trainee):
    tree = build_tree(lessons=4)
    enrol(trainee, tree.course)
    complete_lesson(trainee, tree.lessons[0])
    quiz = make_quiz(tree.module, [make_question()])
    take_quiz(trainee, quiz, right=False)
    client.force_login(trainee)
    return tree, quiz


def test_lesson_module_and_course_pages_stay_within_budget_as_data_grows(
    client, trainee, learner_with_progress
):
    tree, quiz = learner_with_progress
    small = _counts(client, tree)
    source = tree.lessons[0].citations.first().source
    for n in range(5, 40):
        lesson = LessonPageFactory.create(parent=tree.module, title=f"Lesson {n}", sources=[source])
        complete_lesson(trainee, lesson)
    for _ in range(2):
        take_quiz(trainee, quiz, right=True)
    assert _counts(client, tree) == small


def test_publishing_a_lesson_serves_its_new_body_at_once(client, learner_with_progress):
    tree, _ = learner_with_progress
    lesson = tree.lessons[1]
    assert "Updated wording" not in client.get(lesson.url).content.decode()
    lesson.body = [{"type": "text", "value": "<p>Updated wording of the lesson.</p>"}]
    lesson.summary = "A new summary."
    lesson.save_revision().publish()
    page = client.get(lesson.url).content.decode()
    assert "Updated wording" in page
    assert "A new summary." in page


def test_an_unpublished_lesson_is_not_found(client, learner_with_progress):
    tree, _ = learner_with_progress
    lesson = tree.lessons[1]
    assert client.get(lesson.url).status_code == 200
    lesson.unpublish()
    assert client.get(lesson.url).status_code == 404


def test_a_moved_away_slug_is_not_found_and_the_new_one_serves(client, learner_with_progress):
    tree, _ = learner_with_progress
    lesson = tree.lessons[1]
    old_url = lesson.url
    assert client.get(old_url).status_code == 200
    lesson.slug = "renamed-lesson"
    lesson.save_revision().publish()
    lesson.refresh_from_db()
    assert client.get(old_url).status_code == 404
    assert client.get(lesson.url).status_code == 200


def test_a_new_view_restriction_is_enforced(client, learner_with_progress):
    tree, _ = learner_with_progress
    lesson = tree.lessons[1]
    assert client.get(lesson.url).status_code == 200
    restriction = PageViewRestriction.objects.create(
        page=tree.module, restriction_type=PageViewRestriction.GROUPS
    )
    restriction.groups.add(Group.objects.create(name="Restricted readers"))
    response = client.get(lesson.url)
    assert response.status_code == 302  # Wagtail's own check: to the login page
    restriction.delete()
    assert client.get(lesson.url).status_code == 200


def test_a_new_view_restriction_is_enforced_on_a_quiz_and_its_sub_routes(
    client, learner_with_progress
):
    tree, quiz = learner_with_progress
    attempt = quiz.attempts.first()
    result = f"{quiz.url}attempt/{attempt.pk}/result/"
    assert client.get(quiz.url).status_code == 200
    restriction = PageViewRestriction.objects.create(
        page=tree.module, restriction_type=PageViewRestriction.GROUPS
    )
    restriction.groups.add(Group.objects.create(name="Restricted readers"))
    assert client.get(quiz.url).status_code == 302
    assert client.get(result).status_code == 302
    assert "/login/" in client.get(result)["Location"]
    restriction.delete()
    assert client.get(quiz.url).status_code == 200


def test_quiz_sub_routes_and_unknown_paths_route_as_wagtail_does(client, learner_with_progress):
    tree, quiz = learner_with_progress
    assert client.get(quiz.url).status_code == 200
    attempt = quiz.attempts.first()
    assert client.get(f"{quiz.url}attempt/{attempt.pk}/result/").status_code in (200, 302)
    assert client.get(f"{quiz.url}no-such-route/").status_code == 404
    assert client.get(f"{tree.module.url}no-such-lesson/").status_code == 404
    assert client.get("/courses/no-such-course/lesson/").status_code == 404


def test_a_preview_shows_the_draft_not_the_cached_live_content(rf, trainee, learner_with_progress):
    tree, _ = learner_with_progress
    lesson = tree.lessons[1]
    request = rf.get(lesson.url)
    request.user = trainee
    live = lesson.make_preview_request(request, lesson.default_preview_mode)
    assert "Draft wording" not in live.content.decode()
    lesson.body = [{"type": "text", "value": "<p>Draft wording, not saved.</p>"}]
    draft = lesson.make_preview_request(request, lesson.default_preview_mode)
    assert "Draft wording, not saved." in draft.content.decode()


def test_a_route_left_stale_by_a_lost_invalidation_is_routed_the_normal_way(
    client, learner_with_progress
):
    from django.core.cache import cache

    from courses.structure_cache import GENERATION_KEY

    tree, _ = learner_with_progress
    lesson = tree.lessons[1]
    old_url = lesson.url
    assert client.get(old_url).status_code == 200
    before = cache.get(GENERATION_KEY)
    lesson.slug = "renamed-while-the-cache-was-away"
    lesson.save_revision().publish()
    lesson.refresh_from_db()
    cache.set(GENERATION_KEY, before, timeout=None)  # as if the bumps were lost
    assert client.get(old_url).status_code == 404
    assert client.get(lesson.url).status_code == 200
