"""What a learner does after a quiz result: continue, try again (and what to revise), or ask.

- **Passed**: the next step of the course as courses.progress orders it — the rest of the
  quiz's module, else the next module, else the course page (the course is done).
- **Not passed, attempts left** (and the quiz still open): how many, and "What to revise": the
  lessons behind the questions missed. A question rests on a passage of a Source; the lesson
  citing that passage is found by `quizzes.passages.passage_links`. A question no lesson cites
  falls back to the module of the learning objectives it assesses.
- **Not passed, none left** (or the quiz closed): says so, and that an instructor can grant
  another attempt (an accommodation, quizzes.overrides).
- **Awaiting grading**: nothing to do but wait.

The review policy: with "score only" the quiz hides which answers were right, so the revision
list names the lessons behind every question asked, not only the missed ones. Naming only the
lessons of missed questions would tell, for a true/false question or a lesson with one question,
which answer was wrong. With the other policies the learner already sees which answers were
wrong, so the list names the missed questions' lessons with their question numbers. No list ever
shows an answer or an explanation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from django.http import HttpRequest
from wagtail.models import Page

from courses.objectives import LearningObjective
from courses.progress import course_progress, url_resolver
from quizzes.grading import misses_critical
from quizzes.models import Attempt, AttemptState, Response, ReviewPolicy
from quizzes.passages import PassageLink, passage_links

Kind = Literal["continue", "done", "retry", "no_attempts", "closed", "pending"]


@dataclass(frozen=True)
class Link:
    label: str
    title: str
    url: str


@dataclass
class Revise:
    """A lesson (or, failing one, a module) to reread, and the questions it is behind."""

    title: str
    url: str
    questions: list[int] = field(default_factory=list)


@dataclass
class NextStep:
    kind: Kind
    link: Link | None = None
    attempts_left: int | None = None  # None: unlimited
    revise: list[Revise] = field(default_factory=list)
    revise_all: bool = False  # the list covers every question (score-only review)
    # The lesson passages found for the questions revised (by position), for the result page's
    # missed critical questions, so they are looked up once.
    links: dict[int, PassageLink] | None = None


def _continue(user, quiz: Page, module: Page | None, course: Page | None) -> NextStep:
    """After a pass: the next step of the course, by the one progress rule (a few queries)."""
    if course is None:
        return NextStep("done")
    progress = course_progress(user, course)
    here = progress.module_for(quiz) if module is not None else None
    if here is not None:
        step = here.next_step
        if step is not None and step.page_id != quiz.pk:
            return NextStep("continue", Link("Continue with", step.title, step.url))
        later = progress.modules[progress.modules.index(here) + 1 :]
        if later:
            following = later[0]
            url = following.module.get_url() or ""
            return NextStep(
                "continue", Link("Continue to the next module", following.module.title, url)
            )
    step = progress.next_step
    if step is not None and step.page_id != quiz.pk:
        return NextStep("continue", Link("Continue with", step.title, step.url))
    return NextStep("done", Link("Back to the course", course.title, course.get_url() or ""))


def revision_list(
    attempt: Attempt,
    responses: list[Response],
    *,
    module: Page | None,
    course: Page | None,
    request: HttpRequest | None = None,
) -> tuple[list[Revise], bool, dict[int, PassageLink]]:
    """The lessons to revise after `attempt`, whether they cover every question asked, and the
    lesson passages found by question position.

    At most three queries (two for the lessons' citations, one for the objectives' modules of
    questions no lesson cites), whatever the number of questions.
    """
    everything = attempt.review_policy == ReviewPolicy.SCORE
    chosen = [r for r in responses if everything or misses_critical(r.score, r.max_score)]
    if not chosen:
        return [], everything, {}
    links = passage_links(
        {r.position: r.question_snapshot["source"] for r in chosen},
        module=module,
        course=course,
        request=request,
    )
    found: dict[str, Revise] = {}
    for response in chosen:
        link = links.get(response.position)
        if link is not None:
            page_url = link.url.split("#", 1)[0]
            entry = found.setdefault(page_url, Revise(link.title, link.url))
            entry.questions.append(response.position)
    uncited = {r.question_id: r.position for r in chosen if r.position not in links}
    if uncited:
        objectives = (
            LearningObjective.objects.filter(questions__in=list(uncited), page__live=True)
            .values_list("questions", "page__title", "page__url_path")
            .order_by("page__path", "sort_order")
        )
        url_for = url_resolver()
        for question_id, title, url_path in objectives:
            url = url_for(url_path)
            if not url:
                continue
            entry = found.setdefault(url, Revise(title, url))
            position = uncited[question_id]
            if position not in entry.questions:
                entry.questions.append(position)
    for entry in found.values():
        entry.questions.sort()
    if everything:
        for entry in found.values():
            entry.questions = []
    return list(found.values()), everything, links


def next_step(
    request: HttpRequest,
    quiz: Page,
    attempt: Attempt,
    responses: list[Response],
    *,
    module: Page | None,
    course: Page | None,
    attempts_left: int | None,
    closed: bool,
) -> NextStep:
    """What the result page offers next for the signed-in learner's finished `attempt`."""
    if attempt.state == AttemptState.AWAITING_GRADING:
        return NextStep("pending", attempts_left=attempts_left)
    if attempt.passed:
        return _continue(request.user, quiz, module, course)
    revise, everything, links = revision_list(
        attempt, responses, module=module, course=course, request=request
    )
    kind: Kind = "closed" if closed else "no_attempts" if attempts_left == 0 else "retry"
    left = 0 if closed else attempts_left
    return NextStep(kind, attempts_left=left, revise=revise, revise_all=everything, links=links)
