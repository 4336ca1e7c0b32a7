"""The one place HTML from outside is cleaned (bleach, explicit allow-list).

Text is stored as typed and cleaned when rendered. Use `clean_html` for HTML that comes
from outside the editorial workflow: imported question banks and learner or assessor rich
text. Everything else relies on Django's autoescaping. bleach is no longer developed, so it
is called here and nowhere else: replacing it means changing this file only.
"""

from functools import partial

import bleach
from bleach.linkifier import LinkifyFilter
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "strong", "b", "em", "i", "u", "sub", "sup",
        "ul", "ol", "li", "blockquote", "code", "pre",
        "h3", "h4", "table", "thead", "tbody", "tr", "th", "td", "a",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"], "th": ["scope"], "td": ["colspan", "rowspan"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})


def _safe_rel(attrs: dict, new: bool = False) -> dict:
    """Links in outside HTML never pass the referrer nor get a handle on this window."""
    attrs[(None, "rel")] = "nofollow noopener noreferrer"
    return attrs


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[
        partial(LinkifyFilter, callbacks=[_safe_rel], skip_tags={"pre", "code"}, parse_email=False)
    ],
)


def clean_html(value: str | None) -> SafeString:
    """Return `value` with every tag, attribute and URL scheme outside the allow-list removed.

    Disallowed tags are stripped and their text kept, escaped; the result is safe to render.
    """
    if not value:
        return mark_safe("")
    return mark_safe(_cleaner.clean(str(value)))  # noqa: S308  (bleach output, allow-list above)
