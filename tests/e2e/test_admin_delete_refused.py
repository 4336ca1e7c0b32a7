"""An editor who tries to delete content that learners have records against is refused, clearly."""

import pytest
from playwright.sync_api import expect

from courses.models import LessonCompletion, LessonPage
from courses.services import complete_lesson, enrol
from tests.conftest import build_tree
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_deleting_a_lesson_learners_completed_is_refused_and_unpublishing_offered(page):
    tree = build_tree(lessons=2)
    lesson = tree.lessons[0]
    learner = UserFactory(username="learner-who-finished")
    enrol(learner, tree.course)
    complete_lesson(learner, lesson)
    UserFactory(username="editor-in-chief", is_superuser=True, is_staff=True)

    sign_in(page, "editor-in-chief", PASSWORD)
    page.goto(f"/admin/pages/{lesson.pk}/delete/")
    expect(page.get_by_role("heading", name="Cannot delete")).to_be_visible()
    expect(page.get_by_text("1 lesson completion")).to_be_visible()
    screenshot(page, "admin-delete-refused")
    page.get_by_role("link", name=f"Unpublish “{lesson.title}”").click()
    page.get_by_role("button", name="Yes, unpublish it").click()

    lesson = LessonPage.objects.get(pk=lesson.pk)
    assert not lesson.live
    assert LessonCompletion.objects.filter(lesson=lesson, user=learner).exists()
