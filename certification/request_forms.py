"""Forms of assessment requests: asking an assessor, proposing an external supervisor,
declining a request, not approving a supervisor. They check shape only; the rules are the
actions' (certification.requests, certification.external_approval)."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from certification.models import Clinic, SkillChecklist
from certification.permissions import eligible_assessors
from certification.requests import MESSAGE_LENGTH, REASON_LENGTH, ExternalProposal

KIND_ASSESSOR = "assessor"
KIND_EXTERNAL = "external"


class _PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


def _message_field() -> forms.CharField:
    return forms.CharField(
        label="Message",
        required=False,
        max_length=MESSAGE_LENGTH,
        help_text="When and where you could be observed; anything to prepare.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AssessorRequestForm(forms.Form):
    """Ask one of the checklist's eligible assessors."""

    kind = forms.CharField(widget=forms.HiddenInput, initial=KIND_ASSESSOR)
    assessor = _PersonChoiceField(queryset=None, label="Assessor", empty_label="Choose…")
    message = _message_field()

    def __init__(self, *args: Any, checklist: SkillChecklist, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", KIND_ASSESSOR)
        super().__init__(*args, **kwargs)
        field = cast(_PersonChoiceField, self.fields["assessor"])
        field.queryset = eligible_assessors(checklist)


class ExternalProposalForm(forms.Form):
    """Propose a supervisor outside the site, for a manager of one's clinic (or an admin) to
    approve."""

    kind = forms.CharField(widget=forms.HiddenInput, initial=KIND_EXTERNAL)
    name = forms.CharField(label="Supervisor's name", max_length=200)
    email = forms.EmailField(label="Supervisor's e-mail", help_text="The link is sent here.")
    profession = forms.CharField(max_length=200, required=False)
    registration_body = forms.CharField(
        label="Registration body",
        max_length=200,
        help_text="The professional register, e.g. the national acupuncture council.",
    )
    registration_number = forms.CharField(label="Registration number", max_length=100)
    clinic: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None,
        label="Clinic that approves",
        help_text="A manager of this clinic approves the supervisor before the link is sent.",
    )
    message = _message_field()

    def __init__(self, *args: Any, clinics: list[Clinic], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", KIND_EXTERNAL)
        super().__init__(*args, **kwargs)
        field = cast("forms.ModelChoiceField[Any]", self.fields["clinic"])
        if clinics:
            field.queryset = Clinic.objects.filter(pk__in=[c.pk for c in clinics])
            if len(clinics) == 1:
                field.empty_label = None
        else:
            # No clinic: the site's administrators approve.
            del self.fields["clinic"]

    def proposal(self) -> ExternalProposal:
        data = self.cleaned_data
        return ExternalProposal(
            name=data["name"],
            email=data["email"],
            profession=data["profession"],
            registration_body=data["registration_body"],
            registration_number=data["registration_number"],
            clinic=data.get("clinic"),
        )


class DeclineForm(forms.Form):
    """Why an assessor declines (the trainee reads it)."""

    reason = forms.CharField(
        label="Reason (the trainee reads it)",
        max_length=REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RejectSupervisorForm(forms.Form):
    """Why a supervisor is not approved (the trainee reads it)."""

    note = forms.CharField(
        label="Why not (the trainee reads it)",
        max_length=REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
