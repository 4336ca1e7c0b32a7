"""Certificate verification (public, by code), clinic dashboards (their managers only), and
the learner's competencies. Each view checks who is asking; a clinic someone does not manage
does not exist for them (404)."""

from __future__ import annotations

import csv
from datetime import date, datetime
from typing import TypedDict

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import date as date_filter
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from accounts.audit import log_export
from accounts.http import AuthenticatedHttpRequest
from certification.actions import AssignProgrammeAction
from certification.clinic_reminders import MAX_PER_REQUEST, RemindStaffAction
from certification.clinic_selection import selected_ids, update_selection
from certification.clinic_table import Filters, dashboard_page, report_rows
from certification.clinics import (
    DIRECTIONS,
    SORT_BY_NAME,
    STATUS_LABELS,
    Cell,
    Sort,
    StaffRow,
    managed_clinic,
)
from certification.competencies import competency_records
from certification.forms import AssignForm
from certification.models import (
    AssessmentStatus,
    Certificate,
    Clinic,
    ClinicMembership,
    ClinicRole,
    Programme,
    SkillAssessment,
)
from certification.pdf import certificate_pdf
from certification.permissions import may_see_evidence
from certification.requirements import Standing
from certification.rules import CertificationError
from certification.staff_records import staff_record
from core.exports import Echo, spreadsheet_safe
from core.params import parse_id, query_choice, query_id, query_text

STAFF_PER_PAGE = 100


@require_GET
def verify(request: HttpRequest, code: str) -> TemplateResponse:
    """Anyone with the code: name, programme, issued, expires, status. Nothing more."""
    certificate = get_object_or_404(Certificate.objects.select_related("programme"), code=code)
    response = TemplateResponse(
        request,
        "certification/verify.html",
        # The evidence pack is linked only for those who may see it (its page checks again).
        {"certificate": certificate, "evidence": may_see_evidence(request.user, certificate)},
    )
    response["X-Robots-Tag"] = "noindex"
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def download_pdf(request: HttpRequest, code: str) -> HttpResponse:
    certificate = get_object_or_404(Certificate.objects.select_related("programme"), code=code)
    url = request.build_absolute_uri(certificate.get_absolute_url())
    response = HttpResponse(certificate_pdf(certificate, url), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="certificate-{slugify(certificate.programme.title)}-{certificate.code[:8]}.pdf"'
    )
    response["X-Robots-Tag"] = "noindex"
    response["Cache-Control"] = "no-store"
    return response


def _clinic_or_404(request: HttpRequest, slug: str) -> Clinic:
    clinic = managed_clinic(request.user, slug)
    if clinic is None:
        raise Http404("No such clinic.")
    return clinic


def _filters(request: HttpRequest) -> dict:
    """The dashboard's filters and sort, from the query string (anything invalid is ignored)."""
    return {
        "status": query_choice(request.GET, "status", STATUS_LABELS),
        "programme_id": query_id(request.GET, "programme"),
        "q": query_text(request.GET, "q"),
        "sort": query_text(request.GET, "sort", 40),
        "direction": query_choice(request.GET, "dir", DIRECTIONS),
    }


# The query parameters the dashboard reads: kept when moving between pages and after actions.
DASHBOARD_PARAMETERS = ("status", "programme", "q", "sort", "dir", "p")


def _dashboard_query(request: HttpRequest, **changes: str | None) -> str:
    """The dashboard's own query parameters from this request, with `changes` (None drops one)."""
    query = QueryDict(mutable=True)
    for key in DASHBOARD_PARAMETERS:
        value = query_text(request.GET, key)
        if value:
            query[key] = value
    for key, change in changes.items():
        if change is None:
            query.pop(key, None)
        else:
            query[key] = change
    return query.urlencode()


def _dashboard_url(request: HttpRequest, clinic: Clinic, **changes: str | None) -> str:
    query = _dashboard_query(request, **changes)
    url = reverse("clinics:dashboard", args=[clinic.slug])
    return f"{url}?{query}" if query else url


def _sort_link(request: HttpRequest, sort: Sort, key: str) -> dict[str, str]:
    """A sortable column header: its `aria-sort` and the URL its link asks for."""
    direction = sort.next_direction(key)
    return {
        "aria": sort.aria(key),
        "url": "?" + _dashboard_query(request, sort=key, dir=direction, p=None),
        "next": "descending" if direction == "desc" else "ascending",
    }


class ShownCell(TypedDict):
    """A staff member's cell as the dashboard shows it, its texts made once in Python: a page
    shows up to STAFF_PER_PAGE rows, and a template looks each value up far more slowly. A
    dict, since a template tries a key before an attribute (an exception per lookup else)."""

    status: str
    label: str
    recertifying: bool  # the certificate held is being recertified
    recertifying_due: str  # then the certificate's expiry
    due: str  # the assignment's due date while it is still to be met, or ""


class ShownRow(TypedDict):
    """A row of the dashboard's table, ready to show (see ShownCell)."""

    user_id: int
    name: str
    email: str
    url: str  # the staff member's page, with the dashboard's filters to come back to
    cpd_hours: str
    selected: bool
    cells: list[ShownCell]


class _DateTexts:
    """Dates as the template's `|date:"j M Y"` shows them (in the current time zone, the
    month's name in the current language), the names read once: formatting each date through
    Django's DateFormat costs about as much as the rest of its row."""

    def __init__(self) -> None:
        self.months = [""] + [date_filter(date(2000, m, 1), "M") for m in range(1, 13)]

    def __call__(self, value: date | datetime) -> str:
        if isinstance(value, datetime) and settings.USE_TZ and timezone.is_aware(value):
            value = timezone.localtime(value)
        return f"{value.day} {self.months[value.month]} {value.year:04d}"


def _shown_cell(cell: Cell, date_text: _DateTexts) -> ShownCell:
    recertifying = cell.recertifying is not None
    certificate = cell.certificate
    due = cell.due_date
    return ShownCell(
        status=cell.status,
        label=cell.label,
        recertifying=recertifying,
        recertifying_due=date_text(certificate.expires_at)
        if recertifying and certificate is not None
        else "",
        due=date_text(due) if due else "",
    )


def _staff_urls(clinic: Clinic, user_ids: list[int], query: str) -> dict[int, str]:
    """Each staff member's page, with `query`: reversed once, the id put in for the others
    (the id is the path's last segment); each staff member reversed when that cannot hold."""
    suffix = f"?{query}" if query else ""
    if not user_ids:
        return {}
    first = user_ids[0]
    head, found, tail = reverse("clinics:staff", args=[clinic.slug, first]).rpartition(f"/{first}/")
    if not found or tail:
        return {pk: reverse("clinics:staff", args=[clinic.slug, pk]) + suffix for pk in user_ids}
    return {pk: f"{head}/{pk}/{suffix}" for pk in user_ids}


def _shown_rows(
    clinic: Clinic, rows: list[StaffRow], selected: set[int], cpd, filter_query: str
) -> list[ShownRow]:
    """The page's rows as its table shows them (see ShownCell)."""
    urls = _staff_urls(clinic, [row.user.pk for row in rows], filter_query)
    date_text = _DateTexts()
    return [
        ShownRow(
            user_id=user.pk,
            name=user.display_name,
            email=user.email,
            url=urls[user.pk],
            cpd_hours=cpd.of(user.pk),
            selected=user.pk in selected,
            cells=[_shown_cell(cell, date_text) for cell in row.cells],
        )
        for row in rows
        for user in [row.user]
    ]


def _dashboard(
    request: HttpRequest,
    clinic: Clinic,
    form: AssignForm,
    status: int = 200,
    remind_errors: list[str] | None = None,
) -> TemplateResponse:
    filters = _filters(request)
    # Only this page's rows are evaluated; the summary, filters and sorts come from the
    # clinic's cached summary (certification.clinic_table).
    table = dashboard_page(clinic, Filters(**filters), request.GET.get("p"), STAFF_PER_PAGE)
    counts = table.counts
    page = table.page
    selected = selected_ids(request.session, clinic) & table.staff_ids
    sort = table.sort
    filter_query = _dashboard_query(request, p=None)
    context = {
        "clinic": clinic,
        "programmes": table.programmes,
        "rows": page,
        "shown_rows": _shown_rows(
            clinic, list(page.object_list), selected, table.cpd, filter_query
        ),
        "total": table.total,
        "filters": filters,
        "statuses": STATUS_LABELS,
        "summary": [(key, label, counts[key]) for key, label in STATUS_LABELS.items()],
        "form": form,
        # Not "query": the site header's search box shows that variable.
        "filter_query": filter_query,
        # What the forms of this page post to: this page, so that each action returns here.
        "page_query": _dashboard_query(request, p=str(page.number)),
        "sort": sort,
        "name_sort": _sort_link(request, sort, SORT_BY_NAME),
        "columns": [
            {
                "programme": p,
                "status": _sort_link(request, sort, f"status-{p.pk}"),
                "due": _sort_link(request, sort, f"due-{p.pk}"),
                "aria": next(
                    (
                        a
                        for a in (sort.aria(f"status-{p.pk}"), sort.aria(f"due-{p.pk}"))
                        if a != "none"
                    ),
                    "none",
                ),
            }
            for p in table.programmes
        ],
        "selected": selected,
        "selected_count": len(selected),
        "remind_max": MAX_PER_REQUEST,
        "remind_errors": remind_errors or [],
        # The page's staff's CPD hours this year (certification.cpd), and the whole clinic's.
        "cpd": table.cpd,
        "cpd_total": table.cpd_total,
    }
    return TemplateResponse(request, "certification/clinic_dashboard.html", context, status=status)


@login_required
@require_GET
def clinic_dashboard(request: HttpRequest, slug: str) -> TemplateResponse:
    clinic = _clinic_or_404(request, slug)
    return _dashboard(request, clinic, AssignForm(clinic=clinic))


@login_required
@require_GET
def clinic_report_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    """The dashboard's rows as CSV, streamed: the header at once, then the rows a batch of
    staff at a time as they are evaluated (certification.clinic_table.report_rows)."""
    clinic = _clinic_or_404(request, slug)
    programmes, batches = report_rows(clinic, Filters(**_filters(request)))
    log_export(request, clinic, "clinic certification CSV")

    def lines():
        writer = csv.writer(Echo())
        yield writer.writerow(REPORT_COLUMNS)
        for batch in batches:
            yield "".join(
                writer.writerow(_report_line(row, programme, cell))
                for row in batch
                for programme, cell in zip(programmes, row.cells, strict=True)
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{clinic.slug}-certification.csv"'
    response["Cache-Control"] = "no-store"
    return response


REPORT_COLUMNS = [
    "name",
    "username",
    "email",
    "programme",
    "status",
    "percent",
    "skills observed",
    "skills required",
    "certified until",
    "due date",
    "certificate code",
]


def _report_line(row: StaffRow, programme: Programme, cell: Cell) -> list:
    """One CSV line: a staff member in a programme (what they typed made spreadsheet-safe)."""
    certificate = cell.certificate
    held = certificate is not None and cell.held
    return [
        spreadsheet_safe(row.user.get_full_name()),
        spreadsheet_safe(row.user.username),
        spreadsheet_safe(row.user.email),
        programme.title,
        STATUS_LABELS[cell.status],
        cell.percent,
        cell.progress.skills,
        cell.progress.skills_total,
        certificate.expires_at.date().isoformat()
        if certificate and (held or cell.status == Standing.EXPIRED)
        else "",
        cell.due_date.isoformat() if cell.due_date else "",
        certificate.code if certificate is not None and held else "",
    ]


def _posted_ids(request: HttpRequest, key: str) -> list[int]:
    return [n for n in (parse_id(v) for v in request.POST.getlist(key)) if n is not None]


def _record_page(request: HttpRequest, clinic: Clinic, select: str = "") -> set[int]:
    """Save what was ticked on the posted page into the selection; return the whole selection.

    Every form of the dashboard posts the ids listed on its page (`shown`) and those ticked
    (`staff`), so ticks count whichever button was pressed, with or without JavaScript.
    """
    ticked = _posted_ids(request, "staff")
    return update_selection(
        request.session,
        clinic,
        shown=[*_posted_ids(request, "shown"), *ticked],
        ticked=ticked,
        select=select,
    )


@login_required
@require_POST
def clinic_selection(request: HttpRequest, slug: str) -> HttpResponse:
    """Keep the ticks of one page and go to another page, tick a whole page or clear all."""
    clinic = _clinic_or_404(request, slug)
    select = query_choice(request.POST, "select", ("page", "none"))
    selection = _record_page(request, clinic, select)
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"selected": len(selection)})
    go = query_id(request.POST, "go")
    return redirect(_dashboard_url(request, clinic, **({"p": str(go)} if go else {})))


@login_required
@require_POST
def clinic_assign(request: HttpRequest, slug: str) -> HttpResponse:
    clinic = _clinic_or_404(request, slug)
    selection = _record_page(request, clinic)
    data = request.POST.copy()
    data.setlist("staff", [str(pk) for pk in sorted(selection)])
    form = AssignForm(data, clinic=clinic)
    if not form.is_valid():
        return _dashboard(request, clinic, form, status=400)
    staff = list(form.cleaned_data["staff"])
    programme = form.cleaned_data["programme"]
    due_date = form.cleaned_data["due_date"]
    AssignProgrammeAction(
        clinic, user=request.user, staff=staff, programme=programme, due_date=due_date
    ).execute()
    messages.success(
        request,
        f"{programme.title} assigned to {len(staff)} staff member{'s' if len(staff) != 1 else ''}, due "
        f"{date_format(form.cleaned_data['due_date'], 'j M Y')}. They are enrolled in its courses.",
    )
    return redirect(_dashboard_url(request, clinic))


def _people(count: int) -> str:
    return f"{count} {'person' if count == 1 else 'people'}"


@login_required
@require_POST
def clinic_remind(request: HttpRequest, slug: str) -> HttpResponse:
    """Queue a reminder to the selected staff (or to the one `person` posted from their page)."""
    clinic = _clinic_or_404(request, slug)
    person = query_id(request.POST, "person")
    chosen = [person] if person is not None else sorted(_record_page(request, clinic))
    try:
        result = RemindStaffAction(clinic, user=request.user, staff_ids=chosen).execute()
    except CertificationError as error:
        if person is not None:
            raise Http404("No such staff member.") from error
        return _dashboard(
            request, clinic, AssignForm(clinic=clinic), status=400, remind_errors=[str(error)]
        )
    text = (
        f"Reminder queued for {_people(len(result.queued))}; "
        f"{len(result.recently_reminded)} skipped (reminded in the last 24 hours)"
    )
    if result.nothing_outstanding:
        text += f"; {len(result.nothing_outstanding)} skipped (nothing outstanding)"
    messages.success(request, text + ".")
    if person is not None:
        return redirect("clinics:staff", slug=clinic.slug, user_id=person)
    return redirect(_dashboard_url(request, clinic))


@login_required
@require_GET
def clinic_staff(request: HttpRequest, slug: str, user_id: int) -> TemplateResponse:
    """One staff member of the clinic: each programme's standing, what is missing, with dates."""
    clinic = _clinic_or_404(request, slug)
    membership = (
        ClinicMembership.objects.filter(clinic=clinic, role=ClinicRole.STAFF, user_id=user_id)
        .select_related("user")
        .first()
    )
    if membership is None:
        raise Http404("No such staff member.")
    return TemplateResponse(
        request,
        "certification/clinic_staff.html",
        {
            "clinic": clinic,
            "person": membership.user,
            "membership": membership,
            "records": staff_record(clinic, membership.user),
            "back_query": _dashboard_query(request),
        },
    )


@login_required
@require_GET
def my_competencies(request: AuthenticatedHttpRequest) -> TemplateResponse:
    records = competency_records(request.user)
    assessments = SkillAssessment.objects.filter(
        trainee=request.user, status=AssessmentStatus.SIGNED
    ).select_related("assessor")
    return TemplateResponse(
        request,
        "certification/my_competencies.html",
        {
            "records": records,
            "met": sum(r.met for r in records),
            "total": len(records),
            "assessments": list(assessments),
        },
    )
