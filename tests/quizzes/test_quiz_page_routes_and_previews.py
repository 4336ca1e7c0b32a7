"""The quiz page's routes resolve as they always have, and its admin previews write nothing."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from quizzes.models import Attempt, QuizPage
from tests.quizzes.example_case import import_example_case

pytestmark = pytest.mark.django_db

ROUTES = {
    "intro": ("", ()),
    "start": ("start/", ()),
    "attempt": ("attempt/7/", (7,)),
    "save": ("attempt/7/save/", (7,)),
    "advance": ("attempt/7/advance/", (7,)),
    "confirm": ("attempt/7/confirm/", (7,)),
    "submit": ("attempt/7/submit/", (7,)),
    "result": ("attempt/7/result/", (7,)),
}


@pytest.fixture
def case_quiz(tree) -> QuizPage:
    return import_example_case(tree)


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_each_route_keeps_its_address_and_name(quiz, name):
    address, args = ROUTES[name]
    assert quiz.reverse_subpage(name, args=args) == address
    view, view_args, view_kwargs = quiz.resolve_subpage("/" + address)
    assert view.__name__ == f"{name}_route"
    assert view_kwargs == ({"attempt_id": 7} if args else {})
    assert view_args == ()


def test_the_routes_are_methods_declared_on_the_page():
    routed = {
        name for name, method in vars(QuizPage).items() if hasattr(method, "_routablepage_routes")
    }
    assert routed == {f"{name}_route" for name in ROUTES}


def test_the_page_offers_intro_attempt_and_result_previews(quiz):
    assert [mode for mode, _ in quiz.preview_modes] == ["", "attempt", "result"]
    assert quiz.default_preview_mode == ""


@pytest.mark.parametrize("quiz_fixture", ["quiz", "case_quiz"])
@pytest.mark.parametrize("mode", ["", "attempt", "result"])
def test_each_preview_renders_and_writes_no_attempt(
    rf, client, request, admin_user, quiz_fixture, mode
):
    page = request.getfixturevalue(quiz_fixture)
    client.force_login(admin_user)
    original = rf.get("/admin/", HTTP_COOKIE=f"sessionid={client.cookies['sessionid'].value}")
    response = page.make_preview_request(original_request=original, preview_mode=mode)
    assert response.status_code == 200
    assert not Attempt.objects.exists()


def posted_edit_form(html: str) -> dict[str, list[str]]:
    """The page edit form's fields as a browser would post them."""
    form = BeautifulSoup(html, "html.parser").find("form", id="page-edit-form")
    data: dict[str, list[str]] = {}
    for field in form.find_all(["input", "textarea", "select"]):
        name = field.get("name")
        if not name or field.get("type") in ("submit", "button", "file"):
            continue
        if field.get("type") in ("checkbox", "radio") and not field.has_attr("checked"):
            continue
        if field.name == "textarea":
            value = field.text
        elif field.name == "select":
            chosen = field.find_all("option", selected=True)
            for option in chosen:
                data.setdefault(name, []).append(option.get("value", ""))
            continue
        else:
            value = field.get("value", "")
        data.setdefault(name, []).append(value)
    return data


@pytest.mark.parametrize("quiz_fixture", ["quiz", "case_quiz"])
def test_the_admin_preview_shows_each_mode(client, request, admin_user, quiz_fixture):
    page = request.getfixturevalue(quiz_fixture)
    client.force_login(admin_user)
    edit = client.get(f"/admin/pages/{page.pk}/edit/")
    assert edit.status_code == 200
    preview_url = f"/admin/pages/{page.pk}/edit/preview/"
    posted = client.post(preview_url, posted_edit_form(edit.content.decode()))
    assert posted.status_code == 200 and posted.json()["is_valid"], posted.content
    expected = {
        "": "quizzes/quiz_page.html",
        "attempt": "quizzes/case_attempt.html" if page.is_case_quiz else "quizzes/attempt.html",
        "result": "quizzes/case_result.html" if page.is_case_quiz else "quizzes/result.html",
    }
    for mode, template in expected.items():
        shown = client.get(preview_url, {"mode": mode})
        assert shown.status_code == 200, mode
        assert template in [t.name for t in shown.templates], mode
    assert not Attempt.objects.exists()


def test_the_attempt_preview_shows_the_questions_without_saving_answers(client, admin_user, quiz):
    client.force_login(admin_user)
    edit = client.get(f"/admin/pages/{quiz.pk}/edit/")
    preview_url = f"/admin/pages/{quiz.pk}/edit/preview/"
    client.post(preview_url, posted_edit_form(edit.content.decode()))
    html = client.get(preview_url, {"mode": "attempt"}).content.decode()
    assert "nothing is saved" in html
    assert "data-attempt-form" not in html, "the preview must not autosave"
    assert html.count('class="question') >= quiz.fixed_questions.count()
