"""Moodle XML: Moodle's own fixtures (good, old and broken), XML bombs refused, and records
written Moodle-shaped and read back unchanged (hostile strings included). No database."""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizzes.interchange import detect, moodle_xml
from quizzes.interchange.records import CategoryRecord, EmbeddedFile, InterchangeError
from tests.quizzes.interchange_records import (
    categories_of,
    comparable,
    hostile_record,
    hostile_records,
    normalised,
    xml_only_records,
)

D = Decimal
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _read(corpora, name: str):
    data = (corpora / "moodlexml" / name).read_bytes()
    assert detect.guess_format(data) == "moodlexml"
    return detect.parse_file(data)


def _summary(result) -> list[tuple[str, str, list[str]]]:
    return [(q.type, q.name, q.category) for q in result.questions]


def _tf(question) -> list[Decimal]:
    return [answer.fraction for answer in question.answers]


# --- Moodle's fixtures ------------------------------------------------------------------------


def test_categories_in_reverse_order(corpora):
    result = _read(corpora, "categories_reverse_order.xml")
    assert result.categories == [
        CategoryRecord(["Sigma", "Tau"], "This is Tau category for test"),
        CategoryRecord(["Sigma"], "This is Sigma category for test"),
    ]
    assert _summary(result) == [
        ("essay", "Tau Question", ["Sigma", "Tau"]),
        ("short_answer", "Sigma Question", ["Sigma"]),
    ]
    essay, short = result.questions
    assert (essay.text, essay.penalty, essay.grader_info, essay.model_answer) == (
        "Testing Tau Question", D(0), "", ""
    )  # fmt: skip
    assert [(a.text, a.fraction) for a in short.answers] == [
        ("yes", D(1)), ("no", D(0)), ("may be", D(0))
    ]  # fmt: skip
    assert (short.penalty, short.case_sensitive) == (D("0.3333333"), False)


@pytest.mark.parametrize(
    ("name", "idnumber"),
    [
        ("category_with_description.xml", "alpha-idnumber"),
        ("deprecated_category.xml", "alpha-idnumber"),
        ("export_category.xml", ""),
    ],
)
def test_one_category_with_description(corpora, name, idnumber):
    result = _read(corpora, name)
    assert result.categories == [
        CategoryRecord(["Alpha"], "This is Alpha category for test", idnumber)
    ]
    (question,) = result.questions
    assert _summary(result) == [("true_false", "Alpha Question", ["Alpha"])]
    assert (question.text, _tf(question), question.penalty) == (
        "<p>Testing Alpha Question</p>", [D(1), D(0)], D(1)
    )  # fmt: skip


def test_html_characters_in_idnumbers(corpora):
    result = _read(corpora, "html_chars_in_idnumbers.xml")
    assert result.categories[0].idnumber == "The inequalities < & >"
    assert result.questions[0].idnumber == "T & F"


def test_nested_categories(corpora):
    result = _read(corpora, "nested_categories.xml")
    assert result.categories == [
        CategoryRecord(["Delta"], "This is Delta category for test"),
        CategoryRecord(["Delta", "Epsilon"], "<p>This is Epsilon category for test</p>"),
        CategoryRecord(["Delta", "Epsilon", "Zeta"], "This is Zeta category for test"),
    ]
    assert _summary(result) == [("true_false", "Zeta Question", ["Delta", "Epsilon", "Zeta"])]


def test_nested_categories_with_questions(corpora):
    result = _read(corpora, "nested_categories_with_questions.xml")
    assert [c.path for c in result.categories] == [
        ["Iota"], ["Iota", "Kappa"], ["Iota", "Kappa", "Lambda"], ["Iota", "Mu"]
    ]  # fmt: skip
    assert _summary(result) == [
        ("true_false", "Iota Question", ["Iota"]),
        ("essay", "Kappa Essay Question", ["Iota", "Kappa"]),
        ("true_false", "Kappa Question", ["Iota", "Kappa"]),
        ("true_false", "Lambda Question", ["Iota", "Kappa", "Lambda"]),
        ("true_false", "Mu Question", ["Iota", "Mu"]),
    ]


def test_old_format_file(corpora):
    result = _read(corpora, "old_format_file.xml")
    assert result.categories == [CategoryRecord(["Pi"]), CategoryRecord(["Pi", "Rho"])]
    assert _summary(result) == [
        ("true_false", "Pi Question", ["Pi"]), ("true_false", "Rho Question", ["Pi", "Rho"])
    ]  # fmt: skip
    assert all(q.idnumber == "" and _tf(q) == [D(1), D(0)] for q in result.questions)


def test_old_image_tag_becomes_an_embedded_file(corpora):
    result = _read(corpora, "sample_questions_with_old_image_tag.xml")
    assert [(s.name, s.moodle_type) for s in result.skipped] == [
        ("cloze question with image", "cloze")
    ]
    (question,) = result.questions
    assert (question.type, question.name, question.shuffle) == (
        "single_choice",
        "mcq with image",
        True,
    )
    assert question.text.endswith(' <img src="@@PLUGINFILE@@/moodle.png" />')
    assert [f.name for f in question.files] == ["moodle.png"]
    assert question.files[0].content.startswith(b"\x89PNG")
    assert [(a.text, a.fraction, a.feedback) for a in question.answers] == [
        ("wrong answer", D(0), ""), ("another wrong answer", D(0), ""), ("right answer", D(1), "")
    ]  # fmt: skip
    assert (question.default_mark, question.penalty) == (D(1), D("0.1"))


def test_multichoice_with_files(corpora):
    result = _read(corpora, "multichoice.xml")
    (question,) = result.questions
    assert question.category == ["Default for testhead", "Multichoice"]
    assert (question.type, question.single, question.shuffle) == ("single_choice", True, True)
    assert [f.name for f in question.files] == [
        "bonjour.mp3", "flag-uk.jpg", "flag-france.jpg", "flag-german.jpg", "flag-denmark.jpg"
    ]  # fmt: skip
    assert all(f.content and f.path == "/" for f in question.files)
    assert '<a href="@@PLUGINFILE@@/bonjour.mp3">' in question.text
    assert [a.fraction for a in question.answers] == [D(0), D(1), D(0), D(0)]
    assert question.answers[1].feedback == "<p>Yes, well done!</p>"
    assert '<img src="@@PLUGINFILE@@/flag-france.jpg"' in question.answers[1].text


def test_truefalse_with_files(corpora):
    result = _read(corpora, "truefalse.xml")
    false_one, true_one = result.questions
    assert (_tf(false_one), _tf(true_one)) == ([D(0), D(1)], [D(1), D(0)])
    assert "Your answer is correct." in false_one.answers[1].feedback
    assert sorted(f.name for f in false_one.files) == [
        "infos.jpg",
        "logo.jpg",
        "thumbdown.jpg",
        "thumbup.jpg",
    ]
    assert "documentation about Moodle" in true_one.general_feedback


def test_cloze_questions_are_listed_as_skipped(corpora):
    # Moodle refuses these broken cloze questions one by one; we do not import cloze at all,
    # broken or not, so each is listed with the reason and the file's other questions import.
    result = _read(corpora, "broken_cloze_questions.xml")
    assert result.questions == []
    assert Counter(s.moodle_type for s in result.skipped) == {"cloze": 5}
    assert result.skipped[0].name == "Multianswer question without subquestions"
    assert "Cloze" in result.skipped[0].reason
    (skipped,) = _read(corpora, "multianswer.xml").skipped
    assert (skipped.name, skipped.moodle_type) == ("cloze with images", "cloze")


def test_invalid_grade_refuses_the_file_naming_the_question(corpora):
    # Moodle's import stops at a grade outside its list ("33" is not 33.33333): so do we.
    with pytest.raises(InterchangeError) as caught:
        _read(corpora, "error_invalid_grades.xml")
    assert "credit 33% is not one of the grades Moodle accepts" in str(caught.value)
    assert "invalid grades" in caught.value.question


# --- hostile and broken files -----------------------------------------------------------------


_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<quiz><question type="essay"><name><text>&d;</text></name></question></quiz>"""
_EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<quiz><question type="essay"><name><text>&secret;</text></name></question></quiz>"""


@pytest.mark.parametrize("data", [_BOMB, _EXTERNAL], ids=["billion-laughs", "external-entity"])
def test_entity_tricks_are_refused(data):
    with pytest.raises(InterchangeError, match="DTD or entities"):
        detect.parse_file(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<?xml version='1.0'?>\n<quiz>\n<question type='essay'>\n</quiz>", "not well-formed"),
        (b"<?xml version='1.0'?><html/>", "not a Moodle XML question file"),
        (b"<quiz><question type='essay'><questiontext/></question></quiz>", "without a <name>"),
        (
            b"<quiz><question type='multichoice'><name><text>M</text></name><answer fraction='x'>"
            b"<text>a</text></answer></question></quiz>",
            "'x%' is not a number",
        ),
        (
            b"<quiz><question type='essay'><name><text>E</text></name><questiontext><text><p>x</p>"
            b"</text></questiontext></question></quiz>",
            "HTML must be escaped",
        ),
    ],
)
def test_broken_files_give_clear_errors(data, message):
    with pytest.raises(InterchangeError, match=re.escape(message)):
        moodle_xml.parse(data)


# --- writing ----------------------------------------------------------------------------------


def test_writer_is_moodle_shaped():
    records = xml_only_records()
    categories = [
        CategoryRecord(["Clinic skills", "Needle safety"], "<p>Safety first</p>", "cat-1")
    ]
    written = moodle_xml.write(records, categories)
    assert written.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n')
    assert '<question type="category">' in written
    assert "<text>$course$/top/Clinic skills/Needle safety</text>" in written
    assert '<answer fraction="33.33333" format="html">' in written
    assert '<questiontext format="html">\n      <text><![CDATA[<p>Where does' in written
    assert "<idnumber>hfs-anat-1</idnumber>" in written and "<idnumber>cat-1</idnumber>" in written
    assert '<file name="nerve.png" path="/" encoding="base64">' in written
    result = moodle_xml.parse(written.encode())
    assert result.categories[0] == categories[0]


def test_records_round_trip_through_moodle_xml():
    records = xml_only_records()
    result = moodle_xml.parse(moodle_xml.write(records, categories_of(records)).encode())
    assert comparable(result) == records and result.skipped == []


def test_fixtures_round_trip_through_moodle_xml(corpora):
    for name in ("multichoice.xml", "truefalse.xml", "nested_categories_with_questions.xml"):
        first = _read(corpora, name)
        again = moodle_xml.parse(moodle_xml.write(first.questions, first.categories).encode())
        assert comparable(again) == comparable(first) and again.categories == first.categories


def test_gift_fixture_read_as_gift_written_as_xml(corpora):
    first = detect.parse_file((corpora / "gift" / "examples.txt").read_bytes())
    for record in first.questions:
        record.notes = []
    again = moodle_xml.parse(moodle_xml.write(first.questions).encode())
    shuffled = [q.shuffle for q in comparable(again)]
    assert [q.type for q in again.questions] == [q.type for q in first.questions]
    assert all(shuffled)
    assert [q.answers for q in again.questions] == [q.answers for q in first.questions]


def test_writer_refuses_a_credit_moodle_would_refuse():
    records = xml_only_records()
    records[1].answers[0].fraction = D("0.33")
    with pytest.raises(InterchangeError, match="not one of the grades") as caught:
        moodle_xml.write(records)
    assert caught.value.question == "Red flags"


def _xml_clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def test_hostile_strings_survive_moodle_xml(corpora):
    records = hostile_records(corpora)
    records[0].files = [EmbeddedFile('x"><script>', b"<script>alert(1)</script>")]
    expected = normalised(records, _xml_clean)
    for record in expected:  # a pair with neither prompt nor answer is no pair (as in Moodle)
        record.answers = [
            a for a in record.answers if record.type != "matching" or a.text or a.match
        ]
    expected[0].files = [EmbeddedFile('x"><script>', b"<script>alert(1)</script>")]
    assert comparable(moodle_xml.parse(moodle_xml.write(records).encode())) == expected


@settings(max_examples=150, deadline=None)
@given(st.text(min_size=1), st.text(), st.text(min_size=1))
def test_any_text_round_trips_through_moodle_xml(name, text, answer):
    record = hostile_record(0, answer)[0]
    record.name, record.text, record.general_feedback = "N" + name, text, text
    record.answers[1].text = "]]>\r\n]]]]>" + text
    (expected,) = normalised([record], _xml_clean)
    assert comparable(moodle_xml.parse(moodle_xml.write([record]).encode())) == [expected]
