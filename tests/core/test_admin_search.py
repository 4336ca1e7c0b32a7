"""Every admin listing's search answers any query without a server error, and finds by real words."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.admin.viewsets import viewsets

from tests.admin_editing import make_case
from tests.factories import CompetencyFactory, SourceFactory, make_question

pytestmark = [pytest.mark.django_db, pytest.mark.indexed]

PROJECT_APPS = {"accounts", "core", "courses", "quizzes", "certification"}
REAL_WORDS = ["needle", "Depth limit", "cheek-depth-limit", "Snan", "HFS-SAFE1", "trap"]


def project_listings() -> dict[str, str]:
    """URL of each listing (index view) the project registers, by viewset name."""
    listings = {}
    for viewset in viewsets.viewsets:
        if type(viewset).__module__.split(".")[0] not in PROJECT_APPS:
            continue
        if getattr(viewset, "menu_url", None):
            listings[viewset.name] = viewset.menu_url
    return listings


def naughty_sample(corpora) -> list[str]:
    """About 40 lines of the naughty strings corpus, unicode and control characters included."""
    lines = [
        line
        for line in (corpora / "blns.txt").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    spread = lines[:: len(lines) // 28]
    unusual = [line for line in lines if not line.isascii() or not line.isprintable()]
    sample = spread + [line for line in unusual[::5] if line not in spread][:10]
    # The corpus holds no NUL byte, which PostgreSQL refuses in text.
    return [*sample, "\x00", "needle\x00depth"]


@pytest.fixture
def searchable_content(tree):
    source = SourceFactory(title="Needle depth in facial acupuncture", authors="Ren and Snan")
    competency = CompetencyFactory(code="HFS-SAFE1", title="Keeps needle depth safe")
    question = make_question(source=source, competency=competency, key="cheek-depth-limit")
    question.title = "Depth limit on the cheek"
    question.stem = "<p>How deep may the needle go over the zygomatic arch?</p>"
    question.save_revision().publish()
    make_case(key="eyelid-twitch-2018", title="Eyelid twitching for two years", source=source)
    # What a search for the words above must leave out.
    decoy = make_question(key="blade-orientation")
    decoy.title = "Blade orientation near vessels"
    decoy.save_revision().publish()
    make_case(key="tics-in-a-child", title="Tics in a child")
    SourceFactory(title="Atlas of facial anatomy", authors="Other Person")
    CompetencyFactory(code="HFS-PALP2", title="Palpates the tension chain")


def test_the_listings_searched_include_every_curriculum_snippet_and_clinic_listing():
    names = set(project_listings())
    assert {"question", "clinicalcase", "source", "competency", "skillchecklist"} <= names
    assert {"clinic", "clinicmembership", "programmeassignment"} <= names, names


def test_every_admin_listing_search_answers_real_words_and_naughty_strings(
    admin_user, searchable_content, corpora
):
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    urls = [*project_listings().values(), reverse("wagtailadmin_pages:search")]
    failures = []
    for url in urls:
        for query in [*REAL_WORDS, *naughty_sample(corpora)]:
            response = client.get(url, {"q": query})
            if response.status_code >= 500:
                failures.append(f"{url}?q={query!r}: {response.status_code}")
    assert not failures, "\n".join(failures)


QUESTION, DECOY_QUESTION = "Depth limit on the cheek", "Blade orientation near vessels"
CASE, DECOY_CASE = "Eyelid twitching for two years", "Tics in a child"


@pytest.mark.parametrize(
    ("listing", "query", "expected", "left_out"),
    [
        ("quizzes/question", "cheek", QUESTION, DECOY_QUESTION),
        ("quizzes/question", "zygomatic", QUESTION, DECOY_QUESTION),
        ("quizzes/question", "cheek-depth", QUESTION, DECOY_QUESTION),
        ("quizzes/clinicalcase", "eyelid", CASE, DECOY_CASE),
        ("quizzes/clinicalcase", "eyelid-twitch-2018", CASE, DECOY_CASE),
        ("core/source", "Snan", "Needle depth in facial acupuncture", "Atlas of facial anatomy"),
        ("courses/competency", "HFS-SAFE1", "Keeps needle depth safe", "Palpates the tension"),
    ],
)
def test_admin_listing_search_finds_by_the_words_authors_use(
    client, admin_user, searchable_content, listing, query, expected, left_out
):
    client.force_login(admin_user)
    response = client.get(f"/admin/snippets/{listing}/", {"q": query})
    assert response.status_code == 200
    html = response.content.decode()
    assert expected in html and left_out not in html
