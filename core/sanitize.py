"""The one place HTML from outside is cleaned (bleach, explicit allow-lists).

`clean_html` is for HTML that comes from outside the editorial workflow: imported question
banks and learner or assessor rich text, stored as typed and cleaned when rendered.
`clean_richtext` is for Wagtail rich text: Markdown from curriculum and case files is
converted to it and cleaned before it is stored (what is stored is our HTML, which the admin
editor must be able to open), and stored rich text is cleaned again when quiz and case pages
render it, whatever path wrote it. Everything else relies on Django's autoescaping. bleach is
no longer developed, so it is called here and nowhere else: replacing it means changing this
file only.
"""

from functools import partial

import bleach
from bleach.html5lib_shim import Filter
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


# Wagtail's stored rich-text format for the editor features in core.blocks (headings, bold,
# italic, lists, links, rules, super- and subscript); <strong>/<em> are read as bold/italic.
RICHTEXT_TAGS = frozenset(
    {
        "p", "br", "hr", "b", "strong", "i", "em", "h2", "h3", "h4",
        "ol", "ul", "li", "a", "sup", "sub",
    }
)  # fmt: skip
RICHTEXT_ATTRIBUTES = {"a": ["href"]}


_INLINE = frozenset({"a", "b", "strong", "i", "em", "sup", "sub"})
_BLOCKS = frozenset({"p", "h2", "h3", "h4", "ul", "ol", "li", "hr"})


class _EditorReadable(Filter):
    """Shapes allowed elements the way the admin rich-text editor can read them (it fails
    otherwise): inline formatting is closed before a block starts or ends, and list items
    outside a list lose their tags. Text is kept either way."""

    def __iter__(self):
        inline: list[list] = []  # [start token, still open] for each inline element entered
        lists = 0
        for token in super().__iter__():
            name, kind = token.get("name"), token["type"]
            if name in _BLOCKS and kind in ("StartTag", "EndTag", "EmptyTag"):
                for entry in reversed(inline):
                    if entry[1]:
                        yield {
                            "type": "EndTag",
                            "name": entry[0]["name"],
                            "namespace": entry[0]["namespace"],
                        }
                        entry[1] = False
                if name in ("ul", "ol"):
                    lists += 1 if kind == "StartTag" else -1
                elif name == "li" and not lists:
                    continue
            elif name in _INLINE and kind == "StartTag":
                inline.append([token, True])
            elif name in _INLINE and kind == "EndTag" and not inline.pop()[1]:
                continue
            yield token


_richtext_cleaner = bleach.Cleaner(
    tags=RICHTEXT_TAGS,
    attributes=RICHTEXT_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[_EditorReadable],
)
# Wagtail's editor reads stored rich text with a parser that expects every element closed:
# a bare <br> or <hr> makes it fail, so void elements are written <br />.
_richtext_cleaner.serializer.use_trailing_solidus = True


def clean_html(value: str | None) -> SafeString:
    """Return `value` with every tag, attribute and URL scheme outside the allow-list removed.

    Disallowed tags are stripped and their text kept, escaped; the result is safe to render.
    """
    if not value:
        return mark_safe("")
    return mark_safe(_cleaner.clean(str(value)))  # noqa: S308  (bleach output, allow-list above)


def clean_richtext(value: str | None) -> SafeString:
    """Return `value` reduced to the rich-text allow-list, well formed, safe to store and render.

    Disallowed tags are stripped and their text kept, escaped; links keep http(s) and mailto
    URLs only. The result is what the admin rich-text editor can open.
    """
    if not value:
        return mark_safe("")
    return mark_safe(_richtext_cleaner.clean(str(value)))  # noqa: S308  (bleach output, allow-list above)
