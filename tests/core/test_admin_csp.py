"""Security headers of the admin, its live previews and the public site."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from django.http import HttpResponse
from django.test import RequestFactory

from core.middleware import SecurityHeadersMiddleware, is_wagtail_initialiser
from tests.admin_editing import edit_form, editor_form, make_case
from tests.factories import make_question, tagged_question

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header of `response`, by directive."""
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def inline_scripts(html: bytes) -> list:
    """The <script> elements of `html` that hold code (not a src, not JSON data)."""
    soup = BeautifulSoup(html, "html.parser")
    return [
        s
        for s in soup.find_all("script")
        if not s.get("src") and s.get("type") not in ("application/json", "text/template")
    ]


def assert_framable_by_the_admin_only(response) -> None:
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert policy(response)["frame-ancestors"] == ["'self'"]


# The admin's own pages --------------------------------------------------------------------------


def admin_editors(tree) -> dict[str, str]:
    question, case = make_question(), make_case()
    return {
        "lesson": f"/admin/pages/{tree.lessons[0].pk}/edit/",
        "question": f"/admin/snippets/quizzes/question/edit/{question.pk}/",
        "clinical case": f"/admin/snippets/quizzes/clinicalcase/edit/{case.pk}/",
        "new question": "/admin/snippets/quizzes/question/add/",
    }


def test_admin_editors_run_only_wagtails_initialisers_under_a_nonce(client, admin_user, tree):
    client.force_login(admin_user)
    for name, url in admin_editors(tree).items():
        response = client.get(url)
        assert response.status_code == 200, name
        script_src = policy(response)["script-src"]
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, name
        nonces = [v for v in script_src if v.startswith("'nonce-")]
        assert len(nonces) == 1, (name, script_src)
        scripts = inline_scripts(response.content)
        assert scripts, f"{name}: Wagtail's editor has inline initialisers"
        for script in scripts:
            assert f"'nonce-{script.get('nonce')}'" == nonces[0], (name, str(script)[:200])
        assert_framable_by_the_admin_only(response)


def admin_response(html: str) -> HttpResponse:
    """`html` served at an admin URL, through the security headers middleware."""
    request = RequestFactory().get("/admin/snippets/quizzes/question/")
    middleware = SecurityHeadersMiddleware(lambda request: HttpResponse(html))
    return middleware(request)


@pytest.mark.parametrize(
    "script",
    [
        "alert(document.cookie)",
        'new SnippetChooser("id_source", {}); fetch("/admin/users/")',
        'new SnippetChooser("id_source", {"a": 1}); alert(1); x("b", {})',
        'fetch("/admin/", {"method": "POST"});',
        'new SnippetChooser("id", window.location);',
        'new SnippetChooser("id", {"a": NaN});',
        '(function() { var panel = new InlinePanel(JSON.parse("{}")); alert(1); })();',
        '(function() { var panel = new Function(JSON.parse("alert(1)")); })();',
    ],
)
def test_an_inline_script_that_is_not_a_wagtail_initialiser_gets_no_nonce(script):
    response = admin_response(f"<p>Case text</p><script>{script}</script>")
    assert not is_wagtail_initialiser(script)
    assert b"nonce" not in response.content
    assert "'unsafe-inline'" not in policy(response)["script-src"]


def test_wagtails_initialisers_in_an_admin_page_get_the_policys_nonce():
    chooser = (
        'new SnippetChooser("id_source", {"modalUrl": "/admin/snippets/choose/core/source/"});'
    )
    panel = """
        (function() {
            var panel = new InlinePanel(JSON.parse("{\\u0022formsetPrefix\\u0022: \\u0022id_options\\u0022}"));
        })();
    """
    response = admin_response(f"<script>{chooser}</script><script>{panel}</script>")
    nonce = next(v for v in policy(response)["script-src"] if v.startswith("'nonce-"))
    scripts = inline_scripts(response.content)
    assert len(scripts) == 2
    assert all(f"'nonce-{s['nonce']}'" == nonce for s in scripts)


# Live preview -----------------------------------------------------------------------------------


def test_lesson_preview_in_the_panel_may_be_framed_by_the_admin(client, admin_user, tree):
    lesson = tree.lessons[0]
    url = f"/admin/pages/{lesson.pk}/edit/preview/"
    client.force_login(admin_user)
    posted = client.post(url, edit_form(lesson, "Previewed title", "action-preview"))
    assert posted.json()["is_valid"] is True
    response = client.get(url, {"in_preview_panel": "true", "mode": ""})
    assert response.status_code == 200
    assert b"Previewed title" in response.content
    assert_framable_by_the_admin_only(response)
    assert policy(response)["script-src"] == ["'self'"], "a preview keeps the public policy"


@pytest.mark.parametrize("kind", ["question", "clinicalcase"])
def test_snippet_preview_in_the_panel_may_be_framed_by_the_admin(client, admin_user, kind):
    instance = tagged_question() if kind == "question" else make_case()
    client.force_login(admin_user)
    form = editor_form(client, f"/admin/snippets/quizzes/{kind}/edit/{instance.pk}/")
    url = f"/admin/snippets/quizzes/{kind}/preview/{instance.pk}/"
    assert client.post(url, form).json()["is_valid"] is True
    response = client.get(url, {"in_preview_panel": "true"})
    assert response.status_code == 200
    assert_framable_by_the_admin_only(response)
    assert policy(response)["script-src"] == ["'self'"], "a preview keeps the public policy"


def test_public_pages_may_not_be_framed_at_all(client, tree):
    response = client.get(tree.course.url)
    assert response["X-Frame-Options"] == "DENY"
    assert policy(response)["frame-ancestors"] == ["'none'"]
    assert policy(response)["script-src"] == ["'self'"]
