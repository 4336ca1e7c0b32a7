"""Records written as Moodle XML, shaped as Moodle's own export (question/format/xml).

`<quiz>`, a category pseudo-question before each run of questions in one category, texts in
CDATA with `format="html"`, credits as Moodle's percentages, `<idnumber>`, and every embedded
file base64 inside `<questiontext>` (texts refer to it as `@@PLUGINFILE@@/name`). What XML 1.0
cannot hold at all (most control characters) is left out; a carriage return is kept as `&#13;`.
"""

from __future__ import annotations

import base64
import html
import re
from decimal import Decimal

from quizzes.interchange.moodle_text import (
    category_text,
    check_record_fractions,
    decimal_text,
    percent_text,
)
from quizzes.interchange.records import Answer, CategoryRecord, QuestionRecord

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_MOODLE_TYPE = {
    "single_choice": "multichoice",
    "multiple_response": "multichoice",
    "true_false": "truefalse",
    "short_answer": "shortanswer",
    "numeric": "numerical",
    "matching": "matching",
    "essay": "essay",
    "ordering": "ordering",
}
_EMPTY_COMBINED = "".join(
    f'    <{field} format="html">\n      <text></text>\n    </{field}>\n'
    for field in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback")
)


def _xml(text: str) -> str:
    """Element content: as it is when it needs no escaping, else CDATA (as Moodle writes it),
    split around "]]>" and around carriage returns, which XML would otherwise turn into
    line feeds."""
    text = _NOT_XML.sub("", text)
    if not any(ch in text for ch in "&<>\"'\r"):
        return text
    text = text.replace("]]>", "]]]]><![CDATA[>").replace("\r", "]]>&#13;<![CDATA[")
    return f"<![CDATA[{text}]]>"


def _attr(text: str) -> str:
    return html.escape(_NOT_XML.sub("", text), quote=True)


def _text(text: str, indent: int) -> str:
    return f"{'  ' * indent}<text>{_xml(text)}</text>\n"


def _rich(tag: str, text: str, indent: int = 2, extra: str = "") -> str:
    pad = "  " * indent
    return f'{pad}<{tag} format="html">\n{_text(text, indent + 1)}{extra}{pad}</{tag}>\n'


def _bool(value: bool) -> str:
    return "true" if value else "false"


def write(questions: list[QuestionRecord], categories: list[CategoryRecord] | None = None) -> str:
    """A Moodle XML file of `questions`; `categories` give descriptions and idnumbers to the
    categories written, and any category with no questions is written at the end."""
    described = {tuple(category.path): category for category in categories or []}
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n']
    current: list[str] = []
    written: set[tuple[str, ...]] = set()
    for number, record in enumerate(questions, 1):
        if record.category != current:
            out.append(_category(record.category, described, written))
            current = list(record.category)
        out.append(_question(number, record))
    for category in categories or []:
        if category.path and tuple(category.path) not in written:
            out.append(_category(category.path, described, written))
    out.append("</quiz>\n")
    return "".join(out)


def _category(
    path: list[str],
    described: dict[tuple[str, ...], CategoryRecord],
    written: set[tuple[str, ...]],
) -> str:
    key = tuple(path)
    known = described.get(key) if key not in written else None
    written.add(key)
    description, idnumber = (known.description, known.idnumber) if known else ("", "")
    return (
        "<!-- question: 0  -->\n"
        '  <question type="category">\n'
        f"    <category>\n{_text(category_text(path), 3)}    </category>\n"
        f"{_rich('info', description)}"
        f"    <idnumber>{_xml(idnumber)}</idnumber>\n"
        "  </question>\n"
    )


def _question(number: int, record: QuestionRecord) -> str:
    check_record_fractions(record)
    files = "".join(
        f'<file name="{_attr(file.name)}" path="{_attr(file.path)}" encoding="base64">'
        f"{base64.b64encode(file.content).decode('ascii')}</file>\n"
        for file in record.files
    )
    out = [
        f"<!-- question: {number}  -->\n",
        f'  <question type="{_MOODLE_TYPE[record.type]}">\n',
        f"    <name>\n{_text(record.name, 3)}    </name>\n",
        _rich("questiontext", record.text, extra=files),
        _rich("generalfeedback", record.general_feedback),
        f"    <defaultgrade>{decimal_text(record.default_mark)}</defaultgrade>\n",
    ]
    if record.penalty is not None:
        out.append(f"    <penalty>{decimal_text(record.penalty)}</penalty>\n")
    out.append(f"    <hidden>0</hidden>\n    <idnumber>{_xml(record.idnumber)}</idnumber>\n")
    out.append(_BODIES[record.type](record))
    if record.tags:
        tags = "".join(f"      <tag>{_text(tag, 0).strip()}</tag>\n" for tag in record.tags)
        out.append(f"    <tags>\n{tags}    </tags>\n")
    out.append("  </question>\n")
    return "".join(out)


def _answer(answer: Answer, fraction: Decimal, extra: str = "", plain: bool = False) -> str:
    text_format = "moodle_auto_format" if plain else "html"
    return (
        f'    <answer fraction="{percent_text(fraction)}" format="{text_format}">\n'
        f"{_text(answer.text, 3)}{_rich('feedback', answer.feedback, 3)}{extra}    </answer>\n"
    )


def _choice(record: QuestionRecord) -> str:
    head = (
        f"    <single>{_bool(record.type == 'single_choice')}</single>\n"
        f"    <shuffleanswers>{_bool(record.shuffle)}</shuffleanswers>\n"
        "    <answernumbering>abc</answernumbering>\n"
        "    <showstandardinstruction>0</showstandardinstruction>\n"
    )
    return head + _EMPTY_COMBINED + "".join(_answer(a, a.fraction) for a in record.answers)


def _true_false(record: QuestionRecord) -> str:
    by_text = {answer.text.lower(): answer for answer in record.answers}
    true, false = by_text.get("true", Answer()), by_text.get("false", Answer())
    is_true = true.fraction == 1 or (not true.text and false.fraction != 1)
    return _answer(Answer("true", feedback=true.feedback), Decimal(int(is_true)), plain=True) + (
        _answer(Answer("false", feedback=false.feedback), Decimal(int(not is_true)), plain=True)
    )


def _short_answer(record: QuestionRecord) -> str:
    answers = "".join(_answer(a, a.fraction, plain=True) for a in record.answers)
    return f"    <usecase>{int(record.case_sensitive)}</usecase>\n{answers}"


def _numeric(record: QuestionRecord) -> str:
    out = [
        _answer(
            Answer(decimal_text(value.value), feedback=value.feedback),
            value.fraction,
            f"      <tolerance>{decimal_text(value.tolerance)}</tolerance>\n",
            plain=True,
        )
        for value in record.numeric
    ]
    if record.unit:
        out.append(
            "    <units>\n      <unit>\n        <multiplier>1</multiplier>\n"
            f"        <unit_name>{_xml(record.unit)}</unit_name>\n      </unit>\n    </units>\n"
        )
    out.append("    <unitgradingtype>0</unitgradingtype>\n    <unitpenalty>0.1</unitpenalty>\n")
    out.append(
        f"    <showunits>{0 if record.unit else 3}</showunits>\n    <unitsleft>0</unitsleft>\n"
    )
    return "".join(out)


def _matching(record: QuestionRecord) -> str:
    pairs = "".join(
        '    <subquestion format="html">\n'
        f"{_text(answer.text, 3)}      <answer>\n{_text(answer.match, 4)}      </answer>\n"
        "    </subquestion>\n"
        for answer in record.answers
    )
    return f"    <shuffleanswers>{_bool(record.shuffle)}</shuffleanswers>\n{_EMPTY_COMBINED}{pairs}"


def _essay(record: QuestionRecord) -> str:
    return (
        "    <responseformat>editor</responseformat>\n"
        "    <responserequired>1</responserequired>\n"
        "    <responsefieldlines>15</responsefieldlines>\n"
        "    <attachments>0</attachments>\n"
        "    <attachmentsrequired>0</attachmentsrequired>\n"
        f"{_rich('graderinfo', record.grader_info)}{_rich('responsetemplate', record.model_answer)}"
    )


def _ordering(record: QuestionRecord) -> str:
    head = (
        "    <layouttype>VERTICAL</layouttype>\n"
        "    <selecttype>ALL</selecttype>\n"
        f"    <selectcount>{len(record.answers)}</selectcount>\n"
        "    <gradingtype>ABSOLUTE_POSITION</gradingtype>\n"
        "    <showgrading>SHOW</showgrading>\n"
    )
    items = "".join(
        _answer(answer, Decimal(position) / 100)
        for position, answer in enumerate(record.answers, 1)
    )
    return head + _EMPTY_COMBINED + items


_BODIES = {
    "single_choice": _choice,
    "multiple_response": _choice,
    "true_false": _true_false,
    "short_answer": _short_answer,
    "numeric": _numeric,
    "matching": _matching,
    "essay": _essay,
    "ordering": _ordering,
}
