"""Cache-Control: only anonymous public pages may be kept by a CDN (core/cache_headers.py)."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.cache import get_max_age

from core.cache_headers import CacheHeadersMiddleware

pytestmark = pytest.mark.django_db


def directives(response) -> set[str]:
    return {part.strip().split("=")[0] for part in response.get("Cache-Control", "").split(",")}


def assert_public(response, settings) -> None:
    assert response.status_code == 200
    assert "public" in directives(response) and "private" not in directives(response)
    assert get_max_age(response) == settings.CACHE_PUBLIC_MAX_AGE
    assert "Cookie" in response["Vary"]
    assert not response.cookies


def assert_not_public(response) -> None:
    assert "public" not in directives(response)
    assert directives(response) & {"private", "no-store", "no-cache"}


def test_anonymous_home_page_is_public(client, tree, settings):
    assert_public(client.get("/"), settings)


def test_anonymous_course_and_catalogue_pages_are_public(client, tree, settings):
    assert_public(client.get(tree.index.url), settings)
    assert_public(client.get(tree.course.url), settings)


def test_max_age_follows_the_setting(client, tree, settings):
    settings.CACHE_PUBLIC_MAX_AGE = 15
    assert get_max_age(client.get("/")) == 15


def test_signed_in_pages_are_private(client, tree, trainee):
    client.force_login(trainee)
    for url in ("/", tree.course.url, tree.lessons[0].url):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_not_public(response)
        assert "private" in directives(response)


def test_login_page_with_a_csrf_token_is_not_public(client, tree):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "csrfmiddlewaretoken" in response.content.decode()
    assert_not_public(response)


def test_not_found_is_not_public(client, tree):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert_not_public(response)


def test_lesson_redirect_for_anonymous_visitor_is_not_public(client, tree):
    response = client.get(tree.lessons[0].url)
    assert response.status_code == 302
    assert_not_public(response)


def test_post_is_never_public(client, tree):
    response = client.post("/search/")
    assert_not_public(response)


def test_a_views_own_header_is_kept(client, tree):
    assert client.get("/certificates/")["Cache-Control"] == "no-store"
    assert "public" not in client.get("/health/live/")["Cache-Control"]


def test_admin_is_not_public(client, tree):
    assert_not_public(client.get("/admin/login/"))


def run(request, response: HttpResponse) -> HttpResponse:
    return CacheHeadersMiddleware(lambda _: response)(request)  # type: ignore[return-value]


def test_a_response_that_sets_a_cookie_is_private():
    # A shown message or a new session or CSRF cookie: the page was made for this visitor.
    response = HttpResponse("hello")
    response.set_cookie("messages", "x")
    assert directives(run(RequestFactory().get("/"), response)) == {"private"}


def test_a_request_with_a_session_cookie_is_private(settings):
    request = RequestFactory().get("/", HTTP_COOKIE=f"{settings.SESSION_COOKIE_NAME}=abc")
    assert directives(run(request, HttpResponse("hello"))) == {"private"}


def test_a_preview_is_private():
    request = RequestFactory().get("/")
    request.is_dummy = True  # type: ignore[attr-defined]  # what Wagtail sets on a preview
    assert directives(run(request, HttpResponse("hello"))) == {"private"}
