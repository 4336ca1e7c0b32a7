"""Demo clinic: a manager and a dozen staff at every certification status (load_demo only).

Evidence is made through the same services the site uses; dates are moved back where a status
needs history (an expiring certificate was issued 23 months ago, an expired one 25).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from certification import services
from certification.models import (
    Clinic,
    ClinicMembership,
    ClinicRole,
    ItemResult,
    Programme,
    SkillChecklist,
)

CLINIC = ("riverside", "Riverside Integrative Clinic")
OTHER_CLINIC = ("harbour", "Harbour Acupuncture")
PROGRAMME = "hfs-mini-blade-practitioner"
MONTH = timedelta(days=30)

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


def _finish_course(user, course, grader) -> None:
    """Every lesson complete and every quiz passed (essays graded), then recorded."""
    from courses.models import LessonPage
    from courses.progress import course_progress
    from courses.services import complete_lesson, enrol, record_progress
    from quizzes.demo import take_quiz
    from quizzes.models import QuizPage
    from quizzes.services import grade_essay

    enrol(user, course)
    for module in course_progress(user, course).modules:
        for step in module.steps:
            if step.kind == "lesson":
                complete_lesson(user, LessonPage.objects.get(pk=step.page_id))
            else:
                attempt = take_quiz(user, QuizPage.objects.get(pk=step.page_id), right=True)
                for response in attempt.responses.filter(needs_grading=True):
                    grade_essay(
                        response.pk,
                        grader,
                        response.max_score * Decimal("0.75"),
                        "Sound reasoning.",
                    )
    record_progress(user, course)


def _partial_course(user, course, share: float) -> None:
    from courses.models import LessonPage
    from courses.progress import course_progress
    from courses.services import complete_lesson, enrol

    enrol(user, course)
    lessons = [
        s for m in course_progress(user, course).modules for s in m.steps if s.kind == "lesson"
    ]
    for step in lessons[: int(len(lessons) * share)]:
        complete_lesson(user, LessonPage.objects.get(pk=step.page_id))


def _assess(trainee, assessor, checklist, when, passed: bool = True) -> None:
    assessment = services.start_assessment(trainee, assessor, checklist, assessed_on=when.date())
    results = {i.position: (ItemResult.MET, "") for i in assessment.item_results.all()}
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


def _certify(user, programme, course, checklists, assessor, when) -> None:
    for checklist in checklists:
        _assess(user, assessor, checklist, when - timedelta(days=2))
    services.issue_if_due(user, programme, now=when)


def load_clinic_demo(users: dict, password_user) -> None:
    """Create the demo clinics, their manager(s) and staff, with history (first run only)."""
    from core.demo import TRAINEES, _user

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

    staff = {}
    for username, first, last, _plan, _due in STAFF:
        staff[username] = _user(username, first, last, password_user, [TRAINEES])
        ClinicMembership.objects.create(clinic=clinic, user=staff[username], role=ClinicRole.STAFF)
    for username, _first, _last, _plan, due in STAFF:
        services.assign_programme(
            clinic,
            users["manager"],
            [staff[username]],
            programme,
            (now + timedelta(days=due)).date(),
        )
    services.assign_programme(
        clinic,
        users["manager"],
        [users["trainee"], users["priya"]],
        programme,
        (now + timedelta(days=90)).date(),
    )

    for username, _first, _last, plan, _due in STAFF:
        user = staff[username]
        if plan.startswith(("certified", "expiring", "expired", "renewed", "revoked")):
            _finish_course(user, course, instructor)
        if plan == "certified":
            _certify(user, programme, course, checklists, instructor, now - timedelta(days=3))
        elif plan == "certified-earlier":
            _certify(user, programme, course, checklists, instructor, now - 8 * MONTH)
        elif plan == "expiring":
            _certify(
                user,
                programme,
                course,
                checklists,
                instructor,
                now - programme.validity + timedelta(days=40),
            )
        elif plan == "expiring-soon":
            _certify(
                user,
                programme,
                course,
                checklists,
                instructor,
                now - programme.validity + timedelta(days=9),
            )
        elif plan == "expired":
            _certify(
                user, programme, course, checklists, instructor, now - programme.validity - MONTH
            )
        elif plan == "renewed":
            _certify(
                user,
                programme,
                course,
                checklists,
                instructor,
                now - programme.validity - 2 * MONTH,
            )
            _certify(user, programme, course, checklists, instructor, now - MONTH)
        elif plan == "revoked":
            _certify(user, programme, course, checklists, instructor, now - 5 * MONTH)
            certificate = user.certificates.get()
            services.revoke_certificate(
                certificate.pk,
                users["admin"],
                "Needle depth exceeded the superficial layer at an audited session; re-assessment required.",
            )
            _assess(user, instructor, checklists[-1], now - timedelta(days=10), passed=False)
        elif plan == "progress-high":
            _partial_course(user, course, 0.7)
        elif plan in ("progress-low", "overdue-progress"):
            _partial_course(user, course, 0.25)
    # Priya finished the course earlier; her observed assessments complete the programme now.
    _certify(users["priya"], programme, course, checklists, instructor, now - timedelta(days=1))
