"""Admin edit forms as the browser posts them, and reviewed snippets to edit."""

from __future__ import annotations

from bs4 import BeautifulSoup

from certification.models import ChecklistItem, SkillChecklist
from courses.models import LessonPage
from quizzes.models import CaseStage, ClinicalCase
from tests.factories import CompetencyFactory, SourceFactory


def edit_form(lesson: LessonPage, title: str, action: str) -> dict:
    """The lesson edit form as the admin posts it, with a new title."""
    citations = list(lesson.citations.all())
    data = {
        "title": title,
        "slug": lesson.slug,
        "summary": lesson.summary,
        "estimated_minutes": lesson.estimated_minutes,
        "body-count": "1",
        "body-0-type": "text",
        "body-0-value": '{"blocks":[{"key":"a","type":"unstyled","text":"Edited text.","depth":0,"inlineStyleRanges":[],"entityRanges":[]}],"entityMap":{}}',
        "body-0-deleted": "",
        "body-0-order": "0",
        "body-0-id": "",
        "competencies": [c.pk for c in lesson.competencies.all()],
        "citations-TOTAL_FORMS": str(len(citations)),
        "citations-INITIAL_FORMS": str(len(citations)),
        "citations-MIN_NUM_FORMS": "1",
        "citations-MAX_NUM_FORMS": "1000",
        "comments-TOTAL_FORMS": "0",
        "comments-INITIAL_FORMS": "0",
        "comments-MIN_NUM_FORMS": "0",
        "comments-MAX_NUM_FORMS": "1000",
        action: "1",
    }
    for i, citation in enumerate(citations):
        data.update(
            {
                f"citations-{i}-id": citation.pk,
                f"citations-{i}-source": citation.source_id,
                f"citations-{i}-passage": citation.passage,
                f"citations-{i}-ORDER": str(i + 1),
                f"citations-{i}-DELETE": "",
            }
        )
    return data


def editor_form(client, url: str) -> dict[str, str | list[str]]:
    """The fields of the admin edit form at `url`, as the browser submits them."""
    response = client.get(url)
    assert response.status_code == 200, response.content[:2000]
    form = BeautifulSoup(response.content, "html.parser").find("form", id="w-editor-form")
    data: dict[str, list[str]] = {}
    for field in form.find_all(["input", "select", "textarea"]):
        name = field.get("name")
        # Inline panels keep an empty form in a <template> for the "Add" button: never posted.
        if not name or "__prefix__" in name or field.has_attr("disabled"):
            continue
        if field.name == "textarea":
            values = [field.text.removeprefix("\n")]
        elif field.name == "select":
            chosen = [o for o in field.find_all("option") if o.has_attr("selected")]
            if not chosen and not field.has_attr("multiple"):
                chosen = field.find_all("option")[:1]
            values = [o.get("value", o.text) for o in chosen]
        elif field.get("type") in ("checkbox", "radio"):
            values = [field.get("value", "on")] if field.has_attr("checked") else []
        elif field.get("type") in ("submit", "button", "image", "reset"):
            continue
        else:
            values = [field.get("value", "")]
        data.setdefault(name, []).extend(values)
    return {name: values[0] if len(values) == 1 else values for name, values in data.items()}


def submit_from_editor(client, url: str, user, **changes) -> None:
    """`user` opens the editor at `url`, changes fields and submits to Clinical review."""
    client.force_login(user)
    data = editor_form(client, url) | changes | {"action-submit": "1"}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]


def approve_from_editor(client, url: str, reviewer, **changes) -> None:
    """`reviewer` opens the editor at `url` and chooses Approve, as the action menu posts it."""
    client.force_login(reviewer)
    data = editor_form(client, url) | changes
    data |= {"action-workflow-action": "true", "workflow-action-name": "approve"}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]


def make_case(key: str = "edit-view-case", title: str = "A case", source=None) -> ClinicalCase:
    """A published two-stage clinical case."""
    case = ClinicalCase(
        key=key,
        title=title,
        summary="<p>A patient with eyelid twitching.</p>",
        source=source or SourceFactory(),
        evidence_level="case_report",
        evidence_note="One patient.",
    )
    case.stages = [
        CaseStage(sort_order=i, title=t, narrative=f"<p>{t}.</p>", passage="p. 1")
        for i, t in enumerate(["Presentation", "Outcome"])
    ]
    case.save()
    case.save_revision().publish()
    return case


def make_checklist() -> SkillChecklist:
    """A published one-item skill checklist."""
    checklist = SkillChecklist(key="edit-view-checklist", title="A checklist")
    checklist.items = [
        ChecklistItem(sort_order=0, text="Palpates the chain", competency=CompetencyFactory())
    ]
    checklist.save()
    checklist.save_revision().publish()
    return checklist
