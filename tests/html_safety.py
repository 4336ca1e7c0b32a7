"""Finding anything executable in a rendered page that the site itself did not put there."""

from __future__ import annotations

from html.parser import HTMLParser

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:text/html")
ACTIVE_TAGS = {"iframe", "object", "embed", "base", "meta", "link", "style", "svg", "math"}


class _Audit(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and not (attributes.get("src") or "").startswith("/static/"):
            self.found.append("inline <script>")
        if tag in ACTIVE_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name == "srcdoc":
                self.found.append(f"{name}= on <{tag}>")
            if name in URL_ATTRIBUTES and (value or "").strip().lower().startswith(BAD_SCHEMES):
                self.found.append(f"{name}={value!r} on <{tag}>")

    handle_startendtag = handle_starttag


def executable_bits(html: str) -> list[str]:
    """Elements and attributes in `html` (a page's <main>) that could run script."""
    audit = _Audit()
    audit.feed(html)
    audit.close()
    return audit.found
