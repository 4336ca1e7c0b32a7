"""Demo accounts and learner history for `load_demo` (dev and test settings only).

The staff roles first (setup_roles), then the demo users, their history in the course
(lessons, quizzes, graded essays) and the demo clinics (certification.demo).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from academy.roles import setup_roles
from accounts.demo import TRAINEES, demo_user
from accounts.models import Notification, User
from accounts.notifications import mark_read, notify
from certification.demo import load_clinic_demo
from certification.request_demo import load_request_demo
from core.indexing import indexed_once
from core.roles import ASSESSORS, INSTRUCTORS, REVIEWERS
from courses.evaluation import batched_evaluations
from courses.models import CoursePage, Enrollment
from courses.progress import course_progress
from courses.services import complete_lesson, enrol
from quizzes.demo import load_cohort_attempts
from quizzes.model_answers import take_quiz
from quizzes.models import QuizOverride, QuizPage
from quizzes.overrides import CreateOverrideAction
from quizzes.services import grade_essay

CLINIC_MANAGERS = "Clinic managers"
DEMO_COURSE = "hemifacial-spasm"

# username, role shown to the person running the demo, groups, superuser
DEMO_USERS = [
    ("admin", "administrator (everything)", [], True),
    (
        "instructor",
        "instructor: authors content, grades essays, sees progress reports",
        [INSTRUCTORS],
        False,
    ),
    ("reviewer", "clinical reviewer: approves content", [REVIEWERS], False),
    (
        "manager",
        "clinic manager: Riverside clinic dashboard at /clinics/riverside/",
        [CLINIC_MANAGERS],
        False,
    ),
    (
        "manager2",
        "clinic manager of another clinic (Harbour): cannot see Riverside",
        [CLINIC_MANAGERS],
        False,
    ),
    ("trainee", "trainee: part-way through the HFS course", [TRAINEES], False),
    (
        "assessor",
        "assessor: observes and signs skills at /assess/ (a request from trainee waits)",
        [ASSESSORS],
        False,
    ),
    ("assessor2", "second assessor: countersigns safety items at /assess/", [ASSESSORS], False),
]
NAMES = {
    "admin": ("Alex", "Admin"),
    "instructor": ("Irene", "Instructor"),
    "reviewer": ("Ravi", "Reviewer"),
    "manager": ("Maya", "Manager"),
    "manager2": ("Mateo", "Harbour"),
    "trainee": ("Tom", "Trainee"),
    "assessor": ("Asha", "Assessor"),
    "assessor2": ("Ben", "Second-Assessor"),
}
# More trainees, each at a different point of the course: (username, first, last, plan).
MORE_TRAINEES = [
    ("priya", "Priya", "Patel", "complete"),
    ("sam", "Sam", "Okafor", "module-one"),
    ("lena", "Lena", "Fischer", "essay-waiting"),
    ("kenji", "Kenji", "Sato", "enrolled"),
]


def _learner_history(user: User, plan: str, grader: User) -> None:
    """Enrol `user` and walk them through the course as far as `plan` says (first run only)."""
    course = CoursePage.objects.filter(slug=DEMO_COURSE).first()
    if course is None or Enrollment.objects.filter(user=user, course=course).exists():
        return
    enrol(user, course)
    if plan == "enrolled":
        return
    modules = course_progress(user, course).modules
    for number, module in enumerate(modules, start=1):
        last_module = plan == "module-one" and number == 1
        partial = plan == "part-way" and number == 2
        for step in module.steps:
            if step.kind == "lesson":
                if partial and step.page_id != module.steps[0].page_id:
                    break
                complete_lesson(user, module.module.get_children().get(pk=step.page_id).specific)
            elif not partial:
                quiz = QuizPage.objects.get(pk=step.page_id)
                if plan == "part-way" and number == 1:
                    take_quiz(user, quiz, right=False)  # failed first, then passed
                attempt = take_quiz(user, quiz, right=True)
                waiting = attempt.responses.filter(needs_grading=True)
                if plan != "essay-waiting":
                    for response in waiting:
                        grade_essay(
                            response.pk,
                            grader,
                            response.rubric_scale.total * Decimal("0.8"),
                            "Well reasoned.",
                        )
        if last_module or partial or (plan == "essay-waiting" and number == 2):
            return


@transaction.atomic
@batched_evaluations()
@indexed_once()
def load_demo(password: str) -> dict[str, Any]:
    """Create or refresh the roles, the demo users and, on the first run, their learner
    history and the demo clinics. Each learner is evaluated once, after the commit, not once
    per record written."""
    setup_roles()
    users = {}
    for username, _role, groups, superuser in DEMO_USERS:
        first, last = NAMES[username]
        users[username] = demo_user(username, first, last, password, groups, superuser)
    for username, first, last, _plan in MORE_TRAINEES:
        users[username] = demo_user(username, first, last, password, [TRAINEES])
    _learner_history(users["trainee"], "part-way", users["instructor"])
    for username, _first, _last, plan in MORE_TRAINEES:
        _learner_history(users[username], plan, users["instructor"])
    course = CoursePage.objects.filter(slug=DEMO_COURSE).first()
    if course is not None:  # a simulated cohort's attempts, for the item statistics report
        load_cohort_attempts(list(QuizPage.objects.live().descendant_of(course).order_by("path")))
    load_clinic_demo(users, password)
    load_request_demo(users)
    _demo_accommodation(users["trainee"], users["instructor"])
    _demo_notifications(users["trainee"])
    return users


# (key, kind, message, read): what the demo trainee finds under the bell, the newest unread.
DEMO_NOTIFICATIONS = [
    (
        "demo:assigned",
        "assignment.new",
        "Riverside clinic assigned you a certification programme, due in 90 days.",
        True,
    ),
    (
        "demo:essay-graded",
        "essay.graded",
        "Your essay answer in the first module's quiz was graded. Read the feedback.",
        False,
    ),
]


def _demo_notifications(trainee: User) -> None:
    """A few notifications for the demo trainee (each once: they carry keys; no e-mail).

    A kind the demo's own events already notified the trainee of is not added again."""
    for key, kind, message, read in DEMO_NOTIFICATIONS:
        if Notification.objects.filter(user=trainee, kind=kind).exclude(key=key).exists():
            continue
        notification = notify(trainee, kind, message, url="/learn/", key=key, email=False)
        if notification is not None and read:
            mark_read(trainee, [notification.pk])


def _demo_accommodation(trainee: User, instructor: User) -> None:
    """One accommodation, granted (and audited) as an instructor would: an extra attempt at
    the quiz of the module the demo trainee is working through (first run only)."""
    quiz = QuizPage.objects.filter(url_path__contains="/tcm-patterns/", case__isnull=True).first()
    if quiz is None or QuizOverride.objects.filter(quiz=quiz, user=trainee).exists():
        return
    CreateOverrideAction(
        QuizOverride(
            quiz=quiz,
            user=trainee,
            extra_attempts=1,
            reason="Missed a week of the course through illness (demo).",
        ),
        user=instructor,
    ).execute(skip_permission_checks=True)
