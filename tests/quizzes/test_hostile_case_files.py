"""A shared case file carrying script: stored, taken, graded and edited with nothing able to run.

The case is first imported harmless and taken once; the same file then comes back carrying the
whole XSS payload corpus. Admin pages are compared with the same views of the harmless case,
since the admin's own pages hold scripts and icons of their own.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pytest
from django.test import Client
from wagtail.admin.rich_text.converters.contentstate import ContentstateConverter

from core.blocks import INLINE_FEATURES, RICH_TEXT_FEATURES
from quizzes.models import Attempt, ClinicalCase, Question, QuizPage, Response
from tests.factories import CompetencyFactory, make_question, make_quiz, take_quiz
from tests.html_safety import executable_bits
from tests.quizzes.case_files import RICH_FIELDS, case_toml, import_case
from tests.quizzes.conftest import attempt_url, correct_fields

pytestmark = pytest.mark.django_db

KEY = "shared-case"
PLAIN_PAYLOAD = ' <script>alert("plain")</script><img src=x onerror=alert(1)>'
ESSAY_ANSWER = "It spread along the facial nerve. <script>alert('learner')</script>"


def marker(name: str) -> str:
    return f"Marker-{name}"


def harmless(name: str) -> str:
    return f"{marker(name)} with **bold** text."


def payloads(corpora) -> list[str]:
    return (
        (corpora / "payloadbox_xss-payload-list.txt")
        .read_text(encoding="utf-8", errors="replace")
        .split("\n")
    )


def main_of(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


def injected(page: str, baseline: str) -> list[str]:
    """What could run in `page` beyond what the same admin view shows for the harmless case."""
    return sorted((Counter(executable_bits(page)) - Counter(executable_bits(baseline))).elements())


@dataclass
class Taken:
    pages: dict[str, str] = field(default_factory=dict)
    essay: Response | None = None


def take_case(client: Client, trainee, quiz: QuizPage) -> Taken:
    """The trainee starts the case quiz, commits stage 1, writes the essay and submits."""
    taken = Taken()
    client.force_login(trainee)
    taken.pages["intro"] = client.get(quiz.url)
    client.post(f"{quiz.url}start/")
    attempt = Attempt.objects.filter(user=trainee, quiz=quiz).latest("number")
    taken.pages["stage 1"] = client.get(attempt_url(quiz, attempt))
    first = attempt.responses.get(stage=1)
    client.post(f"{quiz.url}attempt/{attempt.pk}/advance/", {"stage": "1", **correct_fields(first)})
    taken.pages["stage 2"] = client.get(attempt_url(quiz, attempt))
    taken.essay = attempt.responses.get(stage=2)
    name = f"q{taken.essay.position}"
    client.post(attempt_url(quiz, attempt, "submit"), {f"{name}-shown": "1", name: ESSAY_ANSWER})
    taken.pages["result"] = client.get(attempt_url(quiz, attempt, "result"))
    for label, response in taken.pages.items():
        assert response.status_code == 200, label
    taken.pages = {label: r.content.decode() for label, r in taken.pages.items()}
    return taken


@dataclass
class SharedCase:
    case: ClinicalCase
    quiz: QuizPage
    harmless_revision: int
    taken: Taken
    baseline: dict[str, str]
    urls: dict[str, str]


def admin_pages(client: Client, admin_user, urls: dict[str, str]) -> dict[str, str]:
    client.force_login(admin_user)
    pages = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, name
        pages[name] = response.content.decode()
    return pages


@pytest.fixture
def shared_case(client, tmp_path, corpora, tree, trainee, admin_user) -> SharedCase:
    CompetencyFactory(code="HFS-K1")
    path = tmp_path / "shared.case.toml"
    import_case(path, case_toml(KEY, harmless), tree.module)
    case = ClinicalCase.objects.get(key=KEY)
    quiz = QuizPage.objects.get(slug=KEY)
    first = take_case(client, trainee, quiz)
    revision = case.latest_revision.pk
    history = f"/admin/snippets/quizzes/clinicalcase/history/{case.pk}/revisions"
    urls = {
        "case editor": f"/admin/snippets/quizzes/clinicalcase/edit/{case.pk}/",
        "comparison": f"{history}/compare/{revision}...{revision}/",
        "essay grading": f"/admin/essay-grading/{first.essay.pk}/",
    }
    baseline = admin_pages(client, admin_user, urls)

    lines = payloads(corpora)
    share = {name: lines[i :: len(RICH_FIELDS)] for i, name in enumerate(RICH_FIELDS)}
    import_case(
        path,
        case_toml(
            KEY,
            rich=lambda name: "\n\n".join([marker(name), *share[name]]),
            plain=lambda text: text + PLAIN_PAYLOAD,
            findings=[line.strip() for line in lines[:300] if line.strip()],
        ),
        tree.module,
    )
    case.refresh_from_db()
    quiz.refresh_from_db()
    return SharedCase(case, quiz, revision, take_case(client, trainee, quiz), baseline, urls)


def test_rich_text_from_a_hostile_case_file_is_stored_clean_and_editable(shared_case):
    case, quiz = shared_case.case, shared_case.quiz
    stored = [case.summary, quiz.intro, *(stage.narrative for stage in case.stages.all())]
    for question in Question.objects.filter(key__startswith=KEY):
        stored += [question.stem, question.explanation, question.model_answer]
    assert any(marker("narrative-1") in html for html in stored)
    editors = [ContentstateConverter(RICH_TEXT_FEATURES), ContentstateConverter(INLINE_FEATURES)]
    for html in stored:
        assert executable_bits(html) == []
        for editor in editors:
            editor.from_database_format(html)


def test_a_trainee_taking_a_hostile_case_sees_its_text_and_nothing_executable(shared_case):
    pages = shared_case.taken.pages
    for label, html in pages.items():
        assert executable_bits(main_of(html)) == [], label
    assert marker("summary") in pages["intro"] and marker("intro") in pages["intro"]
    assert marker("narrative-1") in pages["stage 1"] and marker("stem-1") in pages["stage 1"]
    assert marker("narrative-2") in pages["stage 2"] and marker("stem-2") in pages["stage 2"]
    assert marker("explanation-1") in pages["result"]
    assert "alert(&quot;plain&quot;)" in pages["stage 1"], "plain text is shown escaped"


def test_admin_views_of_a_hostile_case_open_and_show_nothing_executable(
    client, shared_case, admin_user
):
    case, history = shared_case.case, "/admin/snippets/quizzes/clinicalcase/history"
    latest = case.latest_revision.pk
    urls = {
        "case editor": shared_case.urls["case editor"],
        "comparison": f"{history}/{case.pk}/revisions/compare/{shared_case.harmless_revision}...{latest}/",
        "essay grading": f"/admin/essay-grading/{shared_case.taken.essay.pk}/",
    }
    pages = admin_pages(client, admin_user, urls)
    for name, html in pages.items():
        assert injected(html, shared_case.baseline[name]) == [], name
    assert marker("narrative-1") in pages["comparison"]
    grading = pages["essay grading"]
    assert marker("stem-2") in grading and marker("model-answer-2") in grading
    assert "alert(&#x27;learner&#x27;)" in grading, "the trainee's answer is shown escaped"

    revision = client.get(f"{history}/{case.pk}/revisions/{latest}/view/")
    assert revision.status_code == 200
    assert executable_bits(main_of(revision.content.decode())) == []
    for question in Question.objects.filter(key__startswith=KEY):
        editor = client.get(f"/admin/snippets/quizzes/question/edit/{question.pk}/")
        assert editor.status_code == 200, question.key
    assert client.get(f"/admin/pages/{shared_case.quiz.pk}/edit/").status_code == 200


def test_hostile_html_stored_by_other_paths_renders_inert(
    client, corpora, tree, trainee, admin_user
):
    """Rich text not written by the editor nor the importer (a direct write, an attempt
    snapshot taken from it) is still cleaned when quiz pages and the grading page show it."""
    raw = "".join(payloads(corpora)[:500])
    questions = [make_question("single_choice"), make_question("essay")]
    Question.objects.filter(pk__in=[q.pk for q in questions]).update(
        stem=marker("stem") + raw, explanation=raw, model_answer=raw
    )
    quiz = make_quiz(tree.module, questions, intro=marker("intro") + raw)
    attempt = take_quiz(trainee, quiz, right=True)
    client.force_login(trainee)
    pages = [client.get(quiz.url), client.get(attempt_url(quiz, attempt, "result"))]
    client.post(f"{quiz.url}start/")
    pages.append(client.get(attempt_url(quiz, Attempt.objects.latest("pk"))))
    for response in pages:
        assert response.status_code == 200
        assert executable_bits(main_of(response.content.decode())) == []
    assert marker("intro") in pages[0].content.decode()
    assert marker("stem") in pages[2].content.decode()

    client.force_login(admin_user)
    essay = attempt.responses.get(question_snapshot__type="essay")
    grading = client.get(f"/admin/essay-grading/{essay.pk}/").content.decode()
    assert marker("stem") in grading
    assert executable_bits(grading[grading.index(marker("stem")) : grading.index("</form>")]) == []
