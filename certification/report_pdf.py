"""Multi-page A4 reports as PDF (reportlab's platypus): a certificate's evidence pack and a
learner's CPD transcript. The house colours and the certificate scope come from
certification.pdf, so every PDF the site makes looks and speaks alike.

Every text placed in a paragraph is escaped first (`text`): names and titles are data, never
markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from io import BytesIO
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.formats import date_format
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from certification.cpd import Transcript
from certification.evidence_pack import EvidencePack
from certification.pdf import BRAND, INK, MUTED, SCOPE

_BASE = getSampleStyleSheet()
STYLES = {
    "brand": ParagraphStyle(
        "brand",
        _BASE["Normal"],
        fontName="Helvetica-Bold",
        fontSize=11,
        textColor=BRAND,
        spaceAfter=2 * mm,
    ),
    "title": ParagraphStyle(
        "title",
        _BASE["Title"],
        alignment=0,
        fontSize=18,
        leading=22,
        textColor=INK,
        spaceAfter=3 * mm,
    ),
    "h2": ParagraphStyle(
        "h2", _BASE["Heading2"], fontSize=13, textColor=BRAND, spaceBefore=5 * mm, spaceAfter=2 * mm
    ),
    "h3": ParagraphStyle(
        "h3", _BASE["Heading3"], fontSize=10.5, textColor=INK, spaceBefore=3 * mm, spaceAfter=1 * mm
    ),
    "body": ParagraphStyle("body", _BASE["Normal"], fontSize=9, leading=12, textColor=INK),
    "muted": ParagraphStyle("muted", _BASE["Normal"], fontSize=8, leading=10.5, textColor=MUTED),
    "cell": ParagraphStyle("cell", _BASE["Normal"], fontSize=8, leading=10, textColor=INK),
}
WIDTH = A4[0] - 36 * mm


def text(value: object) -> str:
    """Plain text made safe for a reportlab paragraph (which reads a little XML)."""
    return escape("" if value is None else str(value))


def day(value: date | datetime | None) -> str:
    """A date as the site prints it ("3 Mar 2025"), "—" when there is none."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = timezone.localtime(value)
    return date_format(value, "j M Y")


def _table(header: Sequence[str], rows: list[list[str]], widths: Sequence[float]) -> Table:
    data = [[Paragraph(f"<b>{text(h)}</b>", STYLES["cell"]) for h in header]]
    data += [[Paragraph(text(cell), STYLES["cell"]) for cell in row] for row in rows]
    table = Table(data, colWidths=[w * WIDTH for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6f0f1")),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#c9d3d9")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _render(title: str, subject: str, story: list[Flowable]) -> bytes:
    buffer = BytesIO()

    def footer(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(18 * mm, 10 * mm, f"HFS Academy · {subject}")
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"Page {document.page}")
        canvas.restoreState()

    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=title,
        author="HFS Academy",
        subject=subject,
    )
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _facts(pairs: list[tuple[str, str]]) -> Table:
    rows = [
        [Paragraph(f"<b>{text(k)}</b>", STYLES["body"]), Paragraph(text(v), STYLES["body"])]
        for k, v in pairs
    ]
    table = Table(rows, colWidths=[0.25 * WIDTH, 0.75 * WIDTH])
    table.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
    )
    return table


def _none(message: str) -> Paragraph:
    return Paragraph(text(message), STYLES["muted"])


def evidence_pack_pdf(pack: EvidencePack, verify_url: str) -> bytes:
    """The evidence pack as a PDF: the certificate, then each requirement with its evidence."""
    c = pack.certificate
    story: list[Flowable] = [
        Paragraph("HFS ACADEMY", STYLES["brand"]),
        Paragraph(f"Evidence pack: {text(c.programme.title)}", STYLES["title"]),
        _facts(
            [
                ("Holder", c.holder_name),
                ("Programme", c.programme.title),
                ("Cycle", f"{c.cycle} ({'renewal path' if pack.renewal else 'first path'})"),
                ("Issued", day(c.issued_at)),
                ("Expires", day(c.expires_at)),
                (
                    "Status",
                    c.status_label + (f", revoked {day(c.revoked_at)}" if c.revoked_at else ""),
                ),
                ("Certificate code", c.code),
                ("Verify at", verify_url),
            ]
        ),
        Spacer(1, 2 * mm),
        Paragraph(
            text(
                "The records that met each requirement as they stood on the issue date. "
                f"Observed evidence counts from {day(pack.counted_from)}. {SCOPE}"
            ),
            STYLES["muted"],
        ),
    ]
    if pack.courses:
        story.append(Paragraph("Courses", STYLES["h2"]))
    for course in pack.courses:
        story.append(
            Paragraph(
                f"{text(course.title)}: completed {text(day(course.completed_at))}", STYLES["h3"]
            )
        )
        rows = [
            [
                lesson.title,
                day(lesson.completed_at),
                f"Revision {lesson.revision_id} of {day(lesson.revision_at)}"
                if lesson.revision_id
                else "No revision on record",
            ]
            for lesson in course.lessons
        ]
        story.append(
            _table(["Lesson", "Completed", "Version trained on"], rows, (0.5, 0.18, 0.32))
            if rows
            else _none("No lesson completion on record.")
        )
    if pack.quizzes:
        story.append(Paragraph("Quizzes", STYLES["h2"]))
    for quiz in pack.quizzes:
        rows = [
            [
                str(a.number),
                day(a.submitted_at),
                f"{a.score} of {a.max_score}"
                + (f" ({a.percent}%)" if a.percent is not None else ""),
                f"{a.pass_mark}%",
            ]
            for a in quiz.attempts
        ]
        story.append(
            KeepTogether(
                [
                    Paragraph(text(quiz.title), STYLES["h3"]),
                    _table(
                        ["Attempt", "Date", "Score", "Pass mark"], rows, (0.15, 0.25, 0.35, 0.25)
                    )
                    if rows
                    else _none("No passing attempt on record."),
                ]
            )
        )
    if pack.checklists:
        story.append(Paragraph("Observed skills", STYLES["h2"]))
    for checklist in pack.checklists:
        rows = [
            [
                day(a.assessed_on),
                a.assessor + (f" (external; {a.registration})" if a.registration else ""),
                f"{a.global_rating} of {a.rating_max}"
                if a.rating_max
                else str(a.global_rating or "—"),
                f"{a.countersigned_by}, {day(a.countersigned_at)}" if a.countersigned_by else "—",
                day(a.acknowledged_at)
                + (f"; dispute upheld {day(a.dispute_upheld_at)}" if a.dispute_upheld_at else ""),
            ]
            for a in checklist.assessments
        ]
        story.append(Paragraph(text(checklist.title), STYLES["h3"]))
        story.append(
            Paragraph(
                text(
                    f"Needs {checklist.min_observations} passed observation(s) by "
                    f"{checklist.min_assessors} assessor(s); {len(checklist.assessments)} by "
                    f"{checklist.assessor_count} on record."
                ),
                STYLES["muted"],
            )
        )
        story.append(
            _table(
                ["Observed", "Assessor", "Rating", "Countersigned", "Acknowledged"],
                rows,
                (0.14, 0.32, 0.12, 0.24, 0.18),
            )
            if rows
            else _none("No counted assessment on record.")
        )
    if pack.empty:
        story.append(_none("This programme listed no requirement on this path."))
    story.append(Spacer(1, 4 * mm))
    story.append(Paragraph(text(f"Generated {day(pack.generated_at)}."), STYLES["muted"]))
    return _render(
        f"Evidence pack — {c.programme.title} — {c.holder_name}",
        f"Evidence pack of certificate {c.code}",
        story,
    )


def transcript_pdf(transcript: Transcript, name: str) -> bytes:
    """A learner's CPD transcript as a PDF: modules with hours, total, certificates."""
    story: list[Flowable] = [
        Paragraph("HFS ACADEMY", STYLES["brand"]),
        Paragraph("CPD transcript", STYLES["title"]),
        _facts(
            [
                ("Learner", name),
                ("Period", transcript.period),
                ("Total", f"{transcript.total_label} CPD hours"),
            ]
        ),
        Paragraph("Continuing professional development", STYLES["h2"]),
    ]
    rows = [
        [e.module_title, e.course_title, e.hours_label, day(e.completed_at)]
        for e in transcript.entries
    ]
    story.append(
        _table(["Module", "Course", "Hours", "Completed on"], rows, (0.38, 0.34, 0.1, 0.18))
        if rows
        else _none("No module completed in this period.")
    )
    story.append(Paragraph("Certificates", STYLES["h2"]))
    rows = [
        [c.programme.title, day(c.issued_at), day(c.expires_at), c.status_label]
        for c in transcript.certificates
    ]
    story.append(
        _table(["Programme", "Issued", "Valid until", "Status"], rows, (0.46, 0.18, 0.18, 0.18))
        if rows
        else _none("No certificate issued in this period.")
    )
    story.append(Spacer(1, 4 * mm))
    story.append(Paragraph(text(f"Generated {day(timezone.now())}."), STYLES["muted"]))
    return _render(f"CPD transcript — {name}", f"CPD transcript, {transcript.period}", story)
