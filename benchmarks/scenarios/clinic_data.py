"""The clinics the clinic scenarios read: three programmes, and staff in every certificate state.

The three programmes share one course (6 lessons and a one-question quiz) and mix it with three
checklists: course + quiz + checklist A, course + checklist B, quiz + checklists A and C (valid
24, 24 and 12 months); all three are assigned in both clinics. Staff member i's state in
programme p is CELL_KINDS[(i + p) % 20]: 30% certified (a third of them expiring within 60
days), 10% expired, 5% revoked, 10% overdue (half of them with some progress), 20% in
progress, 25% not started, except that progress in a shared requirement also counts in the
other programme, so the summary ends up at 20% certified, 10% expiring, 10% expired, 5%
revoked, 10% overdue, 25% in progress, 20% not started. Certified, expired and revoked staff
did every requirement (the expired ones' sign-offs are too old to count now), those in
progress some. The names follow i (last name, then first name, then the numbered username), so
the dashboard's name order is the order of i and every page of it shows the same mix: the
3,000-staff clinic's first page is the 100-staff clinic's page, state for state (with names
cycled instead, its first page held the 38 "Ana Abbott"s and the "Ben Abbott"s, every one
certified). The pages, questions and checklists come from the test factories; the users,
memberships, assignments, cycle-1 certificates, lesson completions, passed attempts and signed
assessments are written with bulk_create: a few seconds per run (3,000 staff).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from benchmarks.harness import Bench


@dataclass(frozen=True)
class ClinicSize:
    label: str
    staff: int


# 30 staff fill a third of the dashboard's page (views.STAFF_PER_PAGE, 100), 100 exactly one,
# 3000 thirty: against 100, the 3000 show growth with the staff alone, the same rows shown.
CLINIC_SIZES = (
    ClinicSize("30 staff x 3 programmes", staff=30),
    ClinicSize("100 staff x 3 programmes", staff=100),
    ClinicSize("3000 staff x 3 programmes", staff=3000),
)
CLINIC_LESSONS = 6
FIRST_NAMES = ("Ana", "Ben", "Chloé", "Dev", "Eva", "Femi", "Greta", "Hugo", "Ines", "Jonas")
LAST_NAMES = ("Abbott", "Bauer", "Costa", "Dubois", "Evans", "Fischer", "García", "Horvat")
# What staff member i has in programme p: CELL_KINDS[(i + p) % 20]. So 30% certified (a third
# of them expiring within 60 days), 10% expired, 5% revoked, 10% overdue (half with some
# progress), 20% in progress and 25% not started, before what is shared between programmes
# (the course's lessons, the quiz, a checklist) turns some "not started" into "in progress".
CELL_KINDS = (
    *["certified"] * 4,
    *["expiring"] * 2,
    *["expired"] * 2,
    "revoked",
    "overdue_progress",
    "overdue",
    *["in_progress"] * 4,
    *["not_started"] * 5,
)


def name_index(i: int, staff: int) -> int:
    """Staff member i's name among the FIRST_NAMES x LAST_NAMES pairs, in alphabetical order
    (last name first): never decreasing with i, so that the name order is the order of i."""
    return i * len(FIRST_NAMES) * len(LAST_NAMES) // staff


@dataclass(frozen=True)
class Steps:
    """Some or all of a programme's requirements."""

    lessons: list
    quizzes: list
    checklists: list


@dataclass(frozen=True)
class ClinicProgramme:
    programme: Any
    partial: Steps  # what staff "in progress" have done
    full: Steps  # every requirement


@dataclass(frozen=True)
class ClinicSetup:
    size: ClinicSize
    clinic: Any
    manager: Any
    programmes: int


def build_programmes(bench: Bench) -> tuple[list[ClinicProgramme], Any]:
    """Three programmes over one small course (6 lessons, a one-question quiz) and three
    checklists, each programme a different mix; and the assessor who signs assessments."""
    from courses.models import CourseIndexPage
    from tests.factories import (
        CompetencyFactory,
        CourseIndexPageFactory,
        CoursePageFactory,
        LessonPageFactory,
        ModulePageFactory,
        QuestionCategoryFactory,
        SourceFactory,
        make_checklist,
        make_home,
        make_programme,
        make_question,
    )
    from tests.factories import make_quiz as make_module_quiz

    index = CourseIndexPage.objects.first() or CourseIndexPageFactory(parent=make_home())
    source, competency = SourceFactory(), CompetencyFactory()
    course = CoursePageFactory(parent=index, title="Clinic skills", slug="benchmark-clinic-skills")
    module = ModulePageFactory(parent=course, title="Essentials", slug="essentials")
    lessons = [
        LessonPageFactory(
            parent=module,
            title=f"Essentials {n}",
            slug=f"essentials-{n}",
            sources=[source],
            competencies=[competency],
        )
        for n in range(1, CLINIC_LESSONS + 1)
    ]
    question = make_question(
        key="bench-clinic",
        category=QuestionCategoryFactory(key="bench-clinic"),
        source=source,
        competency=competency,
    )
    quiz = make_module_quiz(module, [question], title="Essentials quiz", slug="quiz")
    needle = make_checklist("bench-needle", safety=True)
    palp = make_checklist("bench-palp", safety=False)
    aseptic = make_checklist("bench-aseptic", safety=True)
    shapes = [
        # key, title, validity (months), requirements, what "in progress" has done
        ("needling", "Dry needling practitioner", 24,
         Steps(lessons, [quiz], [needle]), Steps(lessons[:3], [], [])),
        ("palpation", "Myofascial palpation", 24,
         Steps(lessons, [], [palp]), Steps(lessons[:2], [], [palp])),
        ("safety", "Needling safety refresher", 12,
         Steps([], [quiz], [needle, aseptic]), Steps([], [quiz], [])),
    ]  # fmt: skip
    programmes = []
    for key, title, months, full, partial in shapes:
        programme = make_programme(
            f"bench-{key}",
            title,
            courses=[course] if full.lessons else [],
            quizzes=full.quizzes,
            checklists=full.checklists,
            validity_months=months,
        )
        programmes.append(ClinicProgramme(programme, partial, full))
    return programmes, bench.new_user("bench-assessor", group="Instructors")


def build_clinic(
    bench: Bench, size: ClinicSize, key: str, programmes: list[ClinicProgramme], assessor
) -> tuple[ClinicSetup, dict[str, int]]:
    """A clinic with a manager and `size.staff` staff in the states of CELL_KINDS, every row
    written with bulk_create. Returns the clinic and how many rows of each kind it holds."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from certification.models import (
        AssessmentStatus,
        Certificate,
        Clinic,
        ClinicMembership,
        ClinicRole,
        ProgrammeAssignment,
        SkillAssessment,
    )
    from certification.services import checklist_snapshot
    from courses.models import LessonCompletion
    from quizzes.models import Attempt, AttemptState
    from tests.factories import ClinicFactory

    user_model = get_user_model()
    unusable = make_password(None)
    now, today = timezone.now(), timezone.localdate()
    # `create` (the factories' default strategy) is typed; calling a factory class is not.
    clinic: Clinic = ClinicFactory.create(
        name=f"Benchmark clinic {key}", slug=f"bench-clinic-{key}"
    )
    manager = bench.new_user("bench-manager", group="Clinic managers")
    ClinicMembership.objects.create(clinic=clinic, user=manager, role=ClinicRole.MANAGER)
    staff = user_model.objects.bulk_create(
        user_model(
            username=f"bench-{key}-staff-{i:04d}",
            email=f"bench-{key}-staff-{i:04d}@example.org",
            first_name=FIRST_NAMES[name_index(i, size.staff) % len(FIRST_NAMES)],
            last_name=LAST_NAMES[name_index(i, size.staff) // len(FIRST_NAMES)],
            password=unusable,  # nobody signs in as them, and nothing to hash
        )
        for i in range(size.staff)
    )
    ClinicMembership.objects.bulk_create(
        ClinicMembership(user=user, clinic=clinic, role=ClinicRole.STAFF) for user in staff
    )

    assignments, certificates = [], []
    # Per staff member: when each lesson was read, the quiz passed, a checklist signed off
    # (programmes share some, so each is recorded once: the first reading, the last sign-off).
    lessons_read: dict[tuple[Any, Any], Any] = {}
    quizzes_passed: dict[tuple[Any, Any], Any] = {}
    checklists_signed: dict[tuple[Any, Any], Any] = {}

    def did(user, steps: Steps, when) -> None:
        for lesson in steps.lessons:
            lessons_read.setdefault((user, lesson), when)
        for quiz in steps.quizzes:
            quizzes_passed.setdefault((user, quiz), when)
        for checklist in steps.checklists:
            checklists_signed[(user, checklist)] = max(
                when, checklists_signed.get((user, checklist), when)
            )

    def assign(user, programme, due) -> None:
        assignments.append(
            ProgrammeAssignment(
                clinic=clinic,
                user=user,
                programme=programme,
                due_date=due,
                assigned_by=manager,
                assigned_at=now - timedelta(days=400),
            )
        )

    for i, user in enumerate(staff):
        for p, entry in enumerate(programmes):
            kind, programme = CELL_KINDS[(i + p) % len(CELL_KINDS)], entry.programme
            validity = programme.validity
            if kind in ("certified", "expiring", "expired", "revoked"):
                if kind == "certified":
                    issued = now - timedelta(days=30 + i % 200)
                elif kind == "expiring":
                    issued = now + timedelta(days=5 + i % 50) - validity
                elif kind == "expired":
                    issued = now - timedelta(days=10 + i % 300) - validity
                else:
                    issued = now - timedelta(days=20 + i % 100)
                revoked = kind == "revoked"
                certificates.append(
                    Certificate(
                        user=user,
                        programme=programme,
                        cycle=1,
                        code=f"bench-{key}-{i}-{p}",
                        holder_name=user.get_full_name(),
                        issued_at=issued,
                        expires_at=issued + validity,
                        revoked_at=issued + timedelta(days=10) if revoked else None,
                        revoked_by=assessor if revoked else None,
                        revocation_reason="Practised outside the protocol (audit)."
                        if revoked
                        else "",
                    )
                )
                did(user, entry.full, issued - timedelta(days=1))
                if kind in ("certified", "expiring") and i % 2 == 0:
                    assign(user, programme, (issued - timedelta(days=10)).date())  # met in time
                elif kind in ("expired", "revoked") and i % 2 == 0:
                    assign(user, programme, today + timedelta(days=30 + i % 60))  # to renew
            elif kind in ("overdue", "overdue_progress"):
                assign(user, programme, today - timedelta(days=1 + i % 90))
                if kind == "overdue_progress":
                    did(user, entry.partial, now - timedelta(days=60 + i % 30))
            elif kind == "in_progress":
                assign(user, programme, today + timedelta(days=14 + i % 120))
                did(user, entry.partial, now - timedelta(days=1 + i % 30))
            elif i % 3:  # not started: two in three have been asked to
                assign(user, programme, today + timedelta(days=30 + i % 120))

    ProgrammeAssignment.objects.bulk_create(assignments, batch_size=500)
    Certificate.objects.bulk_create(certificates, batch_size=500)
    LessonCompletion.objects.bulk_create(
        (
            LessonCompletion(user=user, lesson=lesson, completed_at=when)
            for (user, lesson), when in lessons_read.items()
        ),
        batch_size=500,
    )
    Attempt.objects.bulk_create(
        (
            Attempt(
                user=user,
                quiz=quiz,
                number=1,
                state=AttemptState.GRADED,
                started_at=when - timedelta(minutes=5),
                submitted_at=when,
                graded_at=when,
                pass_mark=quiz.pass_mark,
                review_policy=quiz.review_policy,
                score=Decimal(1),
                max_score=Decimal(1),
                percent=Decimal(100),
                passed=True,
            )
            for (user, quiz), when in quizzes_passed.items()
        ),
        batch_size=500,
    )
    snapshots = {
        checklist: checklist_snapshot(
            checklist, list(checklist.items.select_related("competency").order_by("sort_order"))
        )
        for checklist in {c for p in programmes for c in p.full.checklists}
    }
    SkillAssessment.objects.bulk_create(
        (
            SkillAssessment(
                trainee=user,
                assessor=assessor,
                checklist=checklist,
                checklist_snapshot=snapshots[checklist],
                assessed_on=when.date(),
                global_rating=5,
                comments="Safe, fluent technique.",
                status=AssessmentStatus.SIGNED,
                passed=True,
                created_at=when - timedelta(hours=1),
                signed_at=when,
            )
            for (user, checklist), when in checklists_signed.items()
        ),
        batch_size=500,
    )
    written = {
        "assignments": len(assignments),
        "certificates": len(certificates),
        "lesson completions": len(lessons_read),
        "passed attempts": len(quizzes_passed),
        "signed assessments": len(checklists_signed),
    }
    return ClinicSetup(size, clinic, manager, len(programmes)), written


def clinics(bench: Bench) -> list[ClinicSetup]:
    """One clinic per CLINIC_SIZES, sharing the programmes, built once per run."""
    if "clinics" not in bench.shared:
        programmes, assessor = build_programmes(bench)
        built = []
        for k, size in enumerate(CLINIC_SIZES, start=1):
            started = time.perf_counter()
            setup, written = build_clinic(bench, size, f"c{k}", programmes, assessor)
            built.append(setup)
            print(
                f"    built {size.label}: {size.staff} staff, "
                + ", ".join(f"{n} {what}" for what, n in written.items())
                + f" ({time.perf_counter() - started:.1f} s)",
                flush=True,
            )
        bench.shared["clinics"] = built
    return bench.shared["clinics"]
