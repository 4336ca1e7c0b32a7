"""Forms of the chair-side assessment screen, the external link and countersigning.

The draft itself is edited with `certification.forms.AssessmentForm` (the admin's form, the same
fields and checks) and signed with its `SignForm`; these are what the screen adds.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from certification.countersign import COMMENT_MAX
from certification.permissions import assessable_checklists


class StartForm(forms.Form):
    """Whom to assess on which checklist: a checklist the assessor may assess, and any active
    account but their own (found by the search on the same page)."""

    checklist: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, empty_label="Choose a checklist…"
    )
    trainee: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None,
        error_messages={"required": "Find the trainee and choose them."},
    )
    assessed_on = forms.DateField(
        initial=timezone.localdate,
        label="Date observed",
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, assessor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checklist_field.queryset = assessable_checklists(assessor).order_by("title")
        self.trainee_field.queryset = (
            get_user_model().objects.filter(is_active=True).exclude(pk=assessor.pk)
        )

    @property
    def checklist_field(self) -> forms.ModelChoiceField[Any]:
        return cast("forms.ModelChoiceField[Any]", self.fields["checklist"])

    @property
    def trainee_field(self) -> forms.ModelChoiceField[Any]:
        return cast("forms.ModelChoiceField[Any]", self.fields["trainee"])

    def clean_assessed_on(self):
        day = self.cleaned_data["assessed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("An assessment cannot be dated in the future.")
        return day


class ConfirmIdentityForm(forms.Form):
    """An external supervisor says who they are before assessing (recorded in the audit log)."""

    name = forms.CharField(label="Your full name", max_length=200)
    registration_body = forms.CharField(label="Professional register", max_length=200)
    registration_number = forms.CharField(label="Registration number", max_length=100)
    confirm = forms.BooleanField(
        label="I am this supervisor, and I will observe the trainee in person.",
        error_messages={"required": "Tick the box to confirm."},
    )


class CountersignForm(forms.Form):
    """A countersignature's optional comment."""

    comment = forms.CharField(
        required=False,
        max_length=COMMENT_MAX,
        label="Comment (optional)",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Recorded with your countersignature in the assessment's record.",
    )
