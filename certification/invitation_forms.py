"""Forms for inviting (a clinic's manager, an admin), importing a CSV file, and accepting."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.utils import timezone

from certification.invitations import site_roles
from certification.models import ClinicRole, Invitation, Programme

DATE_WIDGET = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class _PersonForm(forms.Form):
    first_name = forms.CharField(max_length=150, required=False, label="First name")
    last_name = forms.CharField(max_length=150, required=False, label="Last name")
    email = forms.EmailField(max_length=150, label="E-mail address")

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class ClinicInviteForm(_PersonForm):
    """A manager invites one person into their clinic, optionally with programmes."""

    role = forms.ChoiceField(choices=ClinicRole.choices, initial=ClinicRole.STAFF, label="Role")
    programmes: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        queryset=Programme.objects.order_by("title"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Programmes to hold",
        help_text="Staff only. They are enrolled in the programmes' courses when they accept.",
    )
    due_date = forms.DateField(
        required=False,
        widget=DATE_WIDGET,
        label="Due date",
        help_text="Needed when programmes are chosen.",
    )

    def clean_due_date(self):
        due = self.cleaned_data["due_date"]
        if due is not None and due < timezone.localdate():
            raise forms.ValidationError("Choose a due date from today on.")
        return due

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        programmes = cleaned.get("programmes")
        if programmes and cleaned.get("role") == ClinicRole.MANAGER:
            self.add_error("programmes", "Programmes are assigned to staff only.")
        elif programmes and not cleaned.get("due_date") and "due_date" not in self.errors:
            self.add_error("due_date", "Give a due date for the programmes.")
        return cleaned


class SiteInviteForm(_PersonForm):
    """An admin invites one person into a site role (instructors, reviewers...)."""

    site_role = forms.ChoiceField(choices=(), label="Role")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["site_role"]).choices = [
            (name, name) for name in site_roles()
        ]


class ImportFileForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns: name,email,role,programmes,due_date. Role is staff or manager; "
        "programmes are programme keys separated by ; and due_date is YYYY-MM-DD.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class ImportConfirmForm(forms.Form):
    payload = forms.CharField(widget=forms.HiddenInput, max_length=2_000_000)


class AcceptForm(forms.Form):
    """The invited person's name and password (checked by the site's password validators)."""

    first_name = forms.CharField(max_length=150, label="First name")
    last_name = forms.CharField(max_length=150, label="Last name")
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, invitation: Invitation, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial", {"first_name": invitation.first_name, "last_name": invitation.last_name}
        )
        super().__init__(*args, **kwargs)
        self.invitation = invitation

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ.")
        elif first:
            user = get_user_model()(
                username=self.invitation.email,
                email=self.invitation.email,
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                password_validation.validate_password(first, user)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned
