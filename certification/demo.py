"""Demo clinic: a manager and a dozen staff at every certification status (load_demo only).

Evidence is made through the same services the site uses, each step dated as it would have
happened: a staff member enrols, works through the course in order (a module opens only when
the one before is complete), is observed, and is certified; an expiring certificate was issued
23 months ago, so the course behind it was taken before that.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from certification import services
from certification.models import (
    Clinic,
    ClinicMembership,
    ClinicRole,
    ItemResult,
    Programme,
    ProgrammeAssignment,
    SkillChecklist,
)

CLINIC = ("riverside", "Riverside Integrative Clinic")
OTHER_CLINIC = ("harbour", "Harbour Acupuncture")
PROGRAMME = "hfs-mini-blade-practitioner"
MONTH = timedelta(days=30)
# How long the demo's certified staff took over the course, ending a few days before their
# observed assessments.
COURSE_TIME = timedelta(weeks=10)
OBSERVED_BEFORE_ISSUE = timedelta(days=2)

# username, first, last, plan, due in days (negative: overdue)
STAFF = [
    ("amara", "Amara", "Osei", "certified", 60),
    ("ben", "Ben", "Hughes", "certified-earlier", 60),
    ("chen", "Chen", "Wei", "expiring", 60),
    ("dina", "Dina", "Haddad", "expiring-soon", 60),
    ("eli", "Eli", "Novak", "expired", 90),
    ("farah", "Farah", "Khan", "renewed", 60),
    ("gus", "Gus", "Lindqvist", "revoked", 90),
    ("hana", "Hana", "Mori", "progress-high", 45),
    ("ivan", "Ivan", "Petrov", "progress-low", 45),
    ("jade", "Jade", "Morgan", "overdue-progress", -14),
    ("kofi", "Kofi", "Mensah", "overdue-none", -30),
    ("lucia", "Lucia", "Romero", "not-started", 120),
]
# Staff still learning: the share of the course's steps done, and how long ago the clinic
# assigned the programme (and so enrolled them).
LEARNING = {
    "progress-high": (0.7, timedelta(weeks=6)),
    "progress-low": (0.25, timedelta(weeks=3)),
    "overdue-progress": (0.25, timedelta(weeks=10)),
    "overdue-none": (0.0, timedelta(weeks=12)),
    "not-started": (0.0, timedelta(0)),
}


def certificate_dates(plan: str, now: datetime, validity: timedelta) -> list[datetime]:
    """When each of a plan's certificates was issued, oldest first (none for staff learning)."""
    return {
        "certified": [now - timedelta(days=3)],
        "certified-earlier": [now - 8 * MONTH],
        "expiring": [now - validity + timedelta(days=40)],
        "expiring-soon": [now - validity + timedelta(days=9)],
        "expired": [now - validity - MONTH],
        "renewed": [now - validity - 2 * MONTH, now - MONTH],
        "revoked": [now - 5 * MONTH],
    }.get(plan, [])


def _walk(user, course, grader, *, share: float, start: datetime, end: datetime) -> None:
    """Enrol `user` at `start`, then take the first `share` of the course's steps in order,
    spread evenly until `end`: lessons completed, quizzes passed (essays graded at once)."""
    from courses.models import EnrollmentSource, LessonPage
    from courses.progress import course_progress
    from courses.services import complete_lesson, enrol, record_progress
    from quizzes.model_answers import take_quiz
    from quizzes.models import QuizPage
    from quizzes.services import grade_essay

    enrol(user, course, source=EnrollmentSource.CLINIC, now=start)
    steps = [step for module in course_progress(user, course).modules for step in module.steps]
    taken = steps[: round(len(steps) * share)]
    for n, step in enumerate(taken, start=1):
        when = start + (end - start) * n / (len(taken) + 1)
        if step.kind == "lesson":
            complete_lesson(user, LessonPage.objects.get(pk=step.page_id), now=when)
            continue
        attempt = take_quiz(user, QuizPage.objects.get(pk=step.page_id), right=True, now=when)
        for response in attempt.responses.filter(needs_grading=True):
            grade_essay(
                response.pk,
                grader,
                response.rubric_scale.total * Decimal("0.75"),
                "Sound reasoning.",
                now=when,
            )
        record_progress(user, course, now=when)


def _assess(trainee, assessor, checklist, when, passed: bool = True) -> None:
    assessment = services.start_assessment(trainee, assessor, checklist, assessed_on=when.date())
    results: dict[int, tuple[str, str]] = {
        i.position: (ItemResult.MET, "") for i in assessment.item_results.all()
    }
    if not passed:
        first_must_pass = next(i.position for i in assessment.item_results.all() if i.must_pass)
        results[first_must_pass] = (
            ItemResult.NOT_MET,
            "Inserted deeper than the superficial muscle layer.",
        )
    services.update_assessment(
        assessment.pk,
        assessor,
        results=results,
        global_rating=5 if passed else 3,
        comments="<p>Calm, systematic and <b>safe</b> throughout.</p>"
        if passed
        else "<p>Repeat after supervised practice.</p>",
        assessed_on=when.date(),
    )
    services.sign_assessment(assessment.pk, assessor, now=when)


def _certify(user, programme, checklists, assessor, when: datetime) -> None:
    """Observed on every checklist shortly before `when`, and certified at `when`."""
    for checklist in checklists:
        _assess(user, assessor, checklist, when - OBSERVED_BEFORE_ISSUE)
    services.issue_if_due(user, programme, now=when)


def load_clinic_demo(users: dict, password_user) -> None:
    """Create the demo clinics, their manager(s) and staff, with history (first run only)."""
    from accounts.demo import TRAINEES, demo_user

    if Clinic.objects.filter(slug=CLINIC[0]).exists():
        return
    programme = Programme.objects.filter(key=PROGRAMME).prefetch_related("required_courses").first()
    if programme is None:
        return
    course = programme.required_courses.first()
    checklists = list(SkillChecklist.objects.filter(programmes=programme))
    instructor = users["instructor"]
    now = timezone.now()

    clinic = Clinic.objects.create(slug=CLINIC[0], name=CLINIC[1])
    other = Clinic.objects.create(slug=OTHER_CLINIC[0], name=OTHER_CLINIC[1])
    ClinicMembership.objects.create(clinic=clinic, user=users["manager"], role=ClinicRole.MANAGER)
    ClinicMembership.objects.create(clinic=other, user=users["manager2"], role=ClinicRole.MANAGER)
    for username in ("trainee", "priya"):
        ClinicMembership.objects.create(clinic=clinic, user=users[username], role=ClinicRole.STAFF)
    ClinicMembership.objects.create(clinic=other, user=users["sam"], role=ClinicRole.STAFF)

    for username, first, last, plan, due in STAFF:
        user = demo_user(username, first, last, password_user, [TRAINEES])
        issued = certificate_dates(plan, now, programme.validity)
        if issued:
            start = issued[0] - OBSERVED_BEFORE_ISSUE - COURSE_TIME
            ClinicMembership.objects.create(
                clinic=clinic, user=user, role=ClinicRole.STAFF, joined_at=start
            )
            _walk(
                user,
                course,
                instructor,
                share=1.0,
                start=start,
                end=issued[0] - OBSERVED_BEFORE_ISSUE,
            )
            for cycle, when in enumerate(issued):
                if cycle:  # renewing: the quizzes are passed again within the window
                    _walk(
                        user,
                        course,
                        instructor,
                        share=1.0,
                        start=when - 2 * MONTH,
                        end=when - OBSERVED_BEFORE_ISSUE,
                    )
                _certify(user, programme, checklists, instructor, when)
        else:
            share, assigned_ago = LEARNING[plan]
            start = now - assigned_ago
            ClinicMembership.objects.create(
                clinic=clinic, user=user, role=ClinicRole.STAFF, joined_at=start
            )
            _walk(user, course, instructor, share=share, start=start, end=now)
        services.assign_programme(
            clinic, users["manager"], [user], programme, (now + timedelta(days=due)).date()
        )
        if not issued:
            # The assignment is what enrolled them: it was made when they started.
            ProgrammeAssignment.objects.filter(clinic=clinic, user=user).update(assigned_at=start)
        if plan == "revoked":
            revoked = issued[0] + 3 * MONTH
            services.revoke_certificate(
                user.certificates.get().pk,
                users["admin"],
                "Needle depth exceeded the superficial layer at an audited session; re-assessment required.",
                now=revoked,
            )
            _assess(user, instructor, checklists[-1], revoked + MONTH, passed=False)
    services.assign_programme(
        clinic,
        users["manager"],
        [users["trainee"], users["priya"]],
        programme,
        (now + timedelta(days=90)).date(),
    )
    # Priya finished the course just now (academy.demo); observed today, she is certified today.
    for checklist in checklists:
        _assess(users["priya"], instructor, checklist, now)
    services.issue_if_due(users["priya"], programme, now=now)
    # Chen's and Dina's certificates are inside the recertification window: it opens, as the
    # daily job would, assigning the renewal path and telling them and their manager.
    from certification.recertification import open_recertifications

    open_recertifications(now)
    # Today's reminders under the bell (due soon, overdue, expiring; the manager's digest of
    # their staff), without the e-mails: the first scheduled run sends those.
    from certification.reminders import send_reminders

    send_reminders(now, email=False)
    # One invitation still waiting for an answer, so the clinic's invitations list is not empty.
    from certification.invitations import invite

    invite(
        email="nadia.invited@example.org",
        first_name="Nadia",
        last_name="Invited",
        invited_by=users["manager"],
        clinic=clinic,
        programmes=[programme],
        due_date=(now + timedelta(days=60)).date(),
        check_permission=False,
    )


def staff_sign_ins() -> tuple[str, list[str]]:
    """The demo clinic's staff, for the sign-in list load_demo prints."""
    return f"{CLINIC[1]} staff, one at each status", [username for username, *_ in STAFF]
