"""Forms for clinic managers and assessors."""

from __future__ import annotations

import hashlib
import json
from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from certification.clinics import learners
from certification.models import (
    ClinicRole,
    ItemResult,
    Programme,
    SkillAssessment,
    SkillChecklist,
)
from certification.permissions import assessable_checklists
from core.params import parse_id


class AssignForm(forms.Form):
    """A manager asks staff to hold a programme by a date."""

    programme = forms.ModelChoiceField(queryset=Programme.objects.all(), empty_label=None)
    due_date = forms.DateField(widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    staff: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        queryset=None, widget=forms.CheckboxSelectMultiple, required=False
    )
    everyone = forms.BooleanField(required=False, label="All staff")

    def __init__(self, *args: Any, clinic: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        staff = self.staff_field
        staff.queryset = (
            get_user_model()
            .objects.filter(
                clinic_memberships__clinic=clinic, clinic_memberships__role=ClinicRole.STAFF
            )
            .order_by("last_name", "first_name", "username")
        )
        staff.label_from_instance = lambda user: user.display_name  # type: ignore[method-assign,assignment]  # Django's documented hook
        self.clinic = clinic

    @property
    def staff_field(self) -> forms.ModelMultipleChoiceField[Any]:
        return cast("forms.ModelMultipleChoiceField[Any]", self.fields["staff"])

    def clean_due_date(self):
        due = self.cleaned_data["due_date"]
        if due < timezone.localdate():
            raise forms.ValidationError("Choose a due date from today on.")
        return due

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("everyone"):
            cleaned["staff"] = list(self.staff_field.queryset or [])
        if not cleaned.get("staff"):
            raise forms.ValidationError("Choose at least one staff member, or all staff.")
        return cleaned


TRAINEES_LISTED = 50


def _learner_label(user) -> str:
    return f"{user.display_name} ({user.username})"


class StartAssessmentForm(forms.Form):
    """Who is assessed, on which checklist, when. Only learners can be chosen.

    The trainee list shows the learners matching `search` (name, username or e-mail), at most
    TRAINEES_LISTED of them, and always the one already chosen; any learner is accepted.
    """

    trainee: forms.ModelChoiceField[Any] = forms.ModelChoiceField(queryset=None)
    checklist: forms.ModelChoiceField[Any] = forms.ModelChoiceField(queryset=None, empty_label=None)
    assessed_on = forms.DateField(
        initial=timezone.localdate,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )

    def __init__(self, *args, search: str = "", user: Any = None, **kwargs):
        super().__init__(*args, **kwargs)
        candidates = learners().order_by("last_name", "first_name", "username")
        cast("forms.ModelChoiceField[Any]", self.fields["trainee"]).queryset = candidates
        # Given the assessor, only the checklists they are eligible for (permissions.may_assess).
        cast("forms.ModelChoiceField[Any]", self.fields["checklist"]).queryset = (
            assessable_checklists(user)
            if user is not None
            else SkillChecklist.objects.filter(live=True)
        )
        self.search = search
        shown = candidates
        for word in search.split():
            shown = shown.filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(username__icontains=word)
                | Q(email__icontains=word)
            )
        listed = list(shown[: TRAINEES_LISTED + 1])
        self.more_trainees = len(listed) > TRAINEES_LISTED
        listed = listed[:TRAINEES_LISTED]
        chosen = parse_id(
            str(
                self.data.get(self.add_prefix("trainee"), "")
                if self.is_bound
                else self.initial.get("trainee", "")
            )
        )
        if chosen is not None and all(user.pk != chosen for user in listed):
            listed = list(candidates.filter(pk=chosen)) + listed
        if search and len(listed) == 1 and chosen is None:
            self.initial["trainee"] = listed[0].pk  # the one learner found: nothing to pick
        self.trainees_listed = len(listed)
        self.fields["trainee"].widget.attrs["aria-describedby"] = "trainee-help"
        self.fields["trainee"].widget.choices = [("", "---------")] + [
            (user.pk, _learner_label(user)) for user in listed
        ]

    def clean_assessed_on(self):
        day = self.cleaned_data["assessed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("An assessment cannot be dated in the future.")
        return day


class AssessmentForm(forms.Form):
    """Item results, global rating and comments for a draft assessment."""

    assessed_on = forms.DateField(widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    global_rating = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    comments = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}), required=False, max_length=10_000
    )

    def __init__(self, *args, assessment, **kwargs):
        super().__init__(*args, **kwargs)
        snapshot = assessment.checklist_snapshot
        cast(forms.TypedChoiceField, self.fields["global_rating"]).choices = [
            ("", "Not yet rated")
        ] + [
            (n, f"{n}{' (pass)' if n >= snapshot['pass_rating'] else ''}")
            for n in range(1, snapshot["rating_max"] + 1)
        ]
        self.items = list(assessment.item_results.all())
        for item in self.items:
            self.fields[f"item_{item.position}"] = forms.ChoiceField(
                label=item.text,
                choices=[("", "—"), *list(ItemResult.choices)],
                required=False,
                initial=item.result,
            )
            self.fields[f"item_{item.position}_comment"] = forms.CharField(
                label="Comment", required=False, max_length=1000, initial=item.comment
            )

    def clean_assessed_on(self):
        day = self.cleaned_data["assessed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("An assessment cannot be dated in the future.")
        return day

    def results(self) -> dict[int, tuple[str, str]]:
        return {
            item.position: (
                self.cleaned_data[f"item_{item.position}"],
                self.cleaned_data[f"item_{item.position}_comment"],
            )
            for item in self.items
        }


def draft_fingerprint(assessment: SkillAssessment) -> str:
    """A digest of everything a signature fixes: the date, rating, comments and item results."""
    content = [
        assessment.assessed_on.isoformat(),
        assessment.global_rating,
        assessment.comments,
        [(i.position, i.result, i.comment) for i in assessment.item_results.order_by("position")],
    ]
    return hashlib.sha256(json.dumps(content).encode()).hexdigest()


class SignForm(forms.Form):
    """The confirmation of a signature: valid only for the draft exactly as it was reviewed."""

    reviewed = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, assessment: SkillAssessment, **kwargs):
        super().__init__(*args, **kwargs)
        self.fingerprint = draft_fingerprint(assessment)
        self.fields["reviewed"].initial = self.fingerprint

    def clean_reviewed(self) -> str:
        if self.cleaned_data["reviewed"] != self.fingerprint:
            raise forms.ValidationError(
                "The draft changed after it was shown here; review it again before signing."
            )
        return self.cleaned_data["reviewed"]


class RevokeForm(forms.Form):
    """Why a certificate is revoked: recorded in the audit log and shown to the holder."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text="Recorded in the audit log and shown to the holder.",
    )
