"""Forms for clinic managers and assessors."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from certification.models import ClinicMembership, ClinicRole, ItemResult, Programme


class AssignForm(forms.Form):
    """A manager asks staff to hold a programme by a date."""

    programme = forms.ModelChoiceField(queryset=Programme.objects.all(), empty_label=None)
    due_date = forms.DateField(widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    staff = forms.ModelMultipleChoiceField(
        queryset=None, widget=forms.CheckboxSelectMultiple, required=False
    )
    everyone = forms.BooleanField(required=False, label="All staff")

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model

        self.fields["staff"].queryset = (
            get_user_model()
            .objects.filter(
                clinic_memberships__clinic=clinic, clinic_memberships__role=ClinicRole.STAFF
            )
            .order_by("last_name", "first_name", "username")
        )
        self.fields["staff"].label_from_instance = lambda user: user.display_name
        self.clinic = clinic

    def clean_due_date(self):
        due = self.cleaned_data["due_date"]
        if due < timezone.localdate():
            raise forms.ValidationError("Choose a due date from today on.")
        return due

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("everyone"):
            cleaned["staff"] = list(self.fields["staff"].queryset)
        if not cleaned.get("staff"):
            raise forms.ValidationError("Choose at least one staff member, or all staff.")
        return cleaned


class StartAssessmentForm(forms.Form):
    trainee = forms.ModelChoiceField(queryset=None)
    checklist = forms.ModelChoiceField(queryset=None, empty_label=None)
    assessed_on = forms.DateField(
        initial=timezone.localdate,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model

        from certification.models import SkillChecklist

        self.fields["trainee"].queryset = (
            get_user_model()
            .objects.filter(is_active=True)
            .order_by("last_name", "first_name", "username")
        )
        self.fields["trainee"].label_from_instance = lambda user: (
            f"{user.display_name} ({user.username})"
        )
        self.fields["checklist"].queryset = SkillChecklist.objects.filter(live=True)

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
        self.fields["global_rating"].choices = [("", "Not yet rated")] + [
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


def staff_of(clinic) -> list:
    return [
        m.user
        for m in ClinicMembership.objects.filter(
            clinic=clinic, role=ClinicRole.STAFF
        ).select_related("user")
    ]
