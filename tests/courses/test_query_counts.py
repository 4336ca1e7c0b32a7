"""Queries per page stay constant as a course grows."""

import pytest

from courses.services import enrol
from tests.conftest import build_tree
from tests.factories import LessonPageFactory

pytestmark = pytest.mark.django_db

# Wagtail's router costs about two queries per level of the tree (home > courses > course >
# module > lesson), then session, user, permissions, the learner's progress in the course
# (course, modules, lessons, quizzes, completions, passed quizzes, module completions,
# enrolment), breadcrumbs, citations and competencies, and the "last reviewed" line (one query:
# the live revision with the page's latest clinical review, core.reviews; it took the lesson
# from 27 to 28 and the overview pages from 16 to 17), and the header's two for a signed-in
# person (the bell's unread count, the clinics they manage: 28 to 30). The bound is stated; the
# real check is that it does not move when the module grows tenfold.
LESSON_PAGE_MAX_QUERIES = 30
OVERVIEW_MAX_QUERIES = 17


def lesson_queries(client, django_assert_max_num_queries, lesson) -> int:
    client.get(lesson.url)  # warm the per-process caches (site root paths), as a running site has
    with django_assert_max_num_queries(LESSON_PAGE_MAX_QUERIES) as captured:
        response = client.get(lesson.url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_lesson_page_queries_do_not_grow_with_lessons(
    client, trainee, django_assert_max_num_queries
):
    client.force_login(trainee)
    tree = build_tree(lessons=10)
    enrol(trainee, tree.course)
    small = lesson_queries(client, django_assert_max_num_queries, tree.lessons[4])
    for n in range(11, 101):
        LessonPageFactory(
            parent=tree.module,
            title=f"Lesson {n}",
            sources=[tree.lessons[0].citations.first().source],
        )
    large = lesson_queries(client, django_assert_max_num_queries, tree.lessons[4])
    assert large == small


def test_course_and_module_pages_do_not_grow_with_lessons(client, django_assert_max_num_queries):
    tree = build_tree(lessons=10)
    source = tree.lessons[0].citations.first().source
    client.get(tree.course.url)  # warm the caches
    with django_assert_max_num_queries(OVERVIEW_MAX_QUERIES) as small:
        client.get(tree.course.url)
    for n in range(11, 60):
        LessonPageFactory(parent=tree.module, title=f"Lesson {n}", sources=[source])
    client.get(tree.course.url)
    with django_assert_max_num_queries(OVERVIEW_MAX_QUERIES) as large:
        assert client.get(tree.course.url).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)
    with django_assert_max_num_queries(OVERVIEW_MAX_QUERIES):
        assert client.get(tree.module.url).status_code == 200
