"""`python manage.py check_items`: item-writing findings per question and a summary of the bank.

    check_items [--course SLUG | --quiz SLUG|ID|MODULE/SLUG] [--strict]

Without a filter it reads every question in the bank; `--course` the questions a course's
quizzes ask (fixed questions, case-stage questions and the live questions of random-draw
categories), `--quiz` one quiz's (its slug; its page id or MODULE/SLUG when slugs repeat). It prints each question
with findings, then the findings by code, the count per cognitive level, the questions per
learning objective, the critical questions per safety topic and the near-duplicate pairs. The
checks are quizzes.item_writing's (docs/item-writing.md). `--strict` exits with status 1 when
any question has a finding or any pair is a near duplicate.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet

from courses.models import CoursePage, LearningObjective, ModulePage
from quizzes.item_writing import (
    APPLIED_SHARE_TARGET,
    CODES,
    DUPLICATE_THRESHOLD,
    BankSummary,
    Finding,
    Item,
    Objective,
    check_item,
    duplicate_groups,
    item_from_question,
    summarise,
)
from quizzes.management.lookups import quiz_from_argument
from quizzes.models import Question, QuizPage, asked_by


def _quiz_page(value: str) -> QuizPage:
    """A quiz by slug or page id, or by the end of its path ("needle-safety/quiz")."""
    if "/" in value.strip("/"):
        matches = list(QuizPage.objects.filter(url_path__endswith=f"/{value.strip('/')}/")[:2])
        if len(matches) == 1:
            return matches[0]
    return quiz_from_argument(value)


def _course(value: str) -> CoursePage:
    course = CoursePage.objects.filter(slug=value).first()
    if course is None and value.isdigit():
        course = CoursePage.objects.filter(pk=int(value)).first()
    if course is None:
        raise CommandError(f"No course with the slug “{value[:80]}”.")
    return course


def scope(course: str | None, quiz: str | None) -> tuple[str, QuerySet[Question], list[Objective]]:
    """What to check: a label, the questions, and the objectives they are measured against."""
    questions = Question.objects.all()
    objectives = LearningObjective.objects.all()
    if quiz:
        page = _quiz_page(quiz)
        label = f"quiz “{page.title}” ({page.url_path})"
        questions = questions.filter(asked_by(QuizPage.objects.filter(pk=page.pk)))
        objectives = objectives.filter(questions__in=questions)
    elif course:
        page = _course(course)
        label = f"course “{page.title}”"
        questions = questions.filter(asked_by(QuizPage.objects.descendant_of(page)))
        modules = ModulePage.objects.descendant_of(page).values("pk")
        objectives = objectives.filter(page_id__in=modules)
    else:
        label = "the whole question bank"
    questions = questions.distinct().order_by("key").prefetch_related("options", "objectives")
    listed = [
        Objective(o.key, o.text) for o in objectives.distinct().order_by("page__path", "sort_order")
    ]
    return label, questions, listed


class Command(BaseCommand):
    help = "Item-writing checks (NBME practice) per question, and a summary of the bank."

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--course", metavar="SLUG", help="a course page's slug (or page id)")
        which.add_argument(
            "--quiz",
            metavar="SLUG",
            help='a quiz page\'s slug, page id, or MODULE/SLUG (e.g. "needle-safety/quiz")',
        )
        parser.add_argument(
            "--strict",
            action="store_true",
            help="exit with status 1 when any question has a finding or two are near duplicates",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        label, questions, objectives = scope(options["course"], options["quiz"])
        items = [item_from_question(q) for q in questions]
        findings = {item.key: check_item(item) for item in items}
        summary = summarise(items, objectives, findings)
        self._questions(label, items, findings)
        self._summary(summary)
        flawed = summary.flawed or summary.duplicates
        if options["strict"] and flawed:
            raise CommandError(
                f"--strict: {summary.flawed} question(s) with findings, "
                f"{len(summary.duplicates)} near-duplicate pair(s).",
                returncode=1,
            )

    def _questions(self, label: str, items: list[Item], findings: dict[str, list[Finding]]) -> None:
        write = self.stdout.write
        write(f"Item-writing checks: {len(items)} question(s) in {label}")
        write("")
        for item in items:
            found = findings[item.key]
            if not found:
                continue
            write(f"{item.key}  {item.title}  [{item.kind}, {item.level}]")
            for finding in found:
                write(f"  - {finding.code}: {finding.message}")
        flawed = sum(bool(f) for f in findings.values())
        write("" if flawed else "No question has a finding.")
        if flawed:
            write(f"{flawed} of {len(items)} question(s) have at least one finding.")

    def _summary(self, summary: BankSummary) -> None:
        write = self.stdout.write
        write("")
        write("Findings by code")
        for code, meaning in CODES.items():
            write(f"  {code:<24} {summary.findings.get(code, 0):>4}  {meaning}")
        write("")
        total = summary.total or 1
        levels = "   ".join(
            f"{level} {count} ({count / total:.0%})" for level, count in summary.levels.items()
        )
        write(f"Levels: {levels}")
        aim = "meets" if summary.applied_share >= APPLIED_SHARE_TARGET else "below"
        write(
            f"Application + decision: {summary.applied} of {summary.total} "
            f"({summary.applied_share:.0%}; {aim} the aim of {APPLIED_SHARE_TARGET:.0%})"
        )
        write("")
        write("Questions per objective")
        for key, count in summary.per_objective.items():
            write(f"  {key:<32} {count:>3}{'  <- no question' if not count else ''}")
        write("")
        write("Critical questions per safety topic (objective: critical questions)")
        for topic, counts in summary.critical_per_safety_topic.items():
            listed = ", ".join(f"{key}: {n}" for key, n in counts.items()) or "no objective"
            gap = "  <- gap" if topic in summary.uncovered_safety() else ""
            write(f"  {topic:<20} {listed}{gap}")
        write("")
        groups = duplicate_groups(summary.duplicates)
        write(
            f"Near duplicates (score >= {DUPLICATE_THRESHOLD}): {len(summary.duplicates)} "
            f"pair(s) in {len(groups)} group(s), {sum(len(g) for g in groups)} question(s)"
        )
        for pair in summary.duplicates:
            write(f"  {pair.score:.2f}  {pair.first}  ~  {pair.second}  ({pair.reason})")
