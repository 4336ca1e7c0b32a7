"""Records of every type for the GIFT and Moodle XML round trips, and the hostile strings."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from quizzes.interchange.moodle_text import php_trim
from quizzes.interchange.records import (
    Answer,
    CategoryRecord,
    EmbeddedFile,
    ImportFile,
    NumericValue,
    QuestionRecord,
)

D = Decimal


def rich_records() -> list[QuestionRecord]:
    """One question of every type, with the fields both formats carry."""
    clinic = ["Clinic skills", "Needle safety"]
    return [
        QuestionRecord(
            type="single_choice",
            name="Facial nerve exit",
            text="<p>Where does the facial nerve leave the skull?</p>",
            category=clinic,
            idnumber="hfs-anat-1",
            general_feedback="<p>The <em>stylomastoid</em> foramen.</p>",
            answers=[
                Answer("Stylomastoid foramen", D(1), "<p>Right.</p>"),
                Answer("Foramen ovale", D(0), "That is V3."),
                Answer("Internal acoustic meatus", D("0.3333333"), "It enters there."),
            ],
            tags=["anatomy", "nerve VII"],
        ),
        QuestionRecord(
            type="multiple_response",
            name="Red flags",
            text="Which signs need referral?",
            category=clinic,
            single=False,
            answers=[
                Answer("Sudden onset", D("0.5")),
                Answer("Bilateral spasm", D("0.5"), "Rare: refer."),
                Answer("Twitching after coffee", D(-1), "Benign."),
            ],
        ),
        QuestionRecord(
            type="true_false",
            name="Botulinum",
            text="Botulinum toxin cures HFS.",
            category=["Treatment"],
            answers=[
                Answer("True", D(0), "It relieves, it does not cure."),
                Answer("False", D(1), "Right: relief lasts months."),
            ],
            general_feedback="See lesson 4.",
        ),
        QuestionRecord(
            type="numeric",
            name="Onset age",
            text="Typical age of onset (years)?",
            category=["Treatment"],
            numeric=[
                NumericValue(D(45), D(5), D(1), "Yes."),
                NumericValue(D("47.5"), D("12.5"), D("0.5"), "Close."),
            ],
        ),
        QuestionRecord(
            type="ordering",
            name="Exam order",
            text="Put the examination in order.",
            answers=[
                Answer("Inspect", D(1)),
                Answer("Palpate", D(1)),
                Answer("Test reflexes", D(1)),
            ],
        ),
        QuestionRecord(
            type="matching",
            name="Muscles",
            text="Match each muscle to its nerve branch.",
            answers=[
                Answer("<b>Orbicularis oculi</b>", D(1), match="Zygomatic"),
                Answer("Platysma", D(1), match="Cervical"),
                Answer("", D(1), match="Chorda tympani"),
            ],
        ),
        QuestionRecord(
            type="short_answer",
            name="Nerve",
            text="Which cranial nerve is involved?",
            answers=[
                Answer("facial", D(1), "Yes."),
                Answer("VII", D(1)),
                Answer("seventh*", D("0.75"), "Say which one."),
            ],
        ),
        QuestionRecord(
            type="essay",
            name="Case discussion",
            text="<p>Discuss the case.</p>",
            general_feedback="<p>Mention vascular compression.</p>",
        ),
    ]


def xml_only_records() -> list[QuestionRecord]:
    """The same, with what only Moodle XML carries: marks, penalty, shuffling, case, units,
    files, grader information and a template."""
    records = rich_records()
    choice, _, _, numeric, _, matching, short, essay = records
    choice.default_mark, choice.penalty, choice.shuffle = D("2.5"), D("0.1"), False
    choice.text += '<img src="@@PLUGINFILE@@/nerve.png" alt="">'
    choice.files = [
        EmbeddedFile("nerve.png", b"\x89PNG\r\n\x1a\n\x00binary"),
        EmbeddedFile("a.txt", b""),
    ]
    numeric.unit = "years"
    matching.shuffle = False
    short.case_sensitive = True
    essay.grader_info = "<p>2 marks for compression, 1 for imaging.</p>"
    essay.model_answer = "<p>Vascular loop at the root exit zone.</p>"
    return records


def categories_of(records: list[QuestionRecord]) -> list[CategoryRecord]:
    paths: list[list[str]] = []
    for record in records:
        if record.category and record.category not in paths:
            paths.append(record.category)
    return [CategoryRecord(path) for path in paths]


def comparable(result: ImportFile) -> list[QuestionRecord]:
    """The questions without what only says where they were in the file."""
    return [dataclasses.replace(record, line=None) for record in result.questions]


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").split("\n") if php_trim(line)]


def hostile_records(corpora: Path) -> list[QuestionRecord]:
    """Every naughty string (blns, without its comments) in every kind of field, and the XSS
    payloads four to a choice question (stem, general feedback, two options with feedback)."""
    blns = [line for line in _lines(corpora / "blns.txt") if not line.startswith("#")]
    records = [
        record for number, value in enumerate(blns) for record in hostile_record(number, value)
    ]
    xss = _lines(corpora / "payloadbox_xss-payload-list.txt")
    for start in range(0, len(xss), 4):
        a, b, c, d = ([*xss[start : start + 4], "x", "x", "x"])[:4]
        records.append(
            QuestionRecord(
                type="single_choice",
                name=f"X{start} {a}",
                text=a,
                general_feedback=b,
                answers=[Answer(c, D(1), d), Answer(d, D(0), c)],
            )
        )
    return records


def hostile_record(number: int, value: str) -> list[QuestionRecord]:
    """`value` in every text field of a choice, a matching, a short answer and an essay."""
    name = f"Q{number} {value}"
    return [
        QuestionRecord(
            type="single_choice",
            name=name,
            text=value,
            general_feedback=value,
            idnumber="",
            answers=[Answer(value, D(1), value), Answer("other", D(0), value)],
        ),
        QuestionRecord(
            type="matching",
            name=name,
            text=value,
            answers=[Answer(value, D(1), match=value), Answer("b", D(1), match="c")],
        ),
        QuestionRecord(
            type="short_answer", name=name, text=value, answers=[Answer(value, D(1), value)]
        ),
        QuestionRecord(
            type="ordering", name=name, text=value, answers=[Answer(value, D(1)), Answer("z", D(1))]
        ),
    ]


def normalised(records: list[QuestionRecord], clean: Callable[[str], str]) -> list[QuestionRecord]:
    """`records` with every text as a format keeps it (`clean`), then trimmed as Moodle does."""

    def fix(text: str) -> str:
        return php_trim(clean(text))

    out = []
    for record in records:
        record = dataclasses.replace(
            record,
            name=fix(record.name),
            text=fix(record.text),
            general_feedback=fix(record.general_feedback),
            answers=[
                dataclasses.replace(
                    a, text=fix(a.text), feedback=fix(a.feedback), match=fix(a.match)
                )
                for a in record.answers
            ],
        )
        out.append(record)
    return out
