"""Importing interchange records into the bank: drafts in review, categories, updates, credits,
images, sanitizing, and a dry run that writes nothing."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.models import Revision, WorkflowState

from quizzes.grading import grade
from quizzes.interchange.drafts import NoReviewWorkflow
from quizzes.interchange.importing import import_file
from quizzes.interchange.records import (
    Answer,
    CategoryRecord,
    EmbeddedFile,
    ImportFile,
    NumericValue,
    QuestionRecord,
    Skipped,
)
from quizzes.models import Question, QuestionCategory, QuestionOption
from quizzes.snapshots import make_display, snapshot_question
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db


def choice(name: str = "Depth limit on the cheek", idnumber: str = "", **kw) -> QuestionRecord:
    return QuestionRecord(
        type="single_choice",
        name=name,
        text="<p>How deep?</p>",
        idnumber=idnumber,
        category=["$course$", "top", "Default for HFS", "Needling"],
        general_feedback="<p>Shallow.</p>",
        answers=[
            Answer("Under 10 mm", Decimal(1), "Right."),
            Answer("15 mm", Decimal("0.5"), "Half."),
            Answer("40 mm", Decimal(0), "Too deep."),
        ],
        **kw,
    )


def file_of(*records: QuestionRecord, **kw) -> ImportFile:
    return ImportFile(format="gift", questions=list(records), **kw)


def run(parsed: ImportFile, user=None, dry_run: bool = False, category: str | None = "Moodle"):
    return import_file(
        parsed,
        source=SourceFactory(),
        category=category,
        user=user,
        dry_run=dry_run,
        file_name="bank.gift",
    )


def counts() -> tuple[int, ...]:
    return (
        Question.objects.count(),
        QuestionOption.objects.count(),
        QuestionCategory.objects.count(),
        Revision.objects.count(),
        WorkflowState.objects.count(),
        get_image_model().objects.count(),
    )


def png() -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (4, 4), "red").save(out, format="PNG")
    return out.getvalue()


def test_an_import_makes_drafts_in_clinical_review(roles, instructor):
    summary = run(file_of(choice(idnumber="m-1")), user=instructor)
    assert summary.headline == "1 imported, 0 updated, 0 skipped"
    question = Question.objects.get()
    assert not question.live and question.has_unpublished_changes
    assert question.passage == "Imported from bank.gift"
    assert question.external_id == "m-1"
    assert question.category.name == "Moodle / Default for HFS / Needling"
    assert question.level == ""
    assert question.latest_revision is not None
    state = WorkflowState.objects.active().for_instance(question).get()
    assert state.current_task_state.revision == question.latest_revision
    assert state.requested_by == instructor
    assert [o.fraction for o in question.options.all()] == [
        Decimal(1),
        Decimal("0.5"),
        Decimal(0),
    ]
    assert [o.is_correct for o in question.options.all()] == [True, False, False]


def test_without_a_review_workflow_nothing_is_written(db):
    before = counts()
    with pytest.raises(NoReviewWorkflow):
        run(file_of(choice()))
    assert counts() == before


def test_a_dry_run_writes_nothing_not_even_images(roles):
    record = choice()
    record.text = '<p>See <img src="@@PLUGINFILE@@/face.png" alt="Face"></p>'
    record.files = [EmbeddedFile("face.png", png())]
    before = counts()
    summary = run(file_of(record), dry_run=True)
    assert summary.created == 1 and summary.dry_run and summary.images_created == 1
    assert counts() == before
    assert not list(Path(get_image_model()._meta.get_field("file").storage.location).rglob("*.png"))


def test_importing_again_updates_rather_than_duplicates(roles):
    run(file_of(choice(idnumber="m-1"), choice(name="Needle gauge for the face")))
    first = {q.pk for q in Question.objects.all()}
    again = choice(idnumber="m-1")
    again.text = "<p>How deep, exactly?</p>"
    summary = run(file_of(again, choice(name="Needle gauge for the face")))
    assert summary.headline == "0 imported, 2 updated, 0 skipped"
    assert {q.pk for q in Question.objects.all()} == first
    question = Question.objects.get(external_id="m-1")
    assert question.stem == "<p>How deep, exactly?</p>"  # never live: its row is the draft
    assert WorkflowState.objects.active().count() == 2  # the earlier reviews were replaced


def test_a_live_question_keeps_its_live_content_and_gets_a_new_draft(roles):
    run(file_of(choice(idnumber="m-1")))
    question = Question.objects.get()
    question.get_latest_revision().publish()
    again = choice(idnumber="m-1")
    again.text = "<p>Changed in Moodle</p>"
    run(file_of(again))
    question.refresh_from_db()
    assert question.live and question.stem == "<p>How deep?</p>"
    assert question.has_unpublished_changes
    assert question.get_latest_revision_as_object().stem == "<p>Changed in Moodle</p>"


def test_categories_come_from_paths_and_declarations(roles):
    parsed = file_of(
        choice(),
        categories=[CategoryRecord(["$course$", "top", "Empty one"], description="Nothing yet")],
    )
    summary = run(parsed)
    assert "Moodle / Empty one" in summary.categories
    assert QuestionCategory.objects.get(name="Moodle / Empty one").description == "Nothing yet"
    assert QuestionCategory.objects.filter(name="Moodle").exists()


def test_skipped_questions_are_listed_with_reasons(roles):
    bad = QuestionRecord(type="numeric", name="No answer given at all", text="<p>?</p>")
    parsed = file_of(
        choice(), bad, skipped=[Skipped("Cloze one", "multianswer", "cloze is not supported")]
    )
    summary = run(parsed)
    assert summary.headline == "1 imported, 0 updated, 2 skipped (multianswer: 1, numeric: 1)"
    assert any("Cloze one" in line and "cloze" in line for line in summary.lines())


def test_a_fractional_option_is_graded_by_its_credit(roles):
    run(file_of(choice()))
    question = Question.objects.get()
    snapshot = snapshot_question(question)
    display = make_display(snapshot, shuffle=False)
    half = display["tokens"][1]
    assert snapshot["options"][1]["fraction"] == "0.5000000"
    assert grade(snapshot, display, half).fraction == Decimal("0.5")


def test_multiple_response_and_short_answer_credits(roles):
    multi = QuestionRecord(
        type="multiple_response",
        name="Causes of hemifacial spasm",
        text="<p>Which?</p>",
        single=False,
        answers=[
            Answer("Vascular loop", Decimal("0.5")),
            Answer("Tumour", Decimal("0.5")),
            Answer("Caffeine", Decimal("-0.5")),
        ],
    )
    short = QuestionRecord(
        type="short_answer",
        name="Muscle closing the eye",
        text="<p>Name it.</p>",
        case_sensitive=True,
        answers=[Answer("Orbicularis oculi", Decimal(1)), Answer("orbicularis", Decimal("0.5"))],
    )
    run(file_of(multi, short))
    m = Question.objects.get(question_type="multiple_response")
    assert all(o.fraction is None for o in m.options.all())  # ±1/2 is our own rule
    s = Question.objects.get(question_type="short_answer")
    assert s.case_sensitive and s.model_answer == "<p>Orbicularis oculi</p>"
    snap = snapshot_question(s)
    assert grade(snap, {}, "Orbicularis oculi").fraction == 1
    assert grade(snap, {}, "orbicularis").fraction == Decimal("0.5")
    assert grade(snap, {}, "ORBICULARIS").fraction == 0


def test_numeric_keeps_the_best_answer_and_notes_the_rest(roles):
    record = QuestionRecord(
        type="numeric",
        name="Needle depth in millimetres",
        text="<p>Depth?</p>",
        unit="mm",
        numeric=[
            NumericValue(Decimal(10), Decimal(1)),
            NumericValue(Decimal(12), Decimal(0), Decimal("0.5")),
        ],
    )
    summary = run(file_of(record))
    question = Question.objects.get()
    assert (question.numeric_answer, question.numeric_tolerance, question.numeric_unit) == (
        Decimal(10),
        Decimal(1),
        "mm",
    )
    assert any("not kept" in line for line in summary.lines())


def test_embedded_images_become_wagtail_images_once(roles):
    record = choice(idnumber="img-1")
    record.text = '<p>Look: <img src="@@PLUGINFILE@@/face%20map.png" alt="Face map"></p>'
    record.files = [EmbeddedFile("face map.png", png())]
    summary = run(file_of(record))
    image = get_image_model().objects.get()
    assert summary.images_created == 1
    stem = Question.objects.get().stem
    assert f'id="{image.pk}"' in stem and 'embedtype="image"' in stem and "@@PLUGINFILE" not in stem
    summary = run(file_of(record))
    assert summary.images_reused == 1 and get_image_model().objects.count() == 1


def test_a_file_that_is_not_an_image_is_left_out_with_a_note(roles):
    record = choice()
    record.text = '<p><img src="@@PLUGINFILE@@/x.png"></p>'
    record.files = [EmbeddedFile("x.png", b"<svg onload=alert(1)>")]
    summary = run(file_of(record))
    assert get_image_model().objects.count() == 0
    assert any("not an image" in line for line in summary.lines())
    assert "<svg" not in Question.objects.get().stem


def _payloads(corpora: Path, count: int = 60) -> list[str]:
    path = corpora / "payloadbox_xss-payload-list.txt"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    return lines[:count]


def test_hostile_html_comes_out_inert(roles, corpora):
    records = []
    for n, payload in enumerate(_payloads(corpora)):
        records.append(
            QuestionRecord(
                type="single_choice",
                name=f"Hostile question number {n}",
                text=f"<p>{payload}</p>",
                general_feedback=payload,
                answers=[Answer(payload, Decimal(1), payload), Answer("Safe", Decimal(0), "ok")],
            )
        )
    run(file_of(*records))
    for question in Question.objects.prefetch_related("options"):
        for html in (question.stem, question.explanation):
            lowered = html.lower()
            assert "<script" not in lowered and "<img" not in lowered and "<svg" not in lowered
            assert 'href="javascript' not in lowered and "<iframe" not in lowered
            assert not re.search(r"<[a-z][^>]*\son\w+\s*=", lowered)  # no event handler
        for option in question.options.all():
            assert len(option.text) <= 500 and len(option.feedback) <= 1000
