"""GIFT, Moodle's text format for questions: read into records, and written from them.

Read as Moodle's own importer reads it (question/format/gift/format.php): questions are
blocks of lines between blank lines; `//` lines are comments (a `// [id:...] [tag:...]`
comment carries the idnumber and tags); `$CATEGORY:` switches category; `::name::`, a
`[html]`/`[moodle]`/`[plain]`/`[markdown]` format, and the answer block in braces decide the
type. Escapes `\\~ \\= \\# \\{ \\} \\: \\n \\\\` are honoured. Ordering questions use the ordering
plugin's form `{>3 ALL VERTICAL ... item / item}`.

`write` (from gift_writer) prints what `parse` reads back to equal records; GIFT cannot carry a default
mark, penalty, shuffling, case sensitivity, units, files, an essay's grader information or
template, nor carriage returns, so those are not written (Moodle's GIFT export drops them too).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from quizzes.interchange.gift_writer import write
from quizzes.interchange.moodle_text import (
    GIFT_ID,
    GIFT_TAG,
    PHP_WHITESPACE,
    TextFormat,
    checked_fraction,
    default_name,
    parse_number,
    percent_text,
    php_trim,
    split_category_path,
    to_html,
)
from quizzes.interchange.records import (
    Answer,
    CategoryRecord,
    ImportFile,
    InterchangeError,
    NumericValue,
    QuestionRecord,
    Skipped,
)

_ESCAPABLE = ":#={}~n"  # after a backslash; "\\\\" is a backslash
_ESCAPE = re.compile(r"\\([\\:#={}~n])")
_FORMATS: dict[str, TextFormat] = {
    "html": "html", "moodle": "moodle", "plain": "plain", "markdown": "markdown"
}  # fmt: skip
_WEIGHT = re.compile(r"%-*[0-9]{1,2}\.?[0-9]*%")
_ORDERING = re.compile(
    r">\s*(\d+)\s*(ALL|EXACT|RANDOM|REL|CONTIGUOUS|CONTIG)?\s*"
    r"(HORIZONTAL|HORI|H|1|VERTICAL|VERT|V|0)?\s*"
    r"(ALL_OR_NOTHING|ABSOLUTE_POSITION|ABSOLUTE|ABS|RELATIVE_NEXT_EXCLUDE_LAST|"
    r"RELATIVE_NEXT_INCLUDE_LAST|RELATIVE_ONE_PREVIOUS_AND_NEXT|RELATIVE_ALL_PREVIOUS_AND_NEXT|"
    r"RELATIVE_TO_CORRECT|RELATIVE|REL|LONGEST_ORDERED_SUBSET|LONGEST_CONTIGUOUS_SUBSET)?\s*"
    r"(SHOW|TRUE|YES|1|HIDE|FALSE|NO|0)?[ \t]*(.*)",
    re.S | re.ASCII,
)


class _Masked:
    """Escaped characters swapped for private-use characters the text does not hold, so the
    parser sees only control characters that are meant (Moodle does this with "&&058;"-style
    placeholders, which real text could contain)."""

    def __init__(self, text: str) -> None:
        free = (chr(c) for c in range(0xE000, 0x110000) if chr(c) not in text)
        self.to_mark = {ch: next(free) for ch in "\\" + _ESCAPABLE}
        self.to_char = {mark: "\n" if ch == "n" else ch for ch, mark in self.to_mark.items()}

    def mask(self, text: str) -> str:
        return _ESCAPE.sub(lambda found: self.to_mark[found.group(1)], text)

    def unmask(self, text: str) -> str:
        return "".join(self.to_char.get(ch, ch) for ch in text)


class _Block:
    """One question's lines as Moodle joins them, with a way back to file line numbers."""

    def __init__(self, numbered: list[tuple[int, str]]) -> None:
        self.first = numbered[0][0]
        comments = [line for _, line in numbered if line.startswith("//")]
        self.comments = "\n".join(comments)
        joined = "\n".join(" " if line.startswith("//") else line for _, line in numbered)
        lead = len(joined) - len(joined.lstrip(PHP_WHITESPACE))
        self.base = self.first + joined[:lead].count("\n")
        self.masked_by = _Masked(joined)
        self.text = self.masked_by.mask(php_trim(joined))

    def line_at(self, index: int) -> int:
        return self.base + self.text[:index].count("\n")


def _blocks(text: str) -> Iterator[_Block]:
    text = text.removeprefix("\ufeff")
    lines = text.split("\r") if "\n" not in text and "\r" in text else text.split("\n")
    current: list[tuple[int, str]] = []
    for number, raw in enumerate(lines, 1):
        line = php_trim(raw)
        if line:
            current.append((number, line))
        elif current:
            yield _Block(current)
            current = []
    if current:
        yield _Block(current)


def parse(text: str) -> ImportFile:
    """Read GIFT text into records; InterchangeError (with the line) if Moodle would refuse it."""
    result = ImportFile(format="gift")
    category: list[str] = []
    for block in _blocks(text):
        if not block.text:
            continue
        if block.text.startswith("$CATEGORY:"):
            category = split_category_path(block.masked_by.unmask(block.text[10:]))
            if category and all(known.path != category for known in result.categories):
                result.categories.append(CategoryRecord(path=category))
            continue
        item = _Reader(block).read()
        if isinstance(item, Skipped):
            result.skipped.append(item)
        else:
            item.category = list(category)
            result.questions.append(item)
    return result


class _Reader:
    """Moodle's readquestion() for one block."""

    def __init__(self, block: _Block) -> None:
        self.block = block
        self.unmask = block.masked_by.unmask
        self.line = block.line_at(0)
        self.name = ""

    def error(self, message: str, line: int | None = None) -> InterchangeError:
        return InterchangeError(message, question=self.name, line=line or self.line)

    def formatted(self, raw: str, default: TextFormat) -> tuple[TextFormat, str]:
        """parse_text_with_format(): a leading [format] and the unescaped, trimmed text."""
        fmt = default
        if raw.startswith("[") and (end := raw.find("]")) > 0 and raw[1:end] in _FORMATS:
            fmt, raw = _FORMATS[raw[1:end]], raw[end + 1 :]
        return fmt, php_trim(self.unmask(raw))

    def html(self, raw: str, default: TextFormat) -> str:
        fmt, text = self.formatted(php_trim(raw), default)
        return to_html(text, fmt)

    def weighted(self, answer: str, default: Decimal) -> tuple[Decimal, str]:
        """An answer's %weight% (as a fraction, checked against Moodle's grades) and the rest."""
        if not _WEIGHT.match(answer):
            return default, answer
        end = answer.index("%", 1)
        number = parse_number(answer[1:end])
        written = self.unmask(answer[1:end]) + "%"
        if number is None:
            raise self.error(f"credit {written} is not a number")
        return checked_fraction(number / 100, self.name, self.line, written=written), answer[
            end + 1 :
        ]

    def read(self) -> QuestionRecord | Skipped:
        text, offset = self.block.text, 0
        name: str | None = None
        if text.startswith("::"):
            text, offset = text[2:], 2
            if (end := text.find("::")) >= 0:
                name = php_trim(self.unmask(text[:end]))
                after = text[end + 2 :]
                offset += end + 2 + len(after) - len(after.lstrip(PHP_WHITESPACE))
                text = php_trim(after)
        self.name = name or ""
        start, finish = text.find("{"), text.find("}")
        if start < 0 and finish < 0:
            fmt, raw = self.formatted(text, "moodle")
            self.name = name or default_name(raw)
            return Skipped(self.name, "description", "a description holds no question", self.line)
        if start < 0 or finish < start:
            brace = start if start >= 0 else finish
            raise self.error(
                "a '{' without its closing '}' (or a '}' without its '{')",
                self.block.line_at(offset + brace),
            )
        answers = php_trim(text[start + 1 : finish])
        filler = "" if text.endswith("}") else "_____"
        question_text = text[:start] + filler + text[finish + 1 :]
        general = ""
        if (cut := answers.rfind("####")) >= 0:
            general, answers = answers[cut + 4 :], php_trim(answers[:cut])
        fmt, raw_text = self.formatted(php_trim(question_text), "moodle")
        self.name = name or default_name(raw_text)
        record = QuestionRecord(
            type="essay",
            name=self.name,
            text=to_html(raw_text, fmt),
            general_feedback=self.html(general, fmt),
            line=self.line,
        )
        self._comments(record)
        self._answers(record, answers, fmt)
        return record

    def _comments(self, record: QuestionRecord) -> None:
        if found := GIFT_ID.search(self.block.comments):
            record.idnumber = php_trim(found.group(1)).replace("\\]", "]")
        record.tags = [
            php_trim(tag).replace("\\]", "]") for tag in GIFT_TAG.findall(self.block.comments)
        ]

    def _answers(self, record: QuestionRecord, answers: str, fmt: TextFormat) -> None:
        ordering = _ORDERING.fullmatch(answers)
        if ordering is not None and php_trim(ordering.group(6)):
            self._ordering(record, ordering, fmt)
        elif answers == "":
            record.type = "essay"
        elif answers.startswith("#"):
            self._numeric(record, answers[1:], fmt)
        elif "~" in answers:
            self._choice(record, answers, fmt)
        elif "=" in answers and "->" in answers:
            self._matching(record, answers, fmt)
        else:
            check = answers
            if answers.find("#") > 0:
                check = php_trim(answers[: answers.find("#")])
            if check in ("T", "TRUE", "F", "FALSE"):
                self._true_false(record, answers, fmt)
            else:
                self._short_answer(record, answers, fmt)

    def _split(self, answers: str, separator: str, minimum: int) -> list[str]:
        parts = answers.split(separator)
        if php_trim(parts[0]) == "":
            parts = parts[1:]
        if len(parts) < minimum:
            raise self.error(f"this question needs at least {minimum} answers")
        return [php_trim(part) for part in parts]

    def _choice(self, record: QuestionRecord, answers: str, fmt: TextFormat) -> None:
        record.single = "=" in answers
        record.type = "single_choice" if record.single else "multiple_response"
        for part in self._split(answers.replace("=", "~="), "~", 2):
            if part.startswith("="):
                weight, part = Decimal(1), part[1:]
            else:
                weight, part = self.weighted(part, Decimal(0))
            text, _, feedback = part.partition("#")
            record.answers.append(Answer(self.html(text, fmt), weight, self.html(feedback, fmt)))

    def _matching(self, record: QuestionRecord, answers: str, fmt: TextFormat) -> None:
        record.type = "matching"
        for part in self._split(answers, "=", 2):
            if "->" not in part:
                raise self.error(f"a matching pair without '->': {self.unmask(part)!r}")
            prompt, _, match = part.partition("->")
            record.answers.append(
                Answer(self.html(prompt, fmt), Decimal(1), match=php_trim(self.unmask(match)))
            )

    def _true_false(self, record: QuestionRecord, answers: str, fmt: TextFormat) -> None:
        record.type = "true_false"
        bits = [*answers.split("#", 2), "", ""]
        is_true = self.formatted(php_trim(bits[0]), fmt)[1] in ("T", "TRUE")
        wrong, right = self.html(bits[1], fmt), self.html(bits[2], fmt)
        record.answers = [
            Answer("True", Decimal(int(is_true)), right if is_true else wrong),
            Answer("False", Decimal(int(not is_true)), wrong if is_true else right),
        ]

    def _short_answer(self, record: QuestionRecord, answers: str, fmt: TextFormat) -> None:
        record.type = "short_answer"
        for part in self._split(answers, "=", 1):
            weight, part = self.weighted(part, Decimal(1))
            text, _, feedback = part.partition("#")
            accepted = self.formatted(php_trim(text), fmt)[1]
            record.answers.append(Answer(accepted, weight, self.html(feedback, fmt)))

    def _numeric(self, record: QuestionRecord, answers: str, fmt: TextFormat) -> None:
        record.type = "numeric"
        answers, tilde, otherwise = answers.partition("~")
        parts = answers.split("=")
        parts = parts[1:] if php_trim(parts[0]) == "" else parts
        if not parts:
            raise self.error("a numerical question without a numerical answer")
        for part in (php_trim(part) for part in parts):
            weight, part = self.weighted(part, Decimal(1))
            value, _, feedback = part.partition("#")
            value = php_trim(value)
            feedback_html = self.html(feedback, fmt)
            if self.unmask(value) == "*":
                record.notes.append(
                    f"Any other number earns {percent_text(weight)}%: not imported"
                    + (f" (feedback: {feedback_html})" if feedback_html else "")
                )
                continue
            record.numeric.append(self._number(value, weight, feedback_html))
        if tilde and (wrong := self.html(otherwise.partition("#")[2], fmt)):
            record.notes.append(f"Feedback for any other number is not imported: {wrong}")

    def _number(self, value: str, weight: Decimal, feedback: str) -> NumericValue:
        low, dots, high = value.partition("..")
        answer, colon, margin = value.partition(":")
        if dots and low:
            low_n, high_n = parse_number(self.unmask(low)), parse_number(self.unmask(high))
            if low_n is None or high_n is None:
                raise self.error(f"{self.unmask(value)!r} is not a range of numbers")
            middle = (low_n + high_n) / 2
            return NumericValue(middle, high_n - middle, weight, feedback)
        number = parse_number(self.unmask(answer if colon and answer else value))
        tolerance = parse_number(self.unmask(margin)) if colon and answer else Decimal(0)
        if number is None or tolerance is None:
            raise self.error(f"{self.unmask(value)!r} is not a number (with its margin)")
        return NumericValue(number, tolerance, weight, feedback)

    def _ordering(self, record: QuestionRecord, found: re.Match[str], fmt: TextFormat) -> None:
        record.type = "ordering"
        items = [php_trim(line) for line in found.group(6).split("\n")]
        record.answers = [Answer(self.html(item, fmt), Decimal(1)) for item in items if item]
        count, select = int(found.group(1)), found.group(2) or "ALL"
        if select not in ("ALL", "EXACT") and 0 < count < len(record.answers):
            record.notes.append(
                f"Moodle showed {count} of the {len(record.answers)} items; all are imported"
            )


__all__ = ["parse", "write"]
