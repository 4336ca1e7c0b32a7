"""Reading and writing whole interchange files: the one entry the command and admin use.

The parsers and writers live in quizzes.interchange.detect, .gift and .moodle_xml; this module
adds the size limit, the formats offered, and their file names and content types.
"""

from __future__ import annotations

import importlib
from typing import Literal, cast

from quizzes.interchange.records import Format, ImportFile, InterchangeError

MAX_BYTES = 20 * 1024 * 1024  # an upload or a command's file
FORMATS: dict[str, str] = {"gift": "GIFT", "moodlexml": "Moodle XML"}
EXTENSIONS = {"gift": "gift.txt", "moodlexml": "xml"}
CONTENT_TYPES = {"gift": "text/plain; charset=utf-8", "moodlexml": "application/xml"}


def read(data: bytes, fmt: str | None = None) -> ImportFile:
    """Parse a file's bytes (format guessed when None); InterchangeError when it is unreadable."""
    if len(data) > MAX_BYTES:
        raise InterchangeError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    if fmt is not None and fmt not in FORMATS:
        raise InterchangeError(f"Unknown format {fmt!r}: use {' or '.join(FORMATS)}.")
    try:
        detect = importlib.import_module("quizzes.interchange.detect")
    except ImportError as exc:  # pragma: no cover - the parsers ship with this package
        raise InterchangeError("The interchange parsers are not installed.") from exc
    return cast(
        ImportFile,
        detect.parse_file(data, format=cast(Literal["gift", "moodlexml"] | None, fmt)),
    )


def write(parsed: ImportFile, fmt: Format) -> str:
    """The records of `parsed` as a GIFT or Moodle XML file."""
    if fmt not in FORMATS:
        raise InterchangeError(f"Unknown format {fmt!r}: use {' or '.join(FORMATS)}.")
    module = importlib.import_module(
        "quizzes.interchange.gift" if fmt == "gift" else "quizzes.interchange.moodle_xml"
    )
    return cast(str, module.write(parsed.questions))
