"""Every Moodle fixture file imported into the bank (through the database): the right questions
per type, credits, feedback and categories; refused files write nothing; the bank goes out
and back in, in both formats, unchanged."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from wagtail.images import get_image_model
from wagtail.models import Revision, WorkflowState

from quizzes.interchange import files
from quizzes.interchange.exporting import export_file
from quizzes.interchange.importing import ImportSummary, import_file
from quizzes.interchange.records import InterchangeError
from quizzes.models import Question, QuestionCategory, QuestionOption
from tests.factories import SourceFactory, make_question
from tests.factories.quizzes import QuestionCategoryFactory

pytestmark = pytest.mark.django_db

D = Decimal
ROOT = "Fixtures"
KINDS = (
    "single_choice",
    "multiple_response",
    "true_false",
    "numeric",
    "ordering",
    "matching",
    "short_answer",
    "essay",
)


def load(corpora: Path, folder: str, name: str) -> ImportSummary:
    path = corpora / folder / name
    return import_file(
        files.read(path.read_bytes()),
        source=SourceFactory(),
        category=ROOT,
        user=None,
        dry_run=False,
        file_name=name,
    )


def types() -> dict[str, int]:
    return dict(Counter(Question.objects.values_list("question_type", flat=True)))


def options(title: str) -> list[tuple[str, bool, Decimal | None, str]]:
    question = Question.objects.get(title=title)
    return [
        (o.text, o.is_correct, o.fraction, o.feedback)
        for o in question.options.order_by("sort_order", "pk")
    ]


def category_of(title: str) -> str:
    return Question.objects.select_related("category").get(title=title).category.name


def written() -> tuple[int, ...]:
    return (
        Question.objects.count(),
        QuestionOption.objects.count(),
        QuestionCategory.objects.count(),
        Revision.objects.count(),
        WorkflowState.objects.count(),
        get_image_model().objects.count(),
    )


# --- GIFT ---------------------------------------------------------------------------------------


def test_gift_questions(roles, corpora):
    summary = load(corpora, "gift", "questions.gift.txt")
    assert summary.headline == "9 imported, 0 updated, 0 skipped"
    assert types() == {
        "essay": 1, "matching": 1, "single_choice": 1, "multiple_response": 1,
        "numeric": 1, "short_answer": 1, "true_false": 3,
    }  # fmt: skip
    assert set(Question.objects.values_list("category__name", flat=True)) == {ROOT}
    assert not Question.objects.filter(live=True).exists()
    choice = Question.objects.get(question_type="single_choice")
    assert options(choice.title) == [
        ("yellow", True, None, "right; good!"),
        ("red", False, None, "wrong, it's yellow"),
        ("blue", False, None, "wrong, it's yellow"),
    ]
    multi = Question.objects.get(question_type="multiple_response")
    assert [o[2] for o in options(multi.title)] == [D("0.5"), D(-1), D("0.5"), D(-1)]
    short = Question.objects.get(question_type="short_answer")
    assert options(short.title) == [
        ("Frog", True, D(1), "Good!"),
        ("Cat", False, D("0.5"), "What is it with Moodlers and cats?"),
        ("*", False, D(0), "Completely wrong"),
    ]
    numeric = Question.objects.get(question_type="numeric")
    assert (numeric.numeric_answer, numeric.numeric_tolerance) == (D(3), D(2))
    matching = Question.objects.get(question_type="matching")
    assert [(o.text, o.match) for o in matching.options.order_by("sort_order")][-1] == ("", "Chat")
    tf = Question.objects.filter(question_type="true_false").order_by("pk").first()
    assert "Hitchiker's Guide" in tf.explanation
    assert options(tf.title)[1] == ("False", True, None, "You gave the right answer.")


def test_gift_questions_in_category(roles, corpora):
    summary = load(corpora, "gift", "questions_in_category.gift.txt")
    assert summary.created == 4 and not summary.skipped
    assert types() == {"matching": 1, "single_choice": 1, "short_answer": 1, "true_false": 1}
    assert set(Question.objects.values_list("category__name", flat=True)) == {
        f"{ROOT} / Default for New Features"
    }
    short = Question.objects.get(question_type="short_answer")
    assert options(short.title) == [("Moodler", True, None, "")]


def test_gift_windows_1252_keeps_its_accents(roles, corpora):
    summary = load(corpora, "gift", "questions_encoding_windows-1252.gift.txt")
    assert summary.created == 3
    assert types() == {"essay": 2, "matching": 1}
    assert QuestionOption.objects.filter(text="aödf").exists()
    assert set(Question.objects.values_list("category__name", flat=True)) == {
        f"{ROOT} / Default for LTTEST"
    }
    assert "\ufffd" not in "".join(Question.objects.values_list("stem", flat=True)) + "".join(
        QuestionOption.objects.values_list("text", flat=True)
    )


def test_gift_examples(roles, corpora):
    summary = load(corpora, "gift", "examples.txt")
    assert types() == {
        "single_choice": 16, "short_answer": 9, "true_false": 5, "numeric": 8,
        "matching": 3, "multiple_response": 2,
    }  # fmt: skip
    assert summary.created == 43 and not summary.skipped
    assert Question.objects.filter(numeric_answer=D("3.1415"), numeric_tolerance=D("0.0005"))
    # -50%, 50%, 50%, -50%: our own rule (±1/number right), so stored without credits.
    ours = [
        [(o.is_correct, o.fraction) for o in q.options.order_by("sort_order")]
        for q in Question.objects.filter(question_type="multiple_response")
    ]
    assert [(False, None), (True, None), (True, None), (False, None)] in ours


# --- Moodle XML -------------------------------------------------------------------------------


def test_xml_categories_in_reverse_order(roles, corpora):
    summary = load(corpora, "moodlexml", "categories_reverse_order.xml")
    assert summary.created == 2
    assert category_of("Tau Question") == f"{ROOT} / Sigma / Tau"
    assert category_of("Sigma Question") == f"{ROOT} / Sigma"
    descriptions = dict(QuestionCategory.objects.values_list("name", "description"))
    assert descriptions[f"{ROOT} / Sigma / Tau"] == "This is Tau category for test"
    assert descriptions[f"{ROOT} / Sigma"] == "This is Sigma category for test"
    assert options("Sigma Question") == [
        ("yes", True, D(1), ""), ("no", False, D(0), ""), ("may be", False, D(0), "")
    ]  # fmt: skip


@pytest.mark.parametrize(
    "name", ["category_with_description.xml", "deprecated_category.xml", "export_category.xml"]
)
def test_xml_one_category_with_description(roles, corpora, name):
    assert load(corpora, "moodlexml", name).created == 1
    question = Question.objects.get()
    assert (question.title, question.question_type) == ("Alpha Question", "true_false")
    assert question.category.name == f"{ROOT} / Alpha"
    assert question.category.description == "This is Alpha category for test"
    assert options("Alpha Question") == [("True", True, None, ""), ("False", False, None, "")]


def test_xml_html_characters_in_idnumbers(roles, corpora):
    load(corpora, "moodlexml", "html_chars_in_idnumbers.xml")
    assert Question.objects.get().external_id == "T & F"
    load(corpora, "moodlexml", "html_chars_in_idnumbers.xml")  # the idnumber finds it again
    assert Question.objects.count() == 1


def test_xml_nested_categories(roles, corpora):
    assert load(corpora, "moodlexml", "nested_categories.xml").created == 1
    assert category_of("Zeta Question") == f"{ROOT} / Delta / Epsilon / Zeta"
    assert {f"{ROOT} / Delta", f"{ROOT} / Delta / Epsilon"} <= set(
        QuestionCategory.objects.values_list("name", flat=True)
    )


def test_xml_nested_categories_with_questions(roles, corpora):
    assert load(corpora, "moodlexml", "nested_categories_with_questions.xml").created == 5
    assert types() == {"true_false": 4, "essay": 1}
    assert category_of("Kappa Essay Question") == f"{ROOT} / Iota / Kappa"
    assert category_of("Lambda Question") == f"{ROOT} / Iota / Kappa / Lambda"
    assert category_of("Mu Question") == f"{ROOT} / Iota / Mu"


def test_xml_old_format_file(roles, corpora):
    assert load(corpora, "moodlexml", "old_format_file.xml").created == 2
    assert category_of("Rho Question") == f"{ROOT} / Pi / Rho"
    assert options("Pi Question") == [("True", True, None, ""), ("False", False, None, "")]


def test_xml_old_image_tag_becomes_a_wagtail_image(roles, corpora):
    summary = load(corpora, "moodlexml", "sample_questions_with_old_image_tag.xml")
    assert summary.created == 1
    assert [(s.name, s.moodle_type) for s in summary.skipped] == [
        ("cloze question with image", "cloze")
    ]
    image = get_image_model().objects.get()
    question = Question.objects.get(title="mcq with image")
    assert f'id="{image.pk}"' in question.stem and "@@PLUGINFILE" not in question.stem
    assert options("mcq with image")[2] == ("right answer", True, None, "")


def test_xml_multichoice_with_files(roles, corpora):
    summary = load(corpora, "moodlexml", "multichoice.xml")
    assert summary.created == 1
    question = Question.objects.get()
    assert question.question_type == "single_choice"
    assert question.category.name == f"{ROOT} / Default for testhead / Multichoice"
    rows = options(question.title)
    assert [r[1] for r in rows] == [False, True, False, False]
    assert rows[1][3] == "Yes, well done!"
    assert "@@PLUGINFILE" not in "".join(r[0] for r in rows)


def test_xml_truefalse_with_files(roles, corpora):
    assert load(corpora, "moodlexml", "truefalse.xml").created == 2
    assert types() == {"true_false": 2}
    feedback = " ".join(QuestionOption.objects.values_list("feedback", flat=True))
    assert "Your answer is correct." in feedback
    assert any("documentation about Moodle" in q.explanation for q in Question.objects.all())


@pytest.mark.parametrize(
    ("name", "skipped"), [("multianswer.xml", 1), ("broken_cloze_questions.xml", 5)]
)
def test_xml_cloze_files_import_no_question(roles, corpora, name, skipped):
    revisions = Revision.objects.count()
    summary = load(corpora, "moodlexml", name)
    assert summary.created == 0 and len(summary.skipped) == skipped
    assert {s.moodle_type for s in summary.skipped} == {"cloze"}
    assert Question.objects.count() == 0 and Revision.objects.count() == revisions


def test_invalid_grades_write_nothing(roles, corpora):
    before = written()
    with pytest.raises(InterchangeError, match="credit 33% is not one of the grades"):
        load(corpora, "moodlexml", "error_invalid_grades.xml")
    assert written() == before


def test_every_fixture_file_is_covered(corpora):
    """A fixture added to the corpus fails here until a test above imports it."""
    covered = {
        "gift": {
            "questions.gift.txt", "questions_in_category.gift.txt",
            "questions_encoding_windows-1252.gift.txt", "examples.txt",
        },
        "moodlexml": {
            "categories_reverse_order.xml", "category_with_description.xml",
            "deprecated_category.xml", "export_category.xml", "html_chars_in_idnumbers.xml",
            "nested_categories.xml", "nested_categories_with_questions.xml",
            "old_format_file.xml", "sample_questions_with_old_image_tag.xml", "multichoice.xml",
            "truefalse.xml", "multianswer.xml", "broken_cloze_questions.xml",
            "error_invalid_grades.xml",
        },
    }  # fmt: skip
    for folder, names in covered.items():
        assert {p.name for p in (corpora / folder).iterdir() if p.is_file()} == names


# --- bank -> file -> bank ---------------------------------------------------------------------


def content(question: Question) -> dict[str, Any]:
    fields = (
        "question_type", "title", "stem", "explanation", "points", "case_sensitive",
        "numeric_answer", "numeric_tolerance", "numeric_unit", "model_answer", "rubric",
        "category_id", "key",
    )  # fmt: skip
    return {
        **{name: getattr(question, name) for name in fields},
        "options": [
            (o.text, o.is_correct, o.fraction, o.feedback, o.match, o.sort_order)
            for o in question.options.order_by("sort_order", "pk")
        ],
    }


@pytest.mark.parametrize("fmt", ["gift", "moodlexml"])
def test_every_type_goes_out_and_back_into_the_same_bank_unchanged(roles, fmt):
    bank = QuestionCategoryFactory(key="bank", name="Bank")
    made = [
        make_question(
            kind,
            category=bank,
            options=[("Inspect", False, ""), ("Palpate", False, ""), ("Needle", False, "")]
            if kind == "ordering"
            else None,
        )
        for kind in KINDS
    ]
    # The first import gives each question the shape the format can carry...
    first = files.read(files.write(export_file("Bank", fmt), fmt).encode(), fmt)
    assert import_file(first, source=made[0].source, category="Bank", user=None, dry_run=False)
    drafts = {
        q.pk: content(q.get_latest_revision_as_object())
        for q in Question.objects.filter(pk__in=[q.pk for q in made])
    }
    assert [q[5] for q in drafts[made[KINDS.index("ordering")].pk]["options"]] == [0, 1, 2]
    # ... and from then on, out and in again changes nothing.
    again = files.read(files.write(export_file("Bank", fmt), fmt).encode(), fmt)
    summary = import_file(again, source=made[0].source, category="Bank", user=None, dry_run=False)
    assert summary.updated == len(KINDS) and summary.created == 0
    for question in Question.objects.filter(pk__in=[q.pk for q in made]):
        assert content(question.get_latest_revision_as_object()) == drafts[question.pk], (
            fmt,
            question.question_type,
        )
