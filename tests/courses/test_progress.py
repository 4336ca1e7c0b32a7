"""Enrolment, completion, prerequisites and progress, as learners and instructors see them."""

import pytest
from django.urls import reverse

from courses import services
from courses.models import Enrollment, LessonCompletion, ModuleCompletion
from courses.progress import course_progress
from tests.conftest import build_tree
from tests.factories import (
    LessonPageFactory,
    ModulePageFactory,
    UserFactory,
    make_question,
    make_quiz,
    take_quiz,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(tree):
    """Module 1: three lessons and a quiz; module 2 (requires module 1): one lesson."""
    tree.quiz = make_quiz(tree.module, [make_question()])
    tree.module2 = ModulePageFactory(parent=tree.course, title="Module 2", requires_previous=True)
    tree.lesson2 = LessonPageFactory(parent=tree.module2, title="Module 2 lesson")
    return tree


def complete_url(lesson) -> str:
    return reverse("learn:complete_lesson", args=[lesson.pk])


# Enrolment --------------------------------------------------------------------------------


def test_a_trainee_enrols_from_the_course_page(client, course):
    learner = UserFactory(username="newcomer")
    client.force_login(learner)
    html = client.get(course.course.url).content.decode()
    assert "Enrol in this course" in html
    response = client.post(reverse("learn:enrol", args=[course.course.pk]))
    assert response.status_code == 302 and response.url == course.lessons[0].url
    assert Enrollment.objects.filter(user=learner, course=course.course).count() == 1
    assert "Continue:" in client.get(course.course.url).content.decode()


def test_enrolling_twice_is_the_same_as_once(client, course):
    learner = UserFactory(username="twice")
    client.force_login(learner)
    for _ in range(2):
        client.post(reverse("learn:enrol", args=[course.course.pk]))
    assert Enrollment.objects.filter(user=learner).count() == 1


def test_enrol_needs_a_post_and_a_signed_in_user(client, course):
    url = reverse("learn:enrol", args=[course.course.pk])
    assert (
        client.post(url).status_code == 302
        and not Enrollment.objects.filter(user__username="anon").exists()
    )
    client.force_login(UserFactory(username="getter"))
    assert client.get(url).status_code == 405
    assert client.post(reverse("learn:enrol", args=[999999])).status_code == 404


def test_lessons_and_quizzes_need_enrolment(client, course):
    outsider = UserFactory(username="outsider")
    client.force_login(outsider)
    for page in (course.lessons[0], course.quiz):
        response = client.get(page.url)
        assert response.status_code == 302 and response.url == course.course.url
    assert client.post(f"{course.quiz.url}start/").status_code == 302
    assert not outsider.attempts.exists()
    assert client.post(complete_url(course.lessons[0])).status_code == 302
    assert not LessonCompletion.objects.filter(user=outsider).exists()


def test_instructors_may_read_without_enrolling(client, course, instructor):
    client.force_login(instructor)
    assert client.get(course.lessons[0].url).status_code == 200
    assert client.get(course.lesson2.url).status_code == 200


# Completion -------------------------------------------------------------------------------


def test_marking_a_lesson_complete_is_idempotent(client, trainee, course):
    client.force_login(trainee)
    lesson = course.lessons[0]
    for _ in range(3):
        response = client.post(complete_url(lesson), {"next": course.lessons[1].url})
        assert response.status_code == 302 and response.url == course.lessons[1].url
    assert LessonCompletion.objects.filter(user=trainee, lesson=lesson).count() == 1
    assert "You completed this lesson." in client.get(lesson.url).content.decode()


def test_complete_lesson_never_redirects_off_site(client, trainee, course):
    client.force_login(trainee)
    response = client.post(complete_url(course.lessons[0]), {"next": "https://evil.example/"})
    assert response.url == course.lessons[0].url


def test_a_module_completes_when_its_lessons_are_done_and_its_quiz_is_passed(
    trainee, course, django_capture_on_commit_callbacks
):
    for lesson in course.lessons:
        services.complete_lesson(trainee, lesson)
    progress = course_progress(trainee, course.course)
    assert progress.modules[0].done == 3 and not progress.modules[0].complete
    assert not ModuleCompletion.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        take_quiz(trainee, course.quiz, right=True)
    record = ModuleCompletion.objects.get(user=trainee, module=course.module)
    assert course_progress(trainee, course.course).modules[0].completed_at == record.completed_at


def test_a_failed_quiz_leaves_the_module_open_until_it_is_passed(trainee, course):
    for lesson in course.lessons:
        services.complete_lesson(trainee, lesson)
    take_quiz(trainee, course.quiz, right=False)
    assert not course_progress(trainee, course.course).modules[0].complete
    take_quiz(trainee, course.quiz, right=True)
    assert course_progress(trainee, course.course).modules[0].complete


def test_the_course_completes_once_when_every_module_is(
    trainee, course, django_capture_on_commit_callbacks
):
    from courses.services import course_completed

    heard = []
    course_completed.connect(
        lambda **kw: heard.append(kw["course"].pk), dispatch_uid="test-heard", weak=False
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            for lesson in course.lessons:
                services.complete_lesson(trainee, lesson)
            take_quiz(trainee, course.quiz, right=True)
            services.complete_lesson(trainee, course.lesson2)
            services.complete_lesson(trainee, course.lesson2)
            services.record_progress(trainee, course.course)
    finally:
        course_completed.disconnect(dispatch_uid="test-heard")
    enrollment = Enrollment.objects.get(user=trainee)
    assert enrollment.completed_at is not None
    assert heard == [course.course.pk]


# Content edits ------------------------------------------------------------------------------


def test_an_unpublished_lesson_stops_counting_everywhere(client, trainee, course):
    client.force_login(trainee)
    services.complete_lesson(trainee, course.lessons[0])
    services.complete_lesson(trainee, course.lessons[1])
    before = course_progress(trainee, course.course)
    assert (before.modules[0].done, before.modules[0].total) == (2, 4)
    course.lessons[2].unpublish()
    after = course_progress(trainee, course.course)
    assert (after.modules[0].done, after.modules[0].total) == (2, 3)
    for url in (course.course.url, reverse("learn:dashboard")):
        assert f"{after.percent}%" in client.get(url).content.decode(), url
    assert "67%" in client.get(course.module.url).content.decode()


def test_a_moved_or_renamed_lesson_keeps_its_completion(trainee, course):
    lesson = course.lessons[0]
    services.complete_lesson(trainee, lesson)
    lesson.title = "A new title"
    lesson.save_revision().publish()
    lesson.move(course.module2, pos="last-child")
    progress = course_progress(trainee, course.course)
    moved = progress.step_for(lesson)
    assert moved.done and moved.title == "A new title"
    assert (
        progress.module_for(moved_page := lesson.specific_class.objects.get(pk=lesson.pk)).module.pk
        == course.module2.pk
    )
    assert moved_page.pk == lesson.pk


# Prerequisites ------------------------------------------------------------------------------


def test_a_locked_module_says_why_and_links_to_the_step_that_unlocks_it(client, trainee, course):
    client.force_login(trainee)
    response = client.get(course.lesson2.url)
    assert response.status_code == 302 and response.url == course.module2.url
    html = client.get(course.module2.url).content.decode()
    assert "Locked." in html
    assert f'href="{course.lessons[0].url}"' in html
    course_html = client.get(course.course.url).content.decode()
    assert "Opens when you finish the module before it" in course_html


def test_completing_the_previous_module_unlocks_the_next(client, trainee, course):
    client.force_login(trainee)
    for lesson in course.lessons:
        services.complete_lesson(trainee, lesson)
    take_quiz(trainee, course.quiz, right=True)
    assert client.get(course.lesson2.url).status_code == 200


# Whose progress -----------------------------------------------------------------------------


def test_my_learning_shows_only_my_own_progress(client, trainee, other_trainee, course):
    services.complete_lesson(other_trainee, course.lessons[0])
    take_quiz(other_trainee, course.quiz, right=True)
    client.force_login(trainee)
    html = client.get(reverse("learn:dashboard")).content.decode()
    assert "0%" in html
    assert "Recent quiz attempts" not in html
    assert other_trainee.display_name not in html
    other_attempt = other_trainee.attempts.get()
    assert client.get(f"{course.quiz.url}attempt/{other_attempt.pk}/result/").status_code == 404


def test_my_learning_needs_sign_in(client):
    response = client.get(reverse("learn:dashboard"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_my_learning_lists_attempts_next_step_and_completed_courses(client, trainee, course):
    take_quiz(trainee, course.quiz, right=False)
    client.force_login(trainee)
    html = client.get(reverse("learn:dashboard")).content.decode()
    assert "In progress" in html and "Next: Lesson 1" in html
    assert "Not passed" in html and "0%" in html
    for lesson in course.lessons:
        services.complete_lesson(trainee, lesson)
    take_quiz(trainee, course.quiz, right=True)
    services.complete_lesson(trainee, course.lesson2)
    html = client.get(reverse("learn:dashboard")).content.decode()
    assert "Completed courses" in html and "Passed" in html


def test_the_home_page_offers_to_continue_where_i_left_off(client, trainee, course):
    services.complete_lesson(trainee, course.lessons[0])
    client.force_login(trainee)
    html = client.get("/").content.decode()
    assert "Continue where you left off" in html
    assert f'href="{course.lessons[1].url}"' in html


# Query counts -------------------------------------------------------------------------------

# /learn/: session, user (with the header's counts), permissions (the header), enrolments with
# their courses, the learner's steps and module completions (the course structure is cached);
# the quiz panels' attempts (one query for both), the certificates, and the assignments with
# the assessment requests (one query). The clinics panel reads nothing for a non-manager.
# The course page: session, user, permissions, the page route, the learner's progress (course
# structure, completions, passed quizzes, module completions, enrolment), its "last reviewed"
# line (core.reviews), and the header's unread count and managed clinics.
MY_LEARNING_MAX_QUERIES = 8
COURSE_PAGE_MAX_QUERIES = 22


def test_my_learning_and_course_page_queries_do_not_grow(client, django_assert_max_num_queries):
    tree = build_tree(lessons=5)
    quiz = make_quiz(tree.module, [make_question()], attempts_allowed=0)
    learner = UserFactory(username="counted")
    services.enrol(learner, tree.course)
    client.force_login(learner)
    client.get("/learn/")
    with django_assert_max_num_queries(MY_LEARNING_MAX_QUERIES) as small_learn:
        assert client.get("/learn/").status_code == 200
    with django_assert_max_num_queries(COURSE_PAGE_MAX_QUERIES) as small_course:
        assert client.get(tree.course.url).status_code == 200

    for n in range(40):
        lesson = LessonPageFactory(
            parent=tree.module,
            title=f"More {n}",
            sources=[tree.lessons[0].citations.first().source],
        )
        services.complete_lesson(learner, lesson)
    for n in range(30):
        take_quiz(learner, quiz, right=n % 2 == 0)

    with django_assert_max_num_queries(MY_LEARNING_MAX_QUERIES) as large_learn:
        assert client.get("/learn/").status_code == 200
    with django_assert_max_num_queries(COURSE_PAGE_MAX_QUERIES) as large_course:
        assert client.get(tree.course.url).status_code == 200
    assert len(large_learn.captured_queries) == len(small_learn.captured_queries)
    assert len(large_course.captured_queries) == len(small_course.captured_queries)
