"""The one entry point for reading an uploaded question file: size, encoding and format.

`parse_file(data)` refuses a file over `settings.QUESTION_IMPORT_MAX_BYTES` (20 MB unless set),
tells GIFT from Moodle XML when not told, decodes GIFT text (UTF-8 with or without a byte
order mark, UTF-16 with one, else Windows-1252, the encoding Moodle users on Windows save
in) and hands it to the right parser. Moodle XML is given to the XML parser as bytes: its
own declaration says its encoding.
"""

from __future__ import annotations

import codecs

from django.conf import settings

from quizzes.interchange import gift, moodle_xml
from quizzes.interchange.records import Format, ImportFile, InterchangeError

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_NOT_TEXT = "not UTF-8 or Windows-1252 text"


def decode(data: bytes) -> str:
    """The text of a GIFT file: by its byte order mark, else UTF-8, else Windows-1252."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise InterchangeError(f"the file is {_NOT_TEXT}") from exc
            break
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError as exc:
                raise InterchangeError(f"the file is {_NOT_TEXT}") from exc
    if "\0" in text:  # a binary file that happened to decode
        raise InterchangeError(f"the file is {_NOT_TEXT}")
    return text


def guess_format(data: bytes) -> Format:
    """Moodle XML when the file starts as XML (a declaration, <quiz> or a comment before it),
    else GIFT."""
    try:
        start = decode(data[:4096] if len(data) > 4096 else data)
    except InterchangeError:
        start = data[:4096].decode("latin-1")
    start = start.lstrip("\ufeff \t\r\n")
    if start.startswith(("<?xml", "<quiz")) or (start.startswith("<!--") and "<quiz" in start):
        return "moodlexml"
    return "gift"


def max_bytes() -> int:
    """The largest file an import reads."""
    return int(getattr(settings, "QUESTION_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def parse_file(data: bytes, format: Format | None = None) -> ImportFile:
    """Read an uploaded question file (GIFT or Moodle XML) into records.

    Raises InterchangeError, with nothing read, for a file too large, undecodable, of an
    unknown format or that its parser refuses.
    """
    limit = max_bytes()
    if len(data) > limit:
        raise InterchangeError(
            f"the file is {len(data) / 1048576:.1f} MB; files up to {limit / 1048576:.1f} MB "
            "can be imported"
        )
    chosen = format or guess_format(data)
    if chosen == "gift":
        return gift.parse(decode(data))
    if chosen == "moodlexml":
        return moodle_xml.parse(data)
    raise InterchangeError(f"unknown question file format {chosen!r} (gift or moodlexml)")
