"""Certificate verification (public, by code), clinic dashboards (their managers only), and
the learner's competencies. Each view checks who is asking; a clinic someone does not manage
does not exist for them (404)."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.formats import date_format
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from accounts.audit import log_export
from accounts.http import AuthenticatedHttpRequest
from certification.actions import AssignProgrammeAction
from certification.clinics import STATUS_LABELS, clinic_matrix, managed_clinic
from certification.competencies import competency_records
from certification.forms import AssignForm
from certification.models import AssessmentStatus, Certificate, SkillAssessment
from certification.pdf import certificate_pdf
from certification.requirements import Standing
from core.exports import Echo, spreadsheet_safe
from core.params import query_choice, query_id, query_text

STAFF_PER_PAGE = 100


@require_GET
def verify(request: HttpRequest, code: str) -> TemplateResponse:
    """Anyone with the code: name, programme, issued, expires, status. Nothing more."""
    certificate = get_object_or_404(Certificate.objects.select_related("programme"), code=code)
    response = TemplateResponse(request, "certification/verify.html", {"certificate": certificate})
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


def _clinic_or_404(request: HttpRequest, slug: str):
    clinic = managed_clinic(request.user, slug)
    if clinic is None:
        raise Http404("No such clinic.")
    return clinic


def _filters(request: HttpRequest) -> dict:
    return {
        "status": query_choice(request.GET, "status", STATUS_LABELS),
        "programme_id": query_id(request.GET, "programme"),
        "q": query_text(request.GET, "q"),
    }


def _dashboard(
    request: HttpRequest, clinic, form: AssignForm, status: int = 200
) -> TemplateResponse:
    filters = _filters(request)
    matrix = clinic_matrix(clinic, **filters)
    counts = matrix.counts()
    page = Paginator(matrix.rows, STAFF_PER_PAGE).get_page(request.GET.get("p"))
    query = request.GET.copy()
    query.pop("p", None)
    context = {
        "clinic": clinic,
        "programmes": matrix.programmes,
        "rows": page,
        "total": len(matrix.rows),
        "filters": filters,
        "statuses": STATUS_LABELS,
        "summary": [(key, label, counts[key]) for key, label in STATUS_LABELS.items()],
        "form": form,
        # Not "query": the site header's search box shows that variable.
        "filter_query": query.urlencode(),
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
    clinic = _clinic_or_404(request, slug)
    matrix = clinic_matrix(clinic, **_filters(request))
    log_export(request, clinic, "clinic certification CSV")

    def lines():
        writer = csv.writer(Echo())
        yield writer.writerow(
            [
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
        )
        for row in matrix.rows:
            for programme, cell in zip(matrix.programmes, row.cells, strict=True):
                certificate = cell.certificate
                held = certificate is not None and cell.held
                yield writer.writerow(
                    [
                        spreadsheet_safe(row.user.get_full_name()),
                        spreadsheet_safe(row.user.username),
                        spreadsheet_safe(row.user.email),
                        programme.title,
                        STATUS_LABELS[cell.status],
                        cell.percent,
                        cell.progress.skills,
                        cell.progress.skills_total,
                        certificate.expires_at.date().isoformat()
                        if certificate and (cell.held or cell.status == Standing.EXPIRED)
                        else "",
                        cell.due_date.isoformat() if cell.due_date else "",
                        certificate.code if certificate is not None and held else "",
                    ]
                )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{clinic.slug}-certification.csv"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def clinic_assign(request: HttpRequest, slug: str) -> HttpResponse:
    clinic = _clinic_or_404(request, slug)
    form = AssignForm(request.POST, clinic=clinic)
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
    return redirect("clinics:dashboard", slug=clinic.slug)


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
