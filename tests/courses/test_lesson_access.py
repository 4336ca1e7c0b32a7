"""Who may read a lesson, and what the course, module and lesson pages show."""

import pytest

pytestmark = pytest.mark.django_db


def test_anonymous_lesson_request_redirects_to_login_and_back(client, tree):
    lesson = tree.lessons[0]
    response = client.get(lesson.url)
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={lesson.url}"


def test_signing_in_returns_to_the_lesson(client, tree, trainee):
    from tests.factories import PASSWORD

    lesson = tree.lessons[0]
    response = client.post(
        "/accounts/login/", {"username": trainee.username, "password": PASSWORD, "next": lesson.url}
    )
    assert response.status_code == 302
    assert response.url == lesson.url


def test_trainee_sees_the_lesson_with_sources_and_navigation(client, tree, trainee):
    client.force_login(trainee)
    first, second, third = tree.lessons
    response = client.get(second.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert second.title in html
    assert "Lesson 2 of 3" in html
    assert f'href="{first.url}" rel="prev"' in html
    assert f'href="{third.url}" rel="next"' in html
    assert "Sources cited" in html
    assert second.citations.first().source.title in html
    assert 'aria-label="Breadcrumb"' in html


def test_course_and_module_overviews_are_open_to_everyone(client, tree):
    course = client.get(tree.course.url)
    module = client.get(tree.module.url)
    assert course.status_code == module.status_code == 200
    for lesson in tree.lessons:
        assert lesson.title in course.content.decode()
        assert lesson.title in module.content.decode()
    assert "sign in to open" in module.content.decode()


def test_unpublished_lesson_is_not_served(client, tree, trainee):
    lesson = tree.lessons[0]
    lesson.unpublish()
    client.force_login(trainee)
    assert client.get(lesson.url).status_code == 404
    assert lesson.title not in client.get(tree.module.url).content.decode()


def test_every_page_has_landmarks_skip_link_and_the_disclaimer(client, tree, trainee):
    client.force_login(trainee)
    for url in ["/", tree.course.url, tree.module.url, tree.lessons[0].url, "/search/?q=lesson"]:
        html = client.get(url).content.decode()
        assert '<a class="skip-link" href="#main">' in html, url
        assert '<main id="main"' in html and "<header" in html and "<footer" in html, url
        assert "Educational material, not medical advice" in html, url


@pytest.mark.indexed
def test_search_finds_lessons_by_their_words(client, tree):
    lesson = tree.lessons[0]
    lesson.summary = "Palpation of the upper trapezius"
    lesson.save_revision().publish()
    response = client.get("/search/", {"q": "trapezius"})
    assert response.status_code == 200
    assert lesson.title in response.content.decode()
    assert "No lessons match" in client.get("/search/", {"q": "zzzqqq"}).content.decode()


def test_search_survives_hostile_queries(client, tree, corpora):
    import json

    strings = json.loads((corpora / "blns.json").read_text())
    for query in strings[::7]:
        response = client.get("/search/", {"q": query})
        assert response.status_code == 200, query
        assert "<script>alert" not in response.content.decode()
