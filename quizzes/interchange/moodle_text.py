"""What GIFT and Moodle XML share: Moodle's text formats, grades, numbers and category paths.

Both formats are read the way Moodle reads them (question/format.php and its GIFT and XML
subclasses), so these helpers follow Moodle's rules: text is trimmed with PHP's `trim` (not
Python's wider idea of whitespace), a text in one of Moodle's formats becomes HTML, and an
answer's credit must be one of Moodle's fixed grades (`question_bank::fraction_options_full`)
or the whole file is refused, as Moodle refuses it.
"""

from __future__ import annotations

import html
import re
from decimal import Decimal, InvalidOperation
from typing import Literal

import markdown as markdown_lib

from quizzes.interchange.records import InterchangeError, QuestionRecord

# PHP's trim() strips exactly these; Python's str.strip() would also eat e.g. a no-break space.
PHP_WHITESPACE = " \t\n\r\0\x0b"

TextFormat = Literal["html", "moodle", "plain", "markdown"]

# question_bank::fraction_options(): the grades Moodle offers; their negatives are allowed too.
_GRADES = (
    "1.0", "0.9", "0.8333333", "0.8", "0.75", "0.7", "0.6666667", "0.6", "0.5", "0.4",
    "0.3333333", "0.3", "0.25", "0.2", "0.1666667", "0.1428571", "0.125", "0.1111111",
    "0.1", "0.05", "0.0",
)  # fmt: skip
FRACTIONS: tuple[Decimal, ...] = tuple(
    sorted({sign * Decimal(grade) for grade in _GRADES for sign in (1, -1)}, reverse=True)
)
# match_grade_options() in "error" mode: a grade within this of an allowed one is that one.
_GRADE_SLACK = Decimal("0.00001")

# PHP's is_numeric() for the decimal forms a question file uses (no hex, no underscores).
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_CONTEXT_MARKER = re.compile(r"\$[a-z0-9_]+\$")
_TAG = re.compile(r"<[^>]*>")
# GIFT's "// [id:...] [tag:...]" comment tokens (no control characters; "]" escaped as "\]").
GIFT_ID = re.compile(r"\[id:((?:\\\]|[^\]\x00-\x1f\x7f])+)\]")
GIFT_TAG = re.compile(r"\[tag:((?:\\\]|[^\]<>`\x00-\x1f\x7f])+)\]")


def php_trim(text: str) -> str:
    """`text` without the whitespace PHP's trim() removes at both ends."""
    return text.strip(PHP_WHITESPACE)


def to_html(text: str, text_format: TextFormat) -> str:
    """A text in one of Moodle's formats as HTML.

    html is kept as it is; Moodle's auto-format keeps its HTML and turns line breaks into
    `<br />`; plain text is escaped (line breaks kept as `<br />`); Markdown is converted.
    """
    if text_format == "html" or not text:
        return text
    if text_format == "markdown":
        return markdown_lib.markdown(text)
    if text_format == "plain":
        text = html.escape(text, quote=False)
    return text.replace("\r\n", "\n").replace("\n", "<br />\n")


def clean_decimal(value: Decimal) -> Decimal:
    """`value` without trailing zeros and never in exponent form (Decimal("1.0000000") -> 1)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def decimal_text(value: Decimal) -> str:
    """How a number is written into a file: plain digits, no exponent, no trailing zeros."""
    return format(clean_decimal(value), "f")


def parse_number(text: str) -> Decimal | None:
    """The number `text` spells (as PHP's is_numeric reads it), or None."""
    text = php_trim(text)
    if not _NUMBER.fullmatch(text):
        return None
    try:
        return clean_decimal(Decimal(text))
    except InvalidOperation:  # pragma: no cover - the pattern admits only finite numbers
        return None


def moodle_fraction(value: Decimal) -> Decimal | None:
    """The Moodle grade `value` (a fraction, -1..1) stands for, or None when Moodle refuses it."""
    for grade in FRACTIONS:
        if abs(value - grade) < _GRADE_SLACK:
            return clean_decimal(grade)
    return None


def percent_text(fraction: Decimal) -> str:
    """A fraction as the percentage Moodle writes (0.3333333 -> "33.33333", 1 -> "100")."""
    return decimal_text(fraction * 100)


def checked_fraction(
    fraction: Decimal, question: str, line: int | None = None, *, written: str = ""
) -> Decimal:
    """`fraction` as the Moodle grade it stands for; InterchangeError naming the question when
    Moodle would refuse it (`written`: the credit as the file spells it, for the message)."""
    grade = moodle_fraction(fraction)
    if grade is None:
        shown = written or f"{percent_text(fraction)}%"
        raise InterchangeError(
            f"credit {shown} is not one of the grades Moodle accepts (100%, 90%, 83.33333%, "
            "80%, 75%, 70%, 66.66667%, 60%, 50%, 40%, 33.33333%, 30%, 25%, 20%, 16.66667%, "
            "14.28571%, 12.5%, 11.11111%, 10%, 5%, 0% or one of their negatives)",
            question=question,
            line=line,
        )
    return grade


def check_record_fractions(record: QuestionRecord) -> None:
    """Refuse to write a question whose credits Moodle (and so our own parsers) would refuse."""
    if record.type in ("single_choice", "multiple_response", "short_answer"):
        for answer in record.answers:
            checked_fraction(answer.fraction, record.name)
    if record.type == "numeric":
        if not record.numeric:
            raise InterchangeError("a numeric question needs an answer", question=record.name)
        for value in record.numeric:
            checked_fraction(value.fraction, record.name)


def split_category_path(text: str) -> list[str]:
    """A Moodle category path ("$course$/top/A/B//C") as our path (["A", "B/C"]).

    The context marker ($course$, $module$, $system$, $cat1$, ...) and the "top" category
    right after it are dropped; a doubled slash is a slash inside a name.
    """
    text = php_trim(text).replace("//", "\0")
    parts = [php_trim(part.replace("\0", "/")) for part in text.split("/")]
    if parts and _CONTEXT_MARKER.fullmatch(parts[0]):
        parts = parts[1:]
        if parts and parts[0] == "top":
            parts = parts[1:]
    return [part for part in parts if part]


def category_text(path: list[str]) -> str:
    """Our category path as Moodle writes it (course context, under its "top" category); a
    path that already starts with a context marker or "top" does not get them twice."""
    parts = list(path)
    if parts and _CONTEXT_MARKER.fullmatch(parts[0]):
        parts = parts[1:]
    if parts and parts[0] == "top":
        parts = parts[1:]
    return "/".join(["$course$", "top", *(part.replace("/", "//") for part in parts)])


def default_name(question_html: str, fallback: str = "Question") -> str:
    """A name for a question that has none, from its text (as Moodle makes one)."""
    text = " ".join(html.unescape(_TAG.sub(" ", question_html)).split())
    if len(text) > 80:
        cut = text[:80]
        text = (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "..."
    return text or fallback
