"""A learner's competencies: evidence from quizzes and signed assessments, and what is met."""

import pytest

from certification.competencies import competency_records
from tests.certification.conftest import assess, make_checklist
from tests.factories import CompetencyFactory, make_question, make_quiz, take_quiz
from tests.html_safety import executable_bits

pytestmark = pytest.mark.django_db


def record(user, code):
    return next(r for r in competency_records(user) if r.competency.code == code)


def test_knowledge_is_met_by_a_passed_quiz_covering_it(trainee, tree):
    knowledge = CompetencyFactory(code="K-1", domain="knowledge")
    quiz = make_quiz(tree.module, [make_question(competency=knowledge)])
    take_quiz(trainee, quiz, right=False)
    assert not record(trainee, "K-1").met
    take_quiz(trainee, quiz, right=True)
    met = record(trainee, "K-1")
    assert met.met and met.evidence[0].kind == "quiz"


def test_safety_needs_an_observed_passed_assessment_not_just_a_quiz(trainee, tree, assessor):
    checklist = make_checklist("needle", safety=True)
    safety = checklist.items.get(must_pass=True).competency
    quiz = make_quiz(tree.module, [make_question(competency=safety)])
    take_quiz(trainee, quiz, right=True)
    quizzed = record(trainee, safety.code)
    assert quizzed.evidence and not quizzed.met
    assess(trainee, assessor, checklist, passed=False)
    assert not record(trainee, safety.code).met
    assess(trainee, assessor, checklist, passed=True)
    assert record(trainee, safety.code).met


def test_the_page_shows_my_competencies_and_sanitized_assessor_comments(
    client, trainee, assessor, corpora
):
    checklist = make_checklist("palp", safety=False)
    payloads = (
        (corpora / "xss_patt" / "XSS_Polyglots.txt").read_text(errors="replace").splitlines()[:20]
    )
    assess(trainee, assessor, checklist, comments="<b>Steady</b> " + " ".join(payloads))
    client.force_login(trainee)
    html = client.get("/learn/competencies/").content.decode()
    assert "My competencies" in html and "palp-S" in html
    assert "<b>Steady</b>" in html
    main = html[html.index("<main") : html.index("</main>")]
    assert executable_bits(main) == []
