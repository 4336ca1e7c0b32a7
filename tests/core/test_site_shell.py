"""The site shell every page shares: header, footer, tables and link names."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_FOLDERS = ["site", "core", "courses", "quizzes", "certification"]
PUBLIC_TEMPLATES = [
    path
    for folder in (ROOT / name / "templates" for name in TEMPLATE_FOLDERS)
    for path in folder.rglob("*.html")
    if "admin" not in path.relative_to(folder).parts
]
SCROLL_REGION = re.compile(
    r'<div class="table-wrap[^"]*" role="region" aria-(?:label|labelledby)="[^"]+" tabindex="0">\s*<table'
)


def test_every_public_table_sits_in_a_labelled_keyboard_scrollable_region():
    """A table wider than a phone scrolls inside its region, which keyboards can reach."""
    assert PUBLIC_TEMPLATES
    bare = [
        str(path.relative_to(ROOT))
        for path in PUBLIC_TEMPLATES
        if (text := path.read_text()).count("<table") != len(SCROLL_REGION.findall(text))
    ]
    assert bare == [], "tables outside a .table-wrap region"


@pytest.mark.django_db
def test_footer_offers_my_learning_not_sign_in_to_signed_in_users(client, tree, trainee):
    client.force_login(trainee)
    footer = client.get(tree.course.url).content.decode().split('<footer class="site-footer">')[1]
    assert ">My learning</a>" in footer
    assert "Sign in" not in footer


@pytest.mark.django_db
def test_footer_offers_sign_in_to_visitors(client, tree):
    footer = client.get(tree.course.url).content.decode().split('<footer class="site-footer">')[1]
    assert ">Sign in</a>" in footer


@pytest.mark.django_db
def test_header_menu_button_controls_the_collapsible_menu(client, tree):
    html = client.get(tree.course.url).content.decode()
    assert re.search(r'<button[^>]*aria-expanded="false"[^>]*aria-controls="site-menu"', html)
    assert 'id="site-menu"' in html
    assert "<script>" not in html and " style=" not in html, "the public CSP forbids inline code"


@pytest.mark.django_db
def test_course_link_name_starts_with_its_visible_text(client, tree):
    """Speech users say what they see ("View course"): the accessible name must contain it."""
    html = client.get("/").content.decode()
    assert f'View course<span class="visually-hidden">: {tree.course.title}</span>' in html
    assert 'aria-label="View the course' not in html


@pytest.mark.django_db
def test_messages_are_announced_from_a_container_and_stay_a_plain_list(client, tree, trainee):
    """role="status" on the list itself would strip its items of their list semantics."""
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.test import RequestFactory

    client.force_login(trainee)
    storage = CookieStorage(RequestFactory().get("/"))
    message = Message(constants.WARNING, "That module opens later.")
    client.cookies[storage.cookie_name] = storage._encode([message])
    html = client.get(tree.course.url).content.decode()
    assert re.search(r'<div class="container" role="status">\s*<ul class="messages">', html)
    assert "That module opens later." in html
