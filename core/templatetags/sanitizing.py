"""Rendering stored rich text through the one sanitizer (core/sanitize.py)."""

import html
import re
import secrets

from django import template
from django.utils.safestring import SafeString, mark_safe
from wagtail.images.formats import get_image_formats
from wagtail.images.rich_text import ImageEmbedHandler
from wagtail.rich_text import expand_db_html

from core.sanitize import clean_richtext as clean

register = template.Library()

_EMBED = re.compile(r"<embed\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


@register.filter
def clean_richtext(value: str | None) -> SafeString:
    """Stored rich text rendered as Wagtail's |richtext does (links expanded), then cleaned.

    The admin editor only stores its own elements, but imports, attempt snapshots taken from
    them and anything written outside the editor are not restricted that way, so quiz and
    case pages never render stored rich text unchecked.
    """
    return clean(expand_db_html(value or ""))


def _image_attributes(tag: str) -> dict[str, str] | None:
    """The id, alt text and format of a rich-text image embed ({} when it names no image), or
    None for any other tag."""
    attributes = {
        name.lower(): html.unescape(double or single)
        for name, double, single in _ATTRIBUTE.findall(tag)
    }
    image_id = attributes.get("id", "")
    if attributes.get("embedtype") != "image":
        return None
    if not image_id.isascii() or not image_id.isdigit():
        return {}  # an image embed naming no image: dropped
    names = {f.name for f in get_image_formats()}
    chosen = attributes.get("format", "")
    fallback = "fullwidth" if "fullwidth" in names else next(iter(sorted(names)), "")
    return {
        "id": image_id,
        "alt": " ".join(attributes.get("alt", "").split())[:255],
        "format": chosen if chosen in names else fallback,
    }


@register.filter
def clean_richtext_images(value: str | None) -> SafeString:
    """`clean_richtext` that keeps the image embeds of the image library (question stems: the
    editor's image feature, images imported with a Moodle question).

    Each embed is taken out before cleaning and put back after it as the <img> Wagtail renders
    from the library's image itself (its rendition's address, the alt text escaped), so no
    address or attribute of the stored HTML reaches the page; everything else is cleaned as by
    `clean_richtext`. An image whose file is missing renders as nothing.
    """
    nonce = secrets.token_hex(6)
    found: list[dict[str, str]] = []

    def take_out(match: re.Match[str]) -> str:
        attributes = _image_attributes(match.group(0))
        if attributes is None:
            return match.group(0)  # expanded or removed as any other embed
        if not attributes:
            return ""
        found.append(attributes)
        return f" RICHTEXTIMAGE{nonce}X{len(found)} "

    cleaned = str(clean_richtext(_EMBED.sub(take_out, value or "")))
    if not found:
        return mark_safe(cleaned)  # noqa: S308 (cleaned above)
    try:
        tags = ImageEmbedHandler.expand_db_attributes_many(found)
    except OSError:  # the image's file is missing (Wagtail's SourceImageIOError)
        tags = [""] * len(found)
    for number, tag in enumerate(tags, 1):
        cleaned = cleaned.replace(f"RICHTEXTIMAGE{nonce}X{number}", tag)
    return mark_safe(cleaned)  # noqa: S308 (cleaned, and Wagtail's own <img> tags)
