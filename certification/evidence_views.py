"""A certificate's evidence pack (page and PDF) and the learner's CPD transcript (page, PDF, CSV).

Views only: the pack is built by certification.evidence_pack, the transcript by certification.cpd,
and who may see a pack is `certification.permissions.may_see_evidence`. A pack someone may not see
does not exist for them (404), whether or not the code is real.
"""

from __future__ import annotations

import csv
from typing import TypeVar

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from accounts.audit import log_export
from accounts.http import AuthenticatedHttpRequest
from certification.cpd import Transcript, transcript
from certification.evidence_pack import certificate_for_pack, evidence_pack
from certification.models import Certificate
from certification.permissions import may_see_evidence
from certification.report_pdf import evidence_pack_pdf, transcript_pdf
from core.exports import Echo, spreadsheet_safe

R = TypeVar("R", HttpResponse, StreamingHttpResponse)

# Years a transcript may be asked for: anything else shows every year.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _private(response: R) -> R:
    """No robots, no caches: the response holds personal records."""
    response["X-Robots-Tag"] = "noindex"
    response["Cache-Control"] = "no-store"
    return response


def _visible_certificate(request: HttpRequest, code: str) -> Certificate:
    certificate = certificate_for_pack(code)
    if certificate is None or not may_see_evidence(request.user, certificate):
        raise Http404("No such certificate.")
    return certificate


@login_required
@require_GET
def evidence(request: HttpRequest, code: str) -> HttpResponse:
    """The evidence pack of a certificate, for its holder, their managers and admins."""
    certificate = _visible_certificate(request, code)
    pack = evidence_pack(certificate)
    return _private(
        TemplateResponse(
            request,
            "certification/evidence_pack.html",
            {
                "pack": pack,
                "certificate": certificate,
                "own": certificate.user_id == request.user.pk,
            },
        )
    )


@login_required
@require_GET
def evidence_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """The evidence pack as a PDF (an export of personal data when someone else's: audited)."""
    certificate = _visible_certificate(request, code)
    if certificate.user_id != request.user.pk:
        log_export(request, certificate, "certificate evidence pack PDF")
    pack = evidence_pack(certificate)
    url = request.build_absolute_uri(certificate.get_absolute_url())
    response = HttpResponse(evidence_pack_pdf(pack, url), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="evidence-{slugify(certificate.programme.title)}-'
        f'{certificate.code[:8]}.pdf"'
    )
    return _private(response)


def _year(request: HttpRequest) -> int | None:
    """The `year` asked for, when it is a plausible calendar year; otherwise every year."""
    value = request.GET.get("year", "")
    if value.isascii() and value.isdigit() and len(value) == 4:
        year = int(value)
        if FIRST_YEAR <= year <= LAST_YEAR:
            return year
    return None


def _transcript(request: AuthenticatedHttpRequest) -> Transcript:
    return transcript(request.user, _year(request))


@login_required
@require_GET
def cpd_transcript(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The signed-in learner's CPD transcript, for a year or every year."""
    return _private(
        TemplateResponse(
            request, "certification/cpd_transcript.html", {"transcript": _transcript(request)}
        )
    )


def _filename(request: AuthenticatedHttpRequest, found: Transcript, extension: str) -> str:
    period = str(found.year) if found.year is not None else "all-years"
    return f"cpd-transcript-{slugify(request.user.get_username())}-{period}.{extension}"


@login_required
@require_GET
def cpd_transcript_pdf(request: AuthenticatedHttpRequest) -> HttpResponse:
    found = _transcript(request)
    response = HttpResponse(
        transcript_pdf(found, request.user.display_name), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="{_filename(request, found, "pdf")}"'
    return _private(response)


@login_required
@require_GET
def cpd_transcript_csv(request: AuthenticatedHttpRequest) -> StreamingHttpResponse:
    """The transcript as CSV: one row per module completed, then one per certificate; every
    text cell through core.exports.spreadsheet_safe."""
    found = _transcript(request)

    def lines():
        writer = csv.writer(Echo())
        yield writer.writerow(["kind", "title", "course", "hours", "date", "valid until", "status"])
        for e in found.entries:
            yield writer.writerow(
                [
                    "module",
                    spreadsheet_safe(e.module_title),
                    spreadsheet_safe(e.course_title),
                    e.hours_label,
                    timezone.localtime(e.completed_at).date().isoformat(),
                    "",
                    "",
                ]
            )
        for c in found.certificates:
            yield writer.writerow(
                [
                    "certificate",
                    spreadsheet_safe(c.programme.title),
                    "",
                    "",
                    timezone.localtime(c.issued_at).date().isoformat(),
                    timezone.localtime(c.expires_at).date().isoformat(),
                    c.status_label,
                ]
            )
        yield writer.writerow(["total", found.period, "", found.total_label, "", "", ""])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(request, found, "csv")}"'
    return _private(response)
