"""Images embedded in an imported question (`@@PLUGINFILE@@` files) as Wagtail images.

`<img src="@@PLUGINFILE@@/name.png">` refers to a base64 `<file name="name.png">` of the same
question. Before the HTML is sanitized each such tag is replaced by a placeholder word (with a
per-import random part, so text in the file cannot forge one); after it, each placeholder
becomes a rich-text image embed. An image whose content is already in the library (same hash)
is reused, so importing a file again adds no copies. A dry run creates none. If the import fails
after images were stored, `discard()` removes their files (the rows go with the transaction).
"""

from __future__ import annotations

import hashlib
import io
import re
import secrets
from dataclasses import dataclass, field
from html import unescape as html_unescape
from urllib.parse import unquote

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.html import escape
from PIL import Image as PILImage
from PIL import UnidentifiedImageError
from wagtail.images import get_image_model

from quizzes.interchange.records import EmbeddedFile

PLUGINFILE = "@@PLUGINFILE@@"
_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_SRC = re.compile(r"""\bsrc\s*=\s*(["'])\s*@@PLUGINFILE@@/?(.*?)\1""", re.IGNORECASE | re.DOTALL)
_ALT = re.compile(r"""\balt\s*=\s*(["'])(.*?)\1""", re.IGNORECASE | re.DOTALL)
_FORMATS = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "WEBP": "webp"}


@dataclass
class Placed:
    """One image reference replaced by a placeholder."""

    token: str
    name: str
    alt: str


@dataclass
class ImageStore:
    """The images of one import: made once per content, remembered for rollback."""

    dry_run: bool
    nonce: str = field(default_factory=lambda: secrets.token_hex(6))
    created: int = 0
    reused: int = 0
    _by_hash: dict[str, int | None] = field(default_factory=dict)
    _stored: list[str] = field(default_factory=list)
    _count: int = 0

    def take_out(self, html: str) -> tuple[str, list[Placed]]:
        """`html` with each `@@PLUGINFILE@@` image replaced by a placeholder word."""
        placed: list[Placed] = []

        def swap(match: re.Match[str]) -> str:
            tag = match.group(0)
            src = _SRC.search(tag)
            if src is None:
                return tag  # an outside image: the sanitizer removes it
            alt = _ALT.search(tag)
            self._count += 1
            token = f"IMPORTEDIMAGE{self.nonce}X{self._count}"
            placed.append(
                Placed(
                    token,
                    unquote(src.group(2).strip()),
                    html_unescape(alt.group(2).strip()) if alt else "",
                )
            )
            return f" {token} "

        return _IMG.sub(swap, html), placed

    def put_back(
        self, html: str, placed: list[Placed], files: list[EmbeddedFile], notes: list[str]
    ) -> str:
        """Sanitized `html` with each placeholder turned into an image embed (or removed, with
        a note saying why)."""
        by_name = {f.name: f for f in files}
        for item in placed:
            embedded = by_name.get(item.name) or by_name.get(item.name.rsplit("/", 1)[-1])
            embed = ""
            if embedded is None:
                notes.append(f"image {item.name!r} is not in the file: left out")
            else:
                image_id = self.image_id(embedded, notes)
                if image_id:
                    embed = (
                        f'<embed alt="{escape(item.alt or embedded.name)}" embedtype="image" '
                        f'format="fullwidth" id="{image_id}"/>'
                    )
            html = html.replace(item.token, embed)
        return html

    def image_id(self, embedded: EmbeddedFile, notes: list[str]) -> int | None:
        """The Wagtail image holding `embedded` (made now, or found by its hash); None when it
        is not an image we accept or this is a dry run (0 stands in)."""
        digest = hashlib.sha1(embedded.content).hexdigest()  # noqa: S324 (Wagtail's file_hash)
        if digest in self._by_hash:
            return self._by_hash[digest]
        extension = self._checked_extension(embedded, notes)
        image_id: int | None = None
        if extension is not None:
            model = get_image_model()
            existing = model.objects.filter(file_hash=digest).values_list("pk", flat=True).first()
            if existing:
                image_id = existing
                self.reused += 1
            elif self.dry_run:
                image_id = 0
                self.created += 1
            else:
                image_id = self._store(embedded, extension)
        self._by_hash[digest] = image_id
        return image_id

    def _checked_extension(self, embedded: EmbeddedFile, notes: list[str]) -> str | None:
        limit = getattr(settings, "WAGTAILIMAGES_MAX_UPLOAD_SIZE", 10 * 1024 * 1024)
        if len(embedded.content) > limit:
            notes.append(f"image {embedded.name!r} is larger than {limit} bytes: left out")
            return None
        try:
            with PILImage.open(io.BytesIO(embedded.content)) as img:
                kind = img.format or ""
                img.verify()
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            notes.append(f"file {embedded.name!r} is not an image we can read: left out")
            return None
        allowed = getattr(settings, "WAGTAILIMAGES_EXTENSIONS", list(_FORMATS.values()))
        extension = _FORMATS.get(kind)
        if extension is None or extension not in allowed:
            notes.append(f"image {embedded.name!r} is {kind or 'of an unknown format'}: left out")
            return None
        return extension

    def _store(self, embedded: EmbeddedFile, extension: str) -> int:
        model = get_image_model()
        stem = embedded.name.rsplit(".", 1)[0] or "image"
        image = model(title=embedded.name[:255] or "Imported image")
        image.file = ContentFile(embedded.content, name=f"{stem[:60]}.{extension}")
        image._set_image_file_metadata()
        image.save()
        self._stored.append(image.file.name)
        self.created += 1
        return image.pk

    def discard(self) -> None:
        """Remove the files of images stored by this import (its transaction rolled back)."""
        model = get_image_model()
        storage = model._meta.get_field("file").storage
        for name in self._stored:
            storage.delete(name)
        self._stored.clear()
