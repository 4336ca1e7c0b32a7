"""Records written as GIFT, shaped as Moodle's GIFT export, for `gift.parse` to read back.

Every question text carries `[html]` (so its answers and feedback are HTML too); reserved
characters are escaped; the idnumber and tags go in a `// [id:...] [tag:...]` comment line.
What GIFT cannot say is refused with InterchangeError naming the question (a credit outside
Moodle's grades, an accepted short answer containing "->", an unwritable idnumber or tag), and
carriage returns and NUL characters, which GIFT cannot hold, are left out.
"""

from __future__ import annotations

import re

from quizzes.interchange.moodle_text import (
    GIFT_ID,
    GIFT_TAG,
    category_text,
    check_record_fractions,
    decimal_text,
    percent_text,
    php_trim,
)
from quizzes.interchange.records import Answer, CategoryRecord, InterchangeError, QuestionRecord

_GIFT_ESCAPES = str.maketrans({ch: "\\" + ch for ch in "\\#=~{}:"} | {"\n": "\\n"})
_UNWRITABLE = re.compile("[\r\0\ud800-\udfff]")  # GIFT has no escape for these


def _clean(text: str) -> str:
    return _UNWRITABLE.sub("", text)


def _escaped(text: str) -> str:
    return _clean(text).translate(_GIFT_ESCAPES)


def _field(html: str, *, always: bool = False) -> str:
    """An HTML text as GIFT writes it; `[html]` in front where a reader could otherwise take
    the text's own start for a format, a weight or a comment."""
    html = _clean(html)
    marked = always or php_trim(html).startswith(("[", "%", "//"))
    return ("[html]" if marked else "") + _escaped(html)


def _comment_token(kind: str, value: str, record: QuestionRecord) -> str:
    pattern = GIFT_ID if kind == "id" else GIFT_TAG
    token = f"[{kind}:{value.replace(']', chr(92) + ']')}]"
    if value != php_trim(value) or value.endswith("\\") or not pattern.fullmatch(token):
        raise InterchangeError(
            f"its {kind} {value!r} cannot be written in GIFT", question=record.name
        )
    return token


def write(questions: list[QuestionRecord], categories: list[CategoryRecord] | None = None) -> str:
    """GIFT text for `questions` (and any extra, empty `categories`), as Moodle exports it."""
    out: list[str] = []
    current: list[str] = []
    written: list[list[str]] = []
    for number, record in enumerate(questions, 1):
        if record.category != current:
            out.append(f"$CATEGORY: {_escaped(category_text(record.category))}\n\n")
            current = list(record.category)
            written.append(current)
        out.append(_question(number, record))
    for category in categories or []:
        if category.path and category.path not in written:
            out.append(f"$CATEGORY: {_escaped(category_text(category.path))}\n\n")
    return "".join(out)


def _question(number: int, record: QuestionRecord) -> str:
    check_record_fractions(record)
    lines = [f"// question: {number}\n"]
    tokens = [_comment_token("id", record.idnumber, record)] if record.idnumber else []
    tokens += [_comment_token("tag", tag, record) for tag in record.tags]
    if tokens:
        lines.append(f"// {' '.join(tokens)}\n")
    head = f"::{_escaped(record.name)}::{_field(record.text, always=True)}"
    general = f"####{_field(record.general_feedback)}" if record.general_feedback else ""
    if record.type == "essay":
        return "".join(lines) + f"{head}{{{general}}}\n\n"
    if record.type == "true_false":
        return "".join(lines) + f"{head}{{{_true_false(record)}{general}}}\n\n"
    body = [f"{head}{{{'#' if record.type == 'numeric' else ''}"]
    if record.type == "ordering":
        items = [answer.text for answer in record.answers if answer.text]
        body[0] += f">{len(items)} ALL VERTICAL ABSOLUTE_POSITION SHOW"
        body += [f"\t{_field(item)}" for item in items]
    listed = record.type in ("single_choice", "multiple_response", "short_answer", "matching")
    for answer in record.answers if listed else []:
        body.append("\t" + _answer(record, answer))
    for value in record.numeric:
        body.append(
            f"\t=%{percent_text(value.fraction)}%{decimal_text(value.value)}:"
            f"{decimal_text(value.tolerance)}#{_field(value.feedback)}"
        )
    if general:
        body.append(f"\t{general}")
    return "".join(lines) + "\n".join(body) + "\n}\n\n"


def _answer(record: QuestionRecord, answer: Answer) -> str:
    feedback = f"#{_field(answer.feedback)}" if answer.feedback else ""
    if record.type == "matching":
        prompt = _field(_clean(answer.text).replace("->", "-&gt;"))
        return f"={prompt} -> {_escaped(answer.match)}"
    if record.type == "short_answer":
        if "->" in _clean(answer.text):
            raise InterchangeError(
                f"the accepted answer {answer.text!r} cannot be written in GIFT: with '->' in "
                "it Moodle reads the question as matching",
                question=record.name,
            )
        feedback = f"#{_field(_clean(answer.feedback).replace('->', '-&gt;'))}"
        return f"=%{percent_text(answer.fraction)}%{_field(answer.text)}{feedback}"
    if record.type == "single_choice" and answer.fraction == 1:
        return f"={_field(answer.text)}{feedback}"
    weight = f"%{percent_text(answer.fraction)}%" if answer.fraction else ""
    return f"~{weight}{_field(answer.text)}{feedback}"


def _true_false(record: QuestionRecord) -> str:
    by_text = {answer.text.lower(): answer for answer in record.answers}
    true, false = by_text.get("true", Answer()), by_text.get("false", Answer())
    is_true = true.fraction == 1 or (not true.text and false.fraction != 1)
    right, wrong = (true, false) if is_true else (false, true)
    out = "TRUE" if is_true else "FALSE"
    if wrong.feedback or right.feedback:
        out += f"#{_field(wrong.feedback)}"
    if right.feedback:
        out += f"#{_field(right.feedback)}"
    return out
