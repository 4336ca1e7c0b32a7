"""Recertification: asking a certificate's holder to renew it, and setting them on the way.

A recertification opens for the holder's latest certificate of a programme while it is valid:

- **the window** — from `programme.recertification_window_days` before the certificate expires
  (`open_recertifications`, run daily by the worker's scheduler as `certification-
  recertification`, or from cron with `manage.py open_recertifications`);
- **a material change** — a course the programme requires (or renews with) is published with
  its *material change* box ticked (`material_change_opened`, connected to Wagtail's
  `page_published` in CertificationConfig.ready; the opening runs in a task once the publish
  commits, so the editor's request stays fast).

Opening happens once per certificate (`Recertification` is one-to-one with it: two runs at once
give one row, the second finds the first) and, in the same transaction: assigns the renewal
path — each clinic the holder is staff of that assigns the programme now asks for it by the
certificate's expiry date (`RenewalAssignmentAction`, audited as an assignment), and the holder
is enrolled in the renewal courses —, tells the holder (`recertification.opened`) and the
managers of their clinics (`recertification.staff`), by e-mail as each person chose, and writes
an audit entry (`certification.recertification.open`).

What the renewal path requires, from when evidence counts, and issuing the next cycle's
certificate (which closes the recertification; the old certificate stays in the history) are
the evaluator's and the issuer's (`certification.requirements`, `certification.services`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django_tasks import task
from wagtail.log_actions import log

from accounts.notifications import notify
from certification.actions import AssignProgrammeAction
from certification.events import programme_url
from certification.models import (
    Certificate,
    Clinic,
    ClinicMembership,
    ClinicRole,
    Programme,
    ProgrammeAssignment,
    Recertification,
    RecertificationReason,
)
from certification.paths import renewal_path
from courses.models import CoursePage, EnrollmentSource
from courses.services import enrol

OPEN = "certification.recertification.open"
MATERIAL_CHANGE = "certification.recertification.material_change"
OPENED = "recertification.opened"
STAFF = "recertification.staff"


# Which certificates ----------------------------------------------------------------------------


def _latest_valid(now: datetime) -> QuerySet[Certificate]:
    """Certificates valid at `now`, the newest cycle of their holder, with no recertification."""
    newer = Certificate.objects.filter(
        user=OuterRef("user"), programme=OuterRef("programme"), cycle__gt=OuterRef("cycle")
    )
    return (
        Certificate.objects.valid(now)
        .filter(recertification__isnull=True)
        .exclude(Exists(newer))
        .select_related("user", "programme")
        .order_by("pk")
    )


def in_window(now: datetime) -> list[Certificate]:
    """The certificates whose recertification window has opened by `now` and is not yet opened.

    One query per programme (there are few): its window length is the programme's own.
    """
    found: list[Certificate] = []
    for programme in Programme.objects.order_by("pk"):
        edge = now + timedelta(days=programme.recertification_window_days)
        found += _latest_valid(now).filter(programme=programme, expires_at__lte=edge)
    return found


def held_with_course(course_id: int, now: datetime, issued_before: datetime) -> list[Certificate]:
    """Certificates issued before `issued_before` and still held at `now`, of every programme
    requiring (or renewing with) the course, with no recertification yet."""
    programmes = Programme.objects.filter(
        Q(required_courses__pk=course_id) | Q(renewal_courses__pk=course_id)
    ).values("pk")
    return list(_latest_valid(now).filter(programme__in=programmes, issued_at__lt=issued_before))


# Opening ---------------------------------------------------------------------------------------


def renewal_courses(programme: Programme) -> list[CoursePage]:
    """The courses of the renewal path (`certification.paths`)."""
    return renewal_path(programme)[0]


class RenewalAssignmentAction(AssignProgrammeAction):
    """A clinic's assignment of a programme, moved to the certificate's expiry by its opening
    recertification: the holder is enrolled in the renewal courses, and is told once, by the
    opening's own notice, rather than by a second `assignment.new`. Run by nobody in particular
    (`execute(skip_permission_checks=True)`); audited as an assignment, naming the opening."""

    def __init__(self, clinic: Clinic, recertification: Recertification) -> None:
        certificate = recertification.certificate
        super().__init__(
            clinic,
            user=None,
            staff=[certificate.user],
            programme=certificate.programme,
            due_date=timezone.localdate(certificate.expires_at),
        )
        self.recertification = recertification

    def courses(self) -> list:
        return renewal_courses(self.programme)

    def announce(self, assignment: ProgrammeAssignment) -> None:
        """Nothing: `recertification.opened` says it all."""

    def log(self) -> None:
        log(
            instance=self.instance,
            action="certification.programme.assign",
            user=None,
            data={
                "programme": self.programme.key,
                "due": self.due_date.isoformat(),
                "staff": [u.pk for u in self.staff],
                "recertification": self.recertification.pk,
            },
        )


def _assign_path(recertification: Recertification) -> list[Clinic]:
    """Assign the renewal path: each of the holder's clinics that assigns the programme asks
    for it by the expiry; the holder is enrolled in the renewal courses in any case."""
    certificate = recertification.certificate
    holder, programme = certificate.user, certificate.programme
    clinics = list(
        Clinic.objects.filter(
            memberships__user=holder,
            memberships__role=ClinicRole.STAFF,
            pk__in=ProgrammeAssignment.objects.filter(programme=programme).values("clinic_id"),
        )
        .distinct()
        .order_by("name")
    )
    for clinic in clinics:
        RenewalAssignmentAction(clinic, recertification).execute(skip_permission_checks=True)
    source = EnrollmentSource.CLINIC if clinics else EnrollmentSource.SELF
    for course in renewal_courses(programme):
        enrol(holder, course, source=source)
    return clinics


def _managers(holder: Any) -> list[tuple[Any, Clinic]]:
    """Each manager of a clinic `holder` is staff of, once, with the first such clinic by name."""
    clinics = ClinicMembership.objects.filter(user=holder, role=ClinicRole.STAFF).values(
        "clinic_id"
    )
    found: dict[int, tuple[Any, Clinic]] = {}
    for membership in (
        ClinicMembership.objects.filter(clinic_id__in=clinics, role=ClinicRole.MANAGER)
        .exclude(user=holder)
        .select_related("user", "clinic")
        .order_by("clinic__name")
    ):
        found.setdefault(membership.user_id, (membership.user, membership.clinic))
    return list(found.values())


def _tell(recertification: Recertification) -> None:
    """The holder: what to do and by when; each of their managers: who must recertify."""
    certificate = recertification.certificate
    holder, title = certificate.user, certificate.programme.title
    by = f"{certificate.expires_at:%d %b %Y}"
    if recertification.reason == RecertificationReason.MATERIAL_CHANGE:
        why = "A course it requires changed"
        why += f": {recertification.note}. " if recertification.note else ". "
    else:
        why = f"Your certificate expires on {by}. "
    notify(
        holder,
        OPENED,
        f"Time to recertify in “{title}”. {why}Complete the renewal path by {by} "
        "to receive your next certificate.",
        url=programme_url(certificate.programme),
        key=f"{OPENED}:{recertification.pk}",
    )
    for manager, clinic in _managers(holder):
        notify(
            manager,
            STAFF,
            f"{holder.display_name} is asked to recertify in “{title}” by {by} "
            f"({recertification.get_reason_display().lower()}).",
            url=reverse("clinics:staff", args=[clinic.slug, holder.pk]),
            key=f"{STAFF}:{recertification.pk}",
        )


def open_recertification(
    certificate: Certificate,
    reason: str,
    *,
    note: str = "",
    now: datetime | None = None,
) -> Recertification | None:
    """Open the recertification of `certificate`: assign the renewal path, tell the holder and
    their managers, audit. None when it was opened before (here or by a concurrent run)."""
    now = now or timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                recertification = Recertification.objects.create(
                    certificate=certificate,
                    reason=reason,
                    note=note.strip()[:300],
                    opened_at=now,
                )
        except IntegrityError:
            return None  # opened already: the one-to-one keeps it once
        clinics = _assign_path(recertification)
        _tell(recertification)
        log(
            instance=recertification,
            action=OPEN,
            user=None,
            data={
                "certificate": certificate.pk,
                "holder": certificate.user_id,
                "programme": certificate.programme.key,
                "reason": reason,
                "note": recertification.note,
                "due": timezone.localdate(certificate.expires_at).isoformat(),
                "clinics": [c.pk for c in clinics],
            },
        )
    return recertification


def open_recertifications(now: datetime | None = None) -> list[Recertification]:
    """Open every recertification whose window has come (the daily job; idempotent)."""
    now = now or timezone.now()
    opened = []
    for certificate in in_window(now):
        recertification = open_recertification(certificate, RecertificationReason.WINDOW, now=now)
        if recertification is not None:
            opened.append(recertification)
    return opened


def open_for_material_change(
    course: CoursePage, *, published_at: datetime, note: str, now: datetime | None = None
) -> list[Recertification]:
    """Open recertification for every holder certified, before `published_at`, in a programme
    requiring (or renewing with) `course`; holders already recertifying are left as they are."""
    now = now or timezone.now()
    opened = []
    for certificate in held_with_course(course.pk, now, published_at):
        recertification = open_recertification(
            certificate, RecertificationReason.MATERIAL_CHANGE, note=note, now=now
        )
        if recertification is not None:
            opened.append(recertification)
    return opened


# Material change on publish ---------------------------------------------------------------------


def material_change_published(sender: type, instance: Any, revision: Any = None, **kwargs) -> None:
    """`page_published` receiver (for CoursePage): a publish with *material change* ticked opens
    recertification in a task that runs once the publish commits."""
    if not getattr(instance, "material_change", False):
        return
    from core.tasks import enqueue_after_write

    enqueue_after_write(
        material_change_task,
        instance.pk,
        revision.pk if revision is not None else None,
        timezone.now().isoformat(),
    )


def clear_material_change(course_id: int, revision_id: int | None) -> None:
    """Untick the box once its change is handled, so a later edit is not taken for another.

    The live page is unticked if `revision_id` is still what is live, and that revision's stored
    copy if it is still the latest (what the editor opens next); a newer draft is the editor's
    own. The audit entry on the course (MATERIAL_CHANGE) keeps the change and its note.
    """
    from wagtail.models import Revision

    CoursePage.objects.filter(pk=course_id, live_revision_id=revision_id).update(
        material_change=False
    )
    revision = Revision.objects.filter(pk=revision_id).first() if revision_id else None
    page = CoursePage.objects.filter(pk=course_id).only("latest_revision_id").first()
    if revision is not None and page is not None and page.latest_revision_id == revision.pk:
        content = {**revision.content, "material_change": False}
        Revision.objects.filter(pk=revision.pk).update(content=content)


def handle_material_change(
    course_id: int, revision_id: int | None, published_at: datetime
) -> list[Recertification]:
    """Open recertification for the holders of a course published as a material change, with the
    note as published, then untick the box and record the change on the course's history."""
    from wagtail.models import Revision

    course = CoursePage.objects.filter(pk=course_id).first()
    revision = Revision.objects.filter(pk=revision_id).first() if revision_id else None
    if course is None:
        return []
    content = revision.content if revision is not None else {}
    if not content.get("material_change", course.material_change):
        return []  # handled already (the box was cleared), or published unticked
    note = str(content.get("material_change_note", course.material_change_note) or "")
    opened = open_for_material_change(course, published_at=published_at, note=note)
    with transaction.atomic():
        clear_material_change(course_id, revision_id)
        log(
            instance=course,
            action=MATERIAL_CHANGE,
            user=None,
            data={"revision": revision_id, "note": note, "opened": len(opened)},
        )
    return opened


# Background jobs --------------------------------------------------------------------------------


@task()
def open_recertifications_task() -> str:
    """The daily run of `open_recertifications` (registered in CertificationConfig.ready)."""
    return f"{len(open_recertifications())} recertification(s) opened"


@task()
def material_change_task(
    course_id: int, revision_id: int | None, published_at: str, attempt: int = 1
) -> str:
    """`handle_material_change` after a publish; a failed try is queued again (with backoff)."""
    from core.tasks import retry_later

    try:
        opened = handle_material_change(
            course_id, revision_id, datetime.fromisoformat(published_at)
        )
    except Exception:
        retry_later(material_change_task, course_id, revision_id, published_at, attempt=attempt)
        raise
    return f"{len(opened)} recertification(s) opened"
