"""The one sanitizer: nothing executable survives, ordinary formatting does."""

from html.parser import HTMLParser
from urllib.parse import urlparse

import pytest

from core.sanitize import ALLOWED_ATTRIBUTES, ALLOWED_PROTOCOLS, ALLOWED_TAGS, clean_html


class ElementAudit(HTMLParser):
    """Collects every element and attribute a browser would build from the cleaned HTML."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            if name not in ALLOWED_ATTRIBUTES.get(tag, []):
                self.problems.append(f"attribute {name} on <{tag}>")
            if name == "href" and value:
                scheme = urlparse(value.strip()).scheme.lower()
                if scheme and scheme not in ALLOWED_PROTOCOLS:
                    self.problems.append(f"href scheme {scheme}")

    handle_startendtag = handle_starttag


def audit(html: str) -> list[str]:
    parser = ElementAudit()
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


@pytest.mark.parametrize(
    "name",
    [
        "payloadbox_xss-payload-list.txt",
        "xss_patt/XSS_Polyglots.txt",
        "xss_patt/MarioXSSVectors.txt",
        "xss_patt/RSNAKE_XSS.txt",
        "xss_patt/0xcela_event_handlers.txt",
        "xss_patt/BRUTELOGIC-XSS-STRINGS.txt",
    ],
)
def test_xss_corpora_come_out_inert(corpora, name):
    """Every payload, cleaned, builds only allow-listed elements, attributes and URL schemes."""
    lines = (corpora / name).read_text(encoding="utf-8", errors="replace").splitlines()
    for line in lines:
        assert audit(clean_html(line)) == [], line
