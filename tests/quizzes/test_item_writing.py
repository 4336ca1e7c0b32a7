"""Item-writing checks (quizzes.item_writing): each check on a flawed and a clean question, the
bank summary, the `check_items` command, the question editor's panel, and the curriculum."""

from __future__ import annotations

import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.test.utils.form_data import inline_formset

from quizzes import item_writing as iw
from quizzes.models import Question
from tests.factories import make_objective, make_question, make_quiz
from tests.quizzes.test_question_bank_admin import question_form

pytestmark = pytest.mark.django_db

# A clean single-choice question: recall, no story, no cue. Each test changes one thing.
STEM = "<p>Where on the face does hemifacial spasm usually begin?</p>"
OPTIONS = [
    ("The eyelid", True, "Right: the orbicularis oculi is the usual first site."),
    ("Corner of the mouth", False, "The mouth is reached later, as the spasm spreads."),
    ("The chin", False, "The chin is involved later, if at all."),
    ("The forehead", False, "Not where the article says it starts."),
]


def question(kind: str = "single_choice", *, objective: bool = True, **fields) -> Question:
    """A published question (clean unless `fields` make it flawed), tagged with an objective."""
    fields.setdefault("stem", STEM)
    fields.setdefault("level", "recall")
    if kind == "single_choice":
        fields.setdefault("options", OPTIONS)
    made = make_question(kind, **fields)
    if objective:
        made.objectives = [make_objective()]
        made.save()
        made.save_revision().publish()  # the editor opens the latest revision
    return Question.objects.prefetch_related("options", "objectives").get(pk=made.pk)


def codes(q: Question) -> list[str]:
    return [f.code for f in iw.check_question(q)]


def test_a_clean_question_of_each_kind_has_no_finding(tree):
    assert codes(question()) == []
    for kind in ("multiple_response", "true_false", "numeric", "ordering", "short_answer", "essay"):
        assert codes(question(kind, stem="<p>Name the usual first site of the spasm.</p>")) == []


# --- one check each: flawed, then clean ------------------------------------------------------


def test_key_longest_flags_a_key_longer_than_every_distractor(tree):
    flawed = [("The eyelid, in the orbicularis oculi", True, "Right."), *OPTIONS[1:]]
    findings = iw.check_question(question(options=flawed))
    assert [f.code for f in findings] == [iw.KEY_LONGEST]
    assert "a clear cue" in findings[0].message
    # A tie with a distractor passes: the key is not the unique longest option.
    tie = [("The eyelids", True, "Right."), ("The forehead", False, "No."), ("Chin", False, "No.")]
    assert iw.KEY_LONGEST not in codes(question(options=tie))
    assert codes(question()) == []


def test_key_longest_on_multiple_response_needs_every_key_longer(tree):
    long_keys = [
        ("Tumours pressing on the nerve", True, "Listed."),
        ("Trauma to the head or face", True, "Listed."),
        ("Caffeine", False, "A trigger, not a cause."),
        ("Stress", False, "A trigger, not a cause."),
    ]
    assert iw.KEY_LONGEST in codes(question("multiple_response", options=long_keys))
    mixed = [*long_keys[:2], ("Caffeine taken late every evening", False, "A trigger.")]
    assert iw.KEY_LONGEST not in codes(question("multiple_response", options=mixed))


def test_key_only_hedged_flags_the_one_qualified_option(tree):
    hedged = [
        ("Usually under 10 mm", True, "Right."),
        ("Always 25 mm deep", False, "No."),
        ("Exactly 40 mm, into muscle", False, "No."),
        ("Down to the bone", False, "No."),
    ]
    stem = "<p>How deep does the mini-blade go?</p>"
    assert codes(question(stem=stem, options=hedged)) == [iw.KEY_ONLY_HEDGED]
    shared = [*hedged[:3], ("Often down to bone", False, "No.")]
    assert codes(question(stem=stem, options=shared)) == []
    # An adjective is not a hedge: "a possible cause" qualifies nothing the key claims.
    adjective = [("Refer for a possible cause", True, "Right."), *hedged[1:]]
    assert codes(question(stem=stem, options=adjective)) == []


def test_all_or_none_of_the_above_is_flagged(tree):
    flawed = [*OPTIONS[1:], ("None of the above", True, "It starts at the eyelid.")]
    assert codes(question(options=flawed)) == [iw.ALL_NONE_OF_THE_ABOVE]
    assert codes(question()) == []


@pytest.mark.parametrize(
    ("stem", "flagged"),
    [
        ("<p>Which of these is NOT where hemifacial spasm begins?</p>", True),
        ("<p>Where does hemifacial spasm never begin?</p>", True),
        ("<p>The spasm starts in every muscle EXCEPT one. Which?</p>", True),
        ("<p>Which of these is <b>not</b> where hemifacial spasm begins?</p>", False),
        ("<p>Which of these is <strong>NOT</strong> where it begins?</p>", False),
        ("<p>Which of these is **not** where it begins?</p>", False),
        # A negative in the story, not in the question asked.
        ("<p>She has not seen a doctor.</p><p>Where does the spasm usually begin?</p>", False),
        # A note after the task, and a negative in the task itself.
        ("<p>Match each muscle with its finding. Two findings are not needed.</p>", False),
        ("<p>Match each muscle with a finding it does not show.</p>", True),
        (STEM, False),
    ],
)
def test_unbolded_negative_in_the_lead_in(tree, stem, flagged):
    found = iw.UNBOLDED_NEGATIVE in codes(question(stem=stem))
    assert found is flagged


def test_an_essay_task_may_name_what_a_case_cannot_show(tree):
    stem = "<p>Write what the case can and cannot show.</p>"
    assert codes(question("essay", stem=stem)) == []


def test_matching_without_spare_answers_is_flagged(tree):
    pairs = [("Prone", False, "", "Neck and back"), ("Supine", False, "", "Face")]
    assert codes(question("matching", options=pairs)) == [iw.MATCHING_NO_SPARE]
    spare = [*pairs, ("", False, "", "Upper limb")]
    assert codes(question("matching", options=spare)) == []


def test_a_vignette_on_a_recall_question_is_window_dressing(tree):
    story = (
        "<p>A 52-year-old woman has had twitching of her right eye for two years.</p>"
        "<p>Where on the face does hemifacial spasm usually begin?</p>"
    )
    assert codes(question(stem=story, level="recall")) == [iw.RECALL_VIGNETTE]
    assert codes(question(stem=story, level="application")) == []
    you_are = "<p>You are about to palpate. Where does the spasm usually begin?</p>"
    assert codes(question(stem=you_are)) == [iw.RECALL_VIGNETTE]
    # Naming the published case's patient is not a story.
    plain = "<p>In the published case, where did the patient's spasm begin?</p>"
    assert codes(question(stem=plain)) == []


def test_clang_flags_a_stem_word_only_the_key_repeats(tree):
    stem = "<p>Where on the face does the twitching of hemifacial spasm first appear?</p>"
    flawed = [
        ("Eyelid twitching", True, "Right."),
        ("Corner of the mouth", False, "Later."),
        ("Chin and neck", False, "Later."),
        ("Forehead only", False, "No."),
    ]
    findings = iw.check_question(question(stem=stem, options=flawed))
    assert [f.code for f in findings] == [iw.CLANG]
    assert "twitching" in findings[0].message
    assert codes(question(stem=stem, options=OPTIONS)) == []
    # A key copying a run of words from the stem is a clang too.
    copied = (
        "<p>Her twitching is mostly on one side of the face.</p>"
        "<p>Which feature separates the two conditions?</p>"
    )
    run = [
        ("It is mostly on one side", True, "Right."),
        ("It is worse with stress", False, "Both."),
        ("It eases with rest", False, "Both."),
    ]
    assert iw.CLANG in codes(question(stem=copied, options=run, level="application"))


def test_clang_ignores_a_word_every_option_echoes(tree):
    stem = "<p>Which finding in the twitching face points to hemifacial spasm?</p>"
    echoed = [
        ("Twitching on one side", True, "Right."),
        ("Twitching on both sides", False, "Blepharospasm."),
        ("Twitching only in light", False, "A trigger."),
    ]
    assert iw.CLANG not in codes(question(stem=stem, options=echoed))


def test_an_option_without_feedback_is_flagged(tree):
    flawed = [*OPTIONS[:3], ("The forehead", False, "")]
    findings = iw.check_question(question(options=flawed))
    assert [f.code for f in findings] == [iw.MISSING_FEEDBACK]
    assert "The forehead" in findings[0].message
    assert codes(question()) == []


def test_a_question_without_an_objective_is_flagged(tree):
    assert codes(question(objective=False)) == [iw.MISSING_OBJECTIVE]
    assert codes(question(objective=True)) == []


def test_every_code_is_named_and_stable():
    assert set(iw.CODES) == {
        "key-longest",
        "key-only-hedged",
        "all-none-of-the-above",
        "unbolded-negative",
        "matching-no-spare",
        "recall-vignette",
        "clang",
        "missing-feedback",
        "missing-objective",
    }


def test_the_checks_read_an_item_without_a_database():
    item = iw.Item(
        key="k",
        title="Depth limit on the cheek",
        kind="single_choice",
        level="decision",
        stem="A patient asks you to go deeper. What do you do?",
        options=(
            iw.Option("Keep under 10 mm and explain why", True, "Right."),
            iw.Option("Go deeper", False, "No."),
        ),
        objectives=(iw.Objective("keep-depth"),),
    )
    assert [f.code for f in iw.check_item(item)] == [iw.KEY_LONGEST]
    assert iw.lead_in("One. Two? Three.") == "Two?"
    assert iw.visible_text("<p>a</p><p>b &amp; c</p>") == "a b & c"


# --- the bank -------------------------------------------------------------------------------


def item(key: str, level: str = "recall", stem: str = "", answer: str = "", **kw) -> iw.Item:
    return iw.Item(
        key=key,
        title=kw.pop("title", "Question on a topic"),
        kind="single_choice",
        level=level,
        stem=stem or f"Stem about {key}?",
        options=(iw.Option(answer or "An answer", True, "Why."), iw.Option("x", False, "y")),
        **kw,
    )


def test_summary_counts_levels_objectives_and_critical_safety_questions():
    depth = iw.Objective("keep-depth", "Keep insertion shallow, generally under 10 mm.")
    vessels = iw.Objective("avoid-vessels-nerves", "Keep clear of vessels and nerves.")
    screen = iw.Objective("screen-secondary", "Screen for secondary HFS and refer when needed.")
    other = iw.Objective("tcm-patterns", "Describe the four patterns.")
    items = [
        item("a", "recall", objectives=(other,)),
        item("b", "application", objectives=(depth,), critical=True),
        item("c", "decision", objectives=(screen,), critical=True),
        item("d", "decision", objectives=(vessels, other)),
    ]
    summary = iw.summarise(items, objectives=[iw.Objective("unused", "Recall a thing.")])
    assert summary.levels == {"recall": 1, "application": 1, "decision": 2}
    assert summary.applied == 3 and summary.applied_share == 0.75
    assert summary.per_objective == {
        "unused": 0,
        "tcm-patterns": 2,
        "keep-depth": 1,
        "screen-secondary": 1,
        "avoid-vessels-nerves": 1,
    }
    topics = summary.critical_per_safety_topic
    assert topics["depth"] == {"keep-depth": 1}
    assert topics["screening"] == {"screen-secondary": 1}
    assert topics["referral"] == {"screen-secondary": 1}, "its text says 'refer'"
    assert topics["vessels and nerves"] == {"avoid-vessels-nerves": 0}
    assert summary.uncovered_safety() == ["vessels and nerves"]


def test_near_duplicates_pair_questions_that_ask_the_same_fact():
    stem = "In the published case, what was the general upper limit of insertion depth in mm?"
    items = [
        item("d1", title="Depth limit in the case", stem=stem, answer="Generally under ten mm"),
        item("d2", title="Upper limit of insertion", stem=stem[25:], answer="Under ten"),
        item("d3", title="Keeping within the limit", stem="Which depth limit did it keep to?"),
        item("o1", title="Blade orientation on the cheek", stem="How is the blade held?"),
        item("o2", title="Blade orientation on the cheek", stem="Which way does the edge point?"),
    ]
    pairs = iw.near_duplicates(items)
    assert [(p.first, p.second, p.reason) for p in pairs] == [
        ("d1", "d2", "stem and answer overlap"),
        ("o1", "o2", "same title"),
    ]
    chain = [iw.DuplicatePair("a", "b", 1, ""), iw.DuplicatePair("b", "c", 1, "")]
    assert iw.duplicate_groups([*chain, iw.DuplicatePair("x", "y", 1, "")]) == [
        ["a", "b", "c"],
        ["x", "y"],
    ]


# --- the command ----------------------------------------------------------------------------


def run(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("check_items", *args, stdout=out)
    return out.getvalue()


def test_the_command_prints_findings_and_the_summary(tree):
    flawed = question(key="flawed-q", title="Where the spasm starts", objective=False)
    clean = question(key="clean-q", level="decision", stem="<p>What next?</p>")
    make_quiz(tree.module, [flawed, clean])
    out = run()
    assert "Item-writing checks: 2 question(s) in the whole question bank" in out
    assert "flawed-q  Where the spasm starts  [single_choice, recall]" in out
    assert "  - missing-objective: The question names no learning objective" in out
    assert "clean-q" not in out.split("Findings by code")[0], "clean questions are not listed"
    assert "1 of 2 question(s) have at least one finding." in out
    assert re.search(r"\n  missing-objective +1  no learning objective\n", out)
    assert "Levels: recall 1 (50%)   application 0 (0%)   decision 1 (50%)" in out
    assert "Application + decision: 1 of 2 (50%; below the aim of 60%)" in out
    assert "Near duplicates (score >= 0.38): 0 pair(s)" in out


def test_strict_exits_1_on_any_finding_and_0_on_a_clean_bank(tree):
    clean = question(key="clean-q")
    make_quiz(tree.module, [clean])
    assert "No question has a finding." in run("--strict")
    question(key="flawed-q", objective=False)
    with pytest.raises(CommandError, match="1 question\\(s\\) with findings") as raised:
        run("--strict")
    assert raised.value.returncode == 1
    assert "flawed-q" in run(), "without --strict the same findings exit 0"


def test_the_command_filters_by_course_and_quiz(tree):
    asked = question(key="asked-q", objective=False)
    question(key="elsewhere-q", objective=False)
    quiz = make_quiz(tree.module, [asked], slug="depth-quiz")
    for args in (
        ["--course", tree.course.slug],
        ["--quiz", "depth-quiz"],
        ["--quiz", str(quiz.pk)],
    ):
        out = run(*args)
        assert "asked-q" in out and "elsewhere-q" not in out, args
    assert "1 question(s) in quiz" in run("--quiz", f"{tree.module.slug}/depth-quiz")
    with pytest.raises(CommandError, match="No course"):
        run("--course", "no-such-course")
    with pytest.raises(CommandError, match="No quiz"):
        run("--quiz", "no-such-quiz")


# --- the question editor ---------------------------------------------------------------------

EDIT = "/admin/snippets/quizzes/question/edit/{}/"


def test_the_editor_lists_the_saved_questions_findings(client, admin_user, tree):
    client.force_login(admin_user)
    flawed = question(
        options=[("The eyelid, in the orbicularis oculi", True, "Yes."), *OPTIONS[1:]]
    )
    html = client.get(EDIT.format(flawed.pk)).content.decode()
    assert "Item-writing checks" in html
    assert "1 item-writing finding for the saved question" in html
    assert "<code>key-longest</code>" in html and "The key is the longest option" in html
    clean = question()
    html = client.get(EDIT.format(clean.pk)).content.decode()
    assert "No item-writing findings for the saved question." in html
    html = client.get("/admin/snippets/quizzes/question/add/").content.decode()
    assert "save it to see them" in html


def test_findings_never_block_a_save(client, admin_user, tree):
    client.force_login(admin_user)
    options = inline_formset(
        [
            {
                "text": "Under 10 mm, within the superficial muscle",
                "is_correct": True,
                "feedback": "Right.",
                "match": "",
            },
            {"text": "25 mm", "is_correct": False, "feedback": "Needle length.", "match": ""},
        ]
    )
    response = client.post(
        "/admin/snippets/quizzes/question/add/",
        question_form(options=options) | {"action-publish": "1"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = Question.objects.get(key="depth-limit")
    assert saved.live and iw.KEY_LONGEST in codes(saved)
    html = client.get(EDIT.format(saved.pk)).content.decode()
    assert "<code>key-longest</code>" in html


def test_the_question_listing_runs_the_same_queries_however_many_questions(
    client, admin_user, tree
):
    client.force_login(admin_user)
    category = question().category

    def listing_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/admin/snippets/quizzes/question/")
        assert response.status_code == 200
        assert "Item-writing checks" not in response.content.decode()
        return len(queries)

    question(category=category)
    few = listing_queries()
    for _ in range(4):
        question(category=category)
    assert listing_queries() == few


# --- the curriculum ---------------------------------------------------------------------------


def curriculum_items() -> list[iw.Item]:
    questions = Question.objects.prefetch_related("options", "objectives").order_by("key")
    return [iw.item_from_question(q) for q in questions]


def test_the_command_runs_on_the_curriculum_and_its_case_stages(curriculum):
    out = run("--quiz", "hfs-mini-ren-snan-2018")
    from quizzes.models import QuizPage

    quiz = QuizPage.objects.get(slug="hfs-mini-ren-snan-2018")
    staged = quiz.fixed_questions.exclude(stage=None).count()
    assert staged and f"Item-writing checks: {quiz.fixed_questions.count()} question(s)" in out
    assert "Critical questions per safety topic" in run("--course", "hemifacial-spasm")


def test_no_curriculum_question_has_an_item_writing_finding(curriculum):
    flawed = {
        i.key: [f"{f.code}: {f.message}" for f in iw.check_item(i)] for i in curriculum_items()
    }
    flawed = {key: found for key, found in flawed.items() if found}
    assert not flawed, flawed


def test_most_curriculum_questions_ask_for_application_or_a_decision(curriculum):
    summary = iw.summarise(curriculum_items())
    assert summary.applied_share >= iw.APPLIED_SHARE_TARGET, summary.levels


def test_every_safety_objective_has_a_critical_question(curriculum):
    from courses.models import LearningObjective

    objectives = [iw.Objective(o.key, o.text) for o in LearningObjective.objects.all()]
    summary = iw.summarise(curriculum_items(), objectives)
    topics = summary.critical_per_safety_topic
    assert all(topics.values()), f"a safety topic with no objective: {topics}"
    assert not summary.uncovered_safety(), topics


def test_no_two_curriculum_questions_are_near_duplicates(curriculum):
    pairs = iw.near_duplicates(curriculum_items())
    assert not pairs, [(p.first, p.second, p.score) for p in pairs]
