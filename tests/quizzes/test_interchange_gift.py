"""GIFT: Moodle's own fixtures read as Moodle reads them, errors with their line, and records
written and read back unchanged (hostile strings included). No database."""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizzes.interchange import detect, gift
from quizzes.interchange.records import Answer, InterchangeError, NumericValue, QuestionRecord
from tests.quizzes.interchange_records import (
    categories_of,
    comparable,
    hostile_record,
    hostile_records,
    normalised,
    rich_records,
)

D = Decimal


def _read(corpora, name: str):
    return detect.parse_file((corpora / "gift" / name).read_bytes())


def _types(result) -> Counter:
    return Counter(question.type for question in result.questions)


def _answers(question) -> list[tuple[str, Decimal, str]]:
    return [(a.text, a.fraction, a.feedback) for a in question.answers]


# --- Moodle's fixtures ------------------------------------------------------------------------


def test_questions_fixture(corpora):
    result = _read(corpora, "questions.gift.txt")
    assert _types(result) == {
        "essay": 1, "matching": 1, "single_choice": 1, "multiple_response": 1,
        "numeric": 1, "short_answer": 1, "true_false": 3,
    }  # fmt: skip
    assert result.skipped == [] and result.categories == []
    essay, matching, choice, multi, numeric, short, tf, tsl, tsl2 = result.questions
    assert (essay.name, essay.text, essay.line) == ("Q8", "How are you?", 2)
    # Each prompt in its own format: html, Moodle auto-format, plain text, Markdown.
    assert [(a.text, a.match) for a in matching.answers] == [
        ("An activity supporting asynchronous discussions.", "Forum"),
        ("A teacher asks a question and specifies a choice of multiple responses.", "Choice"),
        ("A bank of record entries which participants can add to.", "Database"),
        ("<p>A collection of web pages that anyone can add to or edit.</p>", "Wiki"),
        ("", "Chat"),
    ]
    assert matching.text == "Match the <b>activity</b> to the description."
    assert choice.single and _answers(choice) == [
        ("yellow", D(1), "right; good!"),
        ("red", D(0), "wrong, it's yellow"),
        ("blue", D(0), "wrong, it's yellow"),
    ]
    assert not multi.single and [a.fraction for a in multi.answers] == [
        D("0.5"), D(-1), D("0.5"), D(-1)
    ]  # fmt: skip
    # {#3:2~#Completely wrong}"; : the answer block is not last, so a blank is put in its place.
    assert numeric.text == 'What is a number from 1 to 5? _____";'
    assert numeric.numeric == [NumericValue(D(3), D(2), D(1), "")]
    assert numeric.notes == ["Feedback for any other number is not imported: Completely wrong"]
    assert _answers(short) == [
        ("Frog", D(1), "Good!"),
        ("Cat", D("0.5"), "What is it with Moodlers and cats?"),
        ("*", D(0), "Completely wrong"),
    ]
    assert _answers(tf) == [
        ("True", D(0), "42 is the Ultimate Answer."),
        ("False", D(1), "You gave the right answer."),
    ]
    assert tf.general_feedback == "This is, of course, a Hitchiker's Guide to the Galaxy reference."
    assert [a.fraction for a in tsl.answers] == [a.fraction for a in tsl2.answers] == [D(1), D(0)]
    assert (tsl.line, tsl2.line) == (46, 49)


def test_questions_in_category_fixture(corpora):
    result = _read(corpora, "questions_in_category.gift.txt")
    assert [c.path for c in result.categories] == [["Default for New Features"]]
    assert {tuple(q.category) for q in result.questions} == {("Default for New Features",)}
    assert _types(result) == {"matching": 1, "single_choice": 1, "short_answer": 1, "true_false": 1}
    matching, greeting, user, acronym = result.questions
    assert len(matching.answers) == 5 and matching.answers[-1].text == ""
    # \= and \: are escapes.
    assert greeting.text.startswith(
        '<a href="http://demo.moodle.net/file.php/5/media/bonjour.mp3">Listen to this greeting:</a>'
    )
    assert [a.fraction for a in greeting.answers] == [D(0), D(1), D(0), D(0)]
    assert _answers(user) == [("Moodler", D(1), "")]
    assert acronym.text.endswith(
        '<span style="font-style: italic;">Modular Object-Oriented Dynamic Learning Environment</span>.'
    )
    assert [a.fraction for a in acronym.answers] == [D(1), D(0)]


def test_windows_1252_fixture_keeps_its_accents(corpora):
    result = _read(corpora, "questions_encoding_windows-1252.gift.txt")
    assert result.categories[0].path == ["Default for LTTEST"]
    assert _types(result) == {"essay": 2, "matching": 1}
    assert result.questions[2].answers[0].text == "<p>aödf<br></p>"


def test_examples_fixture(corpora):
    result = _read(corpora, "examples.txt")
    assert _types(result) == {
        "single_choice": 16, "short_answer": 9, "true_false": 5, "numeric": 8,
        "matching": 3, "multiple_response": 2,
    }  # fmt: skip
    by_line = {q.line: q for q in result.questions}
    assert by_line[10].text == "Grant is _____ in Grant's tomb."  # missing-word form
    assert by_line[74].numeric == [NumericValue(D("3.1415"), D("0.0005"), D(1), "")]  # range
    assert by_line[76].numeric == [
        NumericValue(D(1822), D(0), D(1), ""), NumericValue(D(1822), D(2), D("0.5"), "")
    ]  # fmt: skip
    assert by_line[108].text == "<p>Who's buried in <strong>Grant's tomb</strong>?</p>"
    assert (
        by_line[93].text
        == "The American holiday of Thanksgiving is<br />\ncelebrated on the _____ Thursday of November."
    )
    assert [a.fraction for a in by_line[136].answers] == [D("-0.5"), D("0.5"), D("0.5"), D("-0.5")]
    controls = by_line[148]
    assert [a.text for a in controls.answers] == ["~", "=", "#", "{", "}", "\\"]
    assert [a.fraction for a in controls.answers] == [D(0)] * 5 + [D(1)]
    assert controls.answers[-1].feedback.startswith(
        "Correct! \\ (backslash) is not a control character."
    )
    assert by_line[143].answers[1].text == "= 2 + 3"


# --- what GIFT files may hold, and errors -----------------------------------------------------


def test_idnumber_tags_description_and_ordering():
    text = (
        "// question: 1\n// [id:hfs\\]1] [tag:anatomy] [tag:nerve VII]\n"
        "::Named::[plain]1 < 2 \\n second line{=yes =%50%yeah}\n\n"
        "Just words, no braces.\n\n"
        "::Order::Put in order {>3 ALL VERTICAL ABSOLUTE_POSITION SHOW\nInspect\nPalpate\n"
        "Test reflexes\n####In that order.\n}\n"
    )
    result = gift.parse(text)
    named, order = result.questions
    assert (named.idnumber, named.tags) == ("hfs]1", ["anatomy", "nerve VII"])
    assert named.text == "1 &lt; 2 <br />\n second line"
    assert [a.fraction for a in named.answers] == [D(1), D("0.5")]
    assert result.skipped[0].moodle_type == "description" and result.skipped[0].line == 5
    assert [a.text for a in order.answers] == ["Inspect", "Palpate", "Test reflexes"]
    assert (order.type, order.general_feedback) == ("ordering", "In that order.")


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("// c\n\n::A::Fine {T}\n\n::B::\nOpen {\n=a\n=b\n", "closing '}'", 6),
        ("::A::Close } only\n", "closing '}'", 1),
        ("\n\n::W::Weight{~%33%a ~b}\n", "credit 33% is not one of the grades", 3),
        ("::One::Only one{~a}\n", "at least 2 answers", 1),
        ("::M::Match {=a -> b =c}\n", "matching pair without '->'", 1),
        ("::N::Number {#abc}\n", "'abc' is not a number", 1),
        ("::N::Range {#1..x}\n", "not a range of numbers", 1),
    ],
)
def test_malformed_gift_names_question_and_line(text, message, line):
    with pytest.raises(InterchangeError) as caught:
        gift.parse(text)
    assert message in str(caught.value) and caught.value.line == line


def test_decoding_and_format_guessing(settings):
    assert detect.decode("é".encode("utf-16")) == "é"
    assert detect.decode(b"\xef\xbb\xbf::Q::x{T}") == "::Q::x{T}"
    assert detect.decode("café".encode("cp1252")) == "café"
    with pytest.raises(InterchangeError, match="not UTF-8 or Windows-1252 text"):
        detect.decode(b"\x81\x8d\x8f\x90\x9d")
    assert detect.guess_format(b'<?xml version="1.0"?><quiz/>') == "moodlexml"
    assert detect.guess_format("<quiz></quiz>".encode("utf-16")) == "moodlexml"
    assert detect.guess_format(b"::Q::<b>x</b>{T}") == "gift"
    settings.QUESTION_IMPORT_MAX_BYTES = 10
    with pytest.raises(InterchangeError, match="files up to"):
        detect.parse_file(b"::Q::Is it?{TRUE}")


# --- writing ----------------------------------------------------------------------------------


def test_records_round_trip_through_gift():
    records = rich_records()
    written = gift.write(records, categories_of(records))
    assert "$CATEGORY: $course$/top/Clinic skills/Needle safety" in written
    assert "// [id:hfs-anat-1] [tag:anatomy] [tag:nerve VII]" in written
    result = gift.parse(written)
    assert comparable(result) == records
    assert [c.path for c in result.categories] == [c.path for c in categories_of(records)]


def test_fixtures_round_trip_through_gift(corpora):
    for name in ("questions.gift.txt", "questions_in_category.gift.txt", "examples.txt"):
        first = _read(corpora, name)
        again = gift.parse(gift.write(first.questions))
        assert [dataclasses_without_notes(q) for q in comparable(again)] == [
            dataclasses_without_notes(q) for q in comparable(first)
        ]


def dataclasses_without_notes(record: QuestionRecord) -> QuestionRecord:
    record.notes = []
    return record


def test_category_names_with_slashes_and_escapes_round_trip():
    record = QuestionRecord("essay", "E", "x", category=["a/b", "c: {d}", "top"])
    assert gift.parse(gift.write([record])).questions[0].category == ["a/b", "c: {d}", "top"]
    # A path given with Moodle's own "top" (or context) in front is not nested under it twice.
    for given_path in (["top", "A"], ["$course$", "top", "A"]):
        written = gift.write([QuestionRecord("essay", "E", "x", category=given_path)])
        assert "$CATEGORY: $course$/top/A\n" in written


def test_writer_refuses_what_gift_cannot_say():
    bad_credit = QuestionRecord("single_choice", "C", "x", answers=[Answer("a", D("0.33"))])
    with pytest.raises(InterchangeError, match="not one of the grades"):
        gift.write([bad_credit])
    with pytest.raises(InterchangeError, match="cannot be written"):
        gift.write([QuestionRecord("essay", "E", "x", tags=["a<b"])])
    arrow = QuestionRecord("short_answer", "S", "x", answers=[Answer("a->b", D(1))])
    with pytest.raises(InterchangeError, match="reads the question as matching"):
        gift.write([arrow])


def _gift_clean(text: str) -> str:
    return re.sub("[\r\0]", "", text)


def test_hostile_strings_survive_gift(corpora):
    records = hostile_records(corpora)
    # An accepted answer with "->" would make Moodle read matching: the writer refuses it.
    records = [r for r in records if r.type != "short_answer" or "->" not in r.answers[0].text]
    expected = normalised(records, _gift_clean)
    for record in expected:
        if record.type == "matching":  # the prompt's "->" is written as HTML's "-&gt;"
            record.answers[0].text = record.answers[0].text.replace("->", "-&gt;")
        if record.type == "short_answer":
            record.answers[0].feedback = record.answers[0].feedback.replace("->", "-&gt;")
        if record.type == "ordering":
            record.answers = [a for a in record.answers if a.text]
    assert comparable(gift.parse(gift.write(records))) == expected


@settings(max_examples=150, deadline=None)
@given(st.text(min_size=1), st.text(), st.text(min_size=1))
def test_any_text_round_trips_through_gift(name, text, answer):
    record = hostile_record(0, answer)[0]
    record.name, record.text, record.general_feedback = "N" + name, text, text
    (expected,) = normalised([record], _gift_clean)
    assert comparable(gift.parse(gift.write([record]))) == [expected]
