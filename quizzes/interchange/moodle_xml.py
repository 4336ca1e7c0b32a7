"""Moodle XML: read into records, and written from them.

Read as Moodle's importer reads it (question/format/xml/format.php), through defusedxml with
DTDs refused, so an entity bomb or an external entity is an error, not a hang or a leak.
`<question type="category">` pseudo-questions set the category of the questions after them;
base64 `<file>`s become `EmbeddedFile`s (texts keep their `@@PLUGINFILE@@/name` references,
and Moodle 1.9's `<image>`/`<image_base64>` is turned into one, as Moodle does); types we do
not have (cloze, calculated, drag-and-drop, random, description, ...) are listed as skipped.
An answer credit outside Moodle's fixed grades refuses the whole file, naming the question,
as Moodle's import does.
"""

from __future__ import annotations

import base64
import binascii
import html
from collections.abc import Callable
from decimal import Decimal
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from quizzes.interchange.moodle_text import (
    TextFormat,
    checked_fraction,
    clean_decimal,
    parse_number,
    percent_text,
    php_trim,
    split_category_path,
    to_html,
)
from quizzes.interchange.moodle_xml_writer import write
from quizzes.interchange.records import (
    Answer,
    CategoryRecord,
    EmbeddedFile,
    ImportFile,
    InterchangeError,
    NumericValue,
    QuestionRecord,
    RecordType,
    Skipped,
)

__all__ = ["parse", "write"]

_FORMATS: dict[str, TextFormat] = {
    "html": "html",
    "moodle_auto_format": "moodle",
    "plain_text": "plain",
    "wiki_like": "plain",
    "markdown": "markdown",
}
_UNSUPPORTED = {
    "cloze": "embedded-answer (Cloze) questions are not supported",
    "multianswer": "embedded-answer (Cloze) questions are not supported",
    "calculated": "calculated questions are not supported",
    "calculatedsimple": "calculated questions are not supported",
    "calculatedmulti": "calculated questions are not supported",
    "ddwtos": "drag-and-drop questions are not supported",
    "ddimageortext": "drag-and-drop questions are not supported",
    "ddmarker": "drag-and-drop questions are not supported",
    "gapselect": "select-missing-words questions are not supported",
    "randomsamatch": "random matching questions are drawn by a Moodle quiz, not stored",
    "random": "random questions are drawn by a Moodle quiz, not stored",
    "description": "a description holds no question",
}
_COMBINED = (
    ("correctfeedback", "a correct response"),
    ("partiallycorrectfeedback", "a partly correct response"),
    ("incorrectfeedback", "an incorrect response"),
)


def _load(data: bytes) -> Element:
    try:
        return fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise InterchangeError(
            "the file declares a DTD or entities, which a Moodle question file never does; "
            f"it is refused ({type(exc).__name__})"
        ) from exc
    except ParseError as exc:
        raise InterchangeError(f"not well-formed XML: {exc}", line=exc.position[0]) from exc


def parse(data: bytes) -> ImportFile:
    """Read a Moodle XML file into records; InterchangeError if Moodle would refuse it."""
    root = _load(data)
    if root.tag != "quiz":
        raise InterchangeError(f"not a Moodle XML question file (it starts with <{root.tag}>)")
    result = ImportFile(format="moodlexml")
    category: list[str] = []
    for number, element in enumerate(root.findall("question"), 1):
        kind = php_trim(element.get("type", ""))
        if kind == "category":
            category = _category(element, result, number)
            continue
        reader = _Reader(element, number)
        if kind in _UNSUPPORTED or kind not in _READERS:
            reason = _UNSUPPORTED.get(kind, f"Moodle question type {kind!r} is not supported")
            result.skipped.append(Skipped(reader.optional_name(), kind, reason))
            continue
        record = reader.read(kind)
        record.category = list(category)
        result.questions.append(record)
    return result


def _category(element: Element, result: ImportFile, number: int) -> list[str]:
    node = element.find("category")
    raw = _text(node, "text", f"question {number}") if node is not None else None
    if raw is None and node is not None:
        raw = php_trim(node.text or "")  # Moodle 1.x wrote the path without <text>
    path = split_category_path(raw or "")
    description = _Reader(element, number).rich("info", "moodle_auto_format")[0]
    idnumber = _text(element, "idnumber", f"question {number}") or ""
    if path:
        known = next((item for item in result.categories if item.path == path), None)
        if known is None:
            result.categories.append(CategoryRecord(path, description, idnumber))
        else:
            known.description = description or known.description
            known.idnumber = idnumber or known.idnumber
    return path


def _text(element: Element | None, path: str, question: str) -> str | None:
    """getpath(..., istext): the trimmed text of the first `path`, None when absent."""
    node = element.find(path) if element is not None else None
    if node is None:
        return None
    if len(node):
        raise InterchangeError(
            f"<{path}> holds XML elements: HTML must be escaped or in CDATA", question=question
        )
    return php_trim(node.text or "")


def _single(value: str | None, default: str) -> bool:
    """trans_single(): "false", "" and "0" are false, anything else true."""
    value = php_trim(default if value is None else value)
    return value not in ("false", "", "0")


class _Reader:
    """One question element, read as Moodle's import_headers() and import_<type>() do."""

    def __init__(self, element: Element, number: int) -> None:
        self.element = element
        self.label = self.optional_name() or f"number {number}"
        self.files: list[EmbeddedFile] = []
        self.notes: list[str] = []
        self.text_format = "html"

    def optional_name(self) -> str:
        return _text(self.element, "name/text", "") or ""

    def text(self, path: str, element: Element | None = None) -> str | None:
        return _text(self.element if element is None else element, path, self.label)

    def rich(self, path: str, default: str, element: Element | None = None) -> tuple[str, str]:
        """import_text_with_files(): a text as HTML, with its files collected, and its format."""
        base = self.element if element is None else element
        node = base.find(path) if path else base
        if node is None:
            return "", default
        name = php_trim(node.get("format", default))
        text = self.text("text", node) or ""
        for file in node.findall("file"):
            self.add_file(file.get("name", ""), file.get("path", "/"), file.text or "")
        return to_html(text, _FORMATS.get(name, "html")), name

    def add_file(self, name: str, path: str, encoded: str) -> None:
        try:
            content = base64.b64decode("".join(encoded.split()))
        except (binascii.Error, ValueError) as exc:
            raise InterchangeError(
                f"file {name!r} is not valid base64", question=self.label
            ) from exc
        for known in self.files:
            if (known.path, known.name) == (path, name):
                if known.content != content:
                    self.notes.append(f"Two different files are named {name!r}; the first is kept.")
                return
        self.files.append(EmbeddedFile(name=name, content=content, path=path))

    def number(self, path: str, default: Decimal) -> Decimal:
        raw = self.text(path)
        if raw is None or raw == "":
            return default
        value = parse_number(raw)
        if value is None:
            raise InterchangeError(f"<{path}> {raw!r} is not a number", question=self.label)
        return value

    def fraction(self, answer: Element) -> Decimal:
        if (legacy := self.text("fraction", answer)) is not None:  # the old <fraction> tag
            value, written = parse_number(legacy), legacy
        else:
            written = php_trim(answer.get("fraction", "0"))
            percent = parse_number(written)
            value, written = (None if percent is None else percent / 100), f"{written}%"
        if value is None:
            raise InterchangeError(f"credit {written!r} is not a number", question=self.label)
        return checked_fraction(value, self.label, written=written)

    def read(self, kind: str) -> QuestionRecord:
        if self.text("name/text") is None:
            raise InterchangeError("a question without a <name>", question=self.label)
        text, self.text_format = self.rich("questiontext", "html")
        image, image_data = self.text("image"), self.text("image_base64")
        if image and image_data:
            filename = php_trim(image.replace("/", "_"))
            self.add_file(filename, "/", image_data)
            text += f' <img src="@@PLUGINFILE@@/{html.escape(filename)}" />'
        penalty = self.number("penalty", Decimal(-1))
        if abs(penalty - Decimal("0.3333333")) < Decimal("0.005"):
            penalty = Decimal("0.3333333")
        record = QuestionRecord(
            type=_READERS[kind][0],
            name=self.optional_name(),
            text=text,
            idnumber=self.text("idnumber") or "",
            general_feedback=self.rich("generalfeedback", self.text_format)[0],
            default_mark=clean_decimal(self.number("defaultgrade", Decimal(1))),
            penalty=None if penalty < 0 else clean_decimal(penalty),
            tags=[
                php_trim(tag.findtext("text") or "")
                for tags in ("tags", "coursetags")
                for tag in self.element.findall(f"{tags}/tag")
            ],
        )
        _READERS[kind][1](self, record)
        record.files, record.notes = self.files, self.notes + record.notes
        return record

    def answers(self) -> list[Element]:
        found = self.element.findall("answer")
        if not found:
            raise InterchangeError("a question without answers", question=self.label)
        return found

    def combined_feedback(self) -> None:
        for field, label in _COMBINED:
            if said := self.rich(field, self.text_format)[0]:
                self.notes.append(f"Moodle's feedback for {label} is not imported: {said}")

    def choice(self, record: QuestionRecord) -> None:
        record.single = _single(self.text("single"), "true")
        record.type = "single_choice" if record.single else "multiple_response"
        record.shuffle = _single(self.text("shuffleanswers"), "false")
        for answer in self.answers():
            text = self.rich("", self.text_format, answer)[0]
            feedback = self.rich("feedback", self.text_format, answer)[0]
            record.answers.append(Answer(text, self.fraction(answer), feedback))
        self.combined_feedback()

    def true_false(self, record: QuestionRecord) -> None:
        feedback = {"true": "", "false": ""}
        correct = True
        for position, answer in enumerate(self.answers()):
            said = self.text("text", answer) or ""
            if said not in ("true", "false"):  # old files: true first, then false
                said = "true" if position == 0 else "false"
            feedback[said] = self.rich("feedback", self.text_format, answer)[0]
            full = parse_number(answer.get("fraction", "0")) == 100
            correct = full if said == "true" else not full
        record.answers = [
            Answer("True", Decimal(int(correct)), feedback["true"]),
            Answer("False", Decimal(int(not correct)), feedback["false"]),
        ]

    def short_answer(self, record: QuestionRecord) -> None:
        record.case_sensitive = _single(self.text("usecase"), "0")
        for answer in self.answers():
            feedback = self.rich("feedback", self.text_format, answer)[0]
            accepted = self.text("text", answer) or ""
            record.answers.append(Answer(accepted, self.fraction(answer), feedback))

    def numeric(self, record: QuestionRecord) -> None:
        for answer in self.answers():
            feedback = self.rich("feedback", self.text_format, answer)[0]
            fraction, raw = self.fraction(answer), self.text("text", answer) or ""
            if raw in ("", "*"):
                record.notes.append(
                    f"Any other number earns {percent_text(fraction)}%: not imported"
                    + (f" (feedback: {feedback})." if feedback else ".")
                )
                continue
            value = parse_number(raw)
            tolerance = parse_number(self.text("tolerance", answer) or "0")
            if value is None or tolerance is None:
                raise InterchangeError(f"answer {raw!r} is not a number", question=self.label)
            record.numeric.append(NumericValue(value, tolerance, fraction, feedback))
        for unit in self.element.findall("units/unit"):
            name = self.text("unit_name", unit) or ""
            multiplier = parse_number(self.text("multiplier", unit) or "1")
            if multiplier == 1 and not record.unit:
                record.unit = name
            else:
                record.notes.append(f"Unit {name!r} (multiplier {multiplier}) is not imported.")

    def matching(self, record: QuestionRecord) -> None:
        record.shuffle = _single(self.text("shuffleanswers"), "1")
        for sub in self.element.findall("subquestion"):
            prompt = self.rich("", self.text_format, sub)[0]
            match = self.text("answer/text", sub) or ""
            if prompt or match:
                record.answers.append(Answer(prompt, Decimal(1), match=match))
        self.combined_feedback()

    def essay(self, record: QuestionRecord) -> None:
        record.grader_info = self.rich("graderinfo", self.text_format)[0]
        template = self.element.find("responsetemplate")
        if template is not None:
            name = php_trim(template.get("format", self.text_format))
            record.model_answer = to_html(
                self.text("text", template) or "", _FORMATS.get(name, "html")
            )

    def ordering(self, record: QuestionRecord) -> None:
        for answer in self.answers():
            text = self.rich("", self.text_format, answer)[0]
            feedback = self.rich("feedback", self.text_format, answer)[0]
            record.answers.append(Answer(text, Decimal(1), feedback))
        select = (self.text("selecttype") or self.text("logical") or "ALL").upper()
        count = parse_number(self.text("selectcount") or self.text("studentsee") or "0") or 0
        if select not in ("ALL", "EXACT", "0") and 0 < count < len(record.answers):
            record.notes.append(
                f"Moodle showed {count} of the {len(record.answers)} items; all are imported."
            )
        self.combined_feedback()


_READERS: dict[str, tuple[RecordType, Callable[[_Reader, QuestionRecord], None]]] = {
    "multichoice": ("single_choice", _Reader.choice),
    "truefalse": ("true_false", _Reader.true_false),
    "shortanswer": ("short_answer", _Reader.short_answer),
    "numerical": ("numeric", _Reader.numeric),
    "matching": ("matching", _Reader.matching),
    "match": ("matching", _Reader.matching),
    "essay": ("essay", _Reader.essay),
    "ordering": ("ordering", _Reader.ordering),
}
