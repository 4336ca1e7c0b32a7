"""The one sanitizer: nothing executable survives, ordinary formatting does."""

import random
import tomllib
from html.parser import HTMLParser
from urllib.parse import urlparse

import pytest
from django.template import Context, Template
from wagtail.admin.rich_text.converters.contentstate import ContentstateConverter

import core.curriculum
from core.blocks import INLINE_FEATURES, RICH_TEXT_FEATURES
from core.course_files import read_course
from core.curriculum import markdown_to_richtext
from core.sanitize import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_PROTOCOLS,
    ALLOWED_TAGS,
    RICHTEXT_ATTRIBUTES,
    RICHTEXT_TAGS,
    clean_html,
    clean_richtext,
)
from tests.conftest import CURRICULUM
from tests.factories import make_home

XSS_CORPORA = [
    "payloadbox_xss-payload-list.txt",
    "xss_patt/XSS_Polyglots.txt",
    "xss_patt/MarioXSSVectors.txt",
    "xss_patt/RSNAKE_XSS.txt",
    "xss_patt/0xcela_event_handlers.txt",
    "xss_patt/BRUTELOGIC-XSS-STRINGS.txt",
]


class ElementAudit(HTMLParser):
    """Collects every element and attribute a browser would build from the cleaned HTML."""

    def __init__(self, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES):
        super().__init__(convert_charrefs=True)
        self.tags, self.attributes = tags, attributes
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.tags:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            if name not in self.attributes.get(tag, []):
                self.problems.append(f"attribute {name} on <{tag}>")
            if name == "href" and value:
                scheme = urlparse(value.strip()).scheme.lower()
                if scheme and scheme not in ALLOWED_PROTOCOLS:
                    self.problems.append(f"href scheme {scheme}")

    handle_startendtag = handle_starttag


def audit(html: str, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES) -> list[str]:
    parser = ElementAudit(tags, attributes)
    parser.feed(html)
    parser.close()
    return parser.problems


def test_keeps_formatting_and_text():
    assert clean_html("<p>Depth <b>under</b> 10 mm</p>") == "<p>Depth <b>under</b> 10 mm</p>"
    assert clean_html("<script>alert(1)</script>keep") == "alert(1)keep"
    assert clean_html(None) == ""


def test_links_keep_safe_schemes_only_and_get_rel():
    cleaned = clean_html(
        '<a href="https://example.org" onclick="x()">ok</a><a href="javascript:alert(1)">bad</a>'
    )
    assert 'href="https://example.org"' in cleaned
    assert 'rel="nofollow noopener noreferrer"' in cleaned
    assert "javascript" not in cleaned and "onclick" not in cleaned


@pytest.mark.parametrize("name", XSS_CORPORA)
def test_xss_corpora_come_out_inert(corpora, name):
    """Every payload, cleaned, builds only allow-listed elements, attributes and URL schemes."""
    lines = (corpora / name).read_text(encoding="utf-8", errors="replace").splitlines()
    for line in lines:
        assert audit(clean_html(line)) == [], line


# Rich text (Markdown converted at load time, stored rich text rendered) ---------------------

EDITORS = [ContentstateConverter(RICH_TEXT_FEATURES), ContentstateConverter(INLINE_FEATURES)]


def opens_in_editor(html: str) -> None:
    """Raises as the admin's rich-text editor does when it cannot read stored HTML."""
    for editor in EDITORS:
        editor.from_database_format(html)


def test_markdown_keeps_headings_lists_emphasis_links_and_breaks():
    html = markdown_to_richtext(
        "## Depth\n\nStay **under** 10 *mm*; see [the guide](https://example.org/guide).\n\n"
        "- one\n- two\n\n1. first\n2. second\n\n---\n\nline one  \nline two"
    )
    assert html == (
        "<h2>Depth</h2><p>Stay <b>under</b> 10 <i>mm</i>; see "
        '<a href="https://example.org/guide">the guide</a>.</p>'
        "<ul><li>one</li><li>two</li></ul><ol><li>first</li><li>second</li></ol>"
        "<hr /><p>line one<br />\nline two</p>"
    )
    opens_in_editor(html)


def curriculum_markdown(monkeypatch) -> list[str]:
    """The HTML Markdown makes of every curriculum text, before the rich-text cleaner."""
    converted: list[str] = []

    def record(html: str) -> str:
        converted.append(html)
        return html

    monkeypatch.setattr(core.curriculum, "clean_richtext", record)
    for course_dir in (d for d in CURRICULUM.iterdir() if (d / "course.toml").is_file()):
        read_course(course_dir)
    rich_keys = {"intro", "summary", "narrative", "stem", "explanation", "model_answer"}

    def walk(value, key=None):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and key in rich_keys:
            markdown_to_richtext(value)

    for path in [*CURRICULUM.rglob("quiz.toml"), *CURRICULUM.rglob("*.case.toml")]:
        walk(tomllib.loads(path.read_text(encoding="utf-8")))
    return converted


def test_the_curriculum_passes_the_rich_text_cleaner_unchanged(monkeypatch):
    converted = curriculum_markdown(monkeypatch)
    assert len(converted) > 100
    for html in converted:
        assert clean_richtext(html) == html


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("<b><p>bold block</p></b>", "<p><b></b></p><p><b>bold block</b></p><p></p>"),
        ("<li>stray item</li>", "stray item"),
        ("<p>a <img src=x onerror=alert(1)> b</p>", "<p>a  b</p>"),
        ('<a href="javascript:alert(1)">x</a>', "<p><a>x</a></p>"),
        ('<a linktype="page" id="abc">x</a>', "<p><a>x</a></p>"),
        ('<iframe srcdoc="<script>alert(1)</script>"></iframe>', ""),
        ("<details open ontoggle=alert(1)>", ""),
    ],
)
def test_markdown_with_raw_html_is_cleaned_to_what_the_editor_reads(markdown, expected):
    html = markdown_to_richtext(markdown)
    assert html == expected
    opens_in_editor(html)


@pytest.mark.parametrize("name", XSS_CORPORA)
def test_xss_corpora_converted_from_markdown_are_inert_and_open_in_the_editor(corpora, name):
    """Each payload, and payloads run together, as a case or curriculum file could carry them."""
    lines = (corpora / name).read_text(encoding="utf-8", errors="replace").split("\n")
    shuffled = random.Random(name)
    mixes = ["".join(shuffled.sample(lines, 3)) for _ in range(300)]
    for text in [*lines, *mixes]:
        html = markdown_to_richtext(text)
        assert audit(html, RICHTEXT_TAGS, RICHTEXT_ATTRIBUTES) == [], text
        opens_in_editor(html)


@pytest.mark.django_db
def test_stored_rich_text_renders_with_links_expanded_and_nothing_executable():
    home = make_home()
    stored = (
        f'<p><a linktype="page" id="{home.pk}">Home</a> <b>kept</b></p>'
        '<script>alert(1)</script><p onclick="alert(2)">x</p><a href="javascript:alert(3)">y</a>'
    )
    html = Template("{% load sanitizing %}{{ value|clean_richtext }}").render(
        Context({"value": stored})
    )
    assert f'<a href="{home.url}">Home</a> <b>kept</b>' in html
    assert audit(html, RICHTEXT_TAGS, RICHTEXT_ATTRIBUTES) == []
    assert "<script" not in html and "onclick" not in html and "javascript" not in html
