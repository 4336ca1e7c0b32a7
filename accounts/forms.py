"""Account forms."""

from __future__ import annotations

from functools import partial
from typing import cast

from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from accounts.audit import log_password_reset_requested
from accounts.models import User
from accounts.notifications import email_choices, kinds, set_email_choices
from accounts.tasks import send_password_reset_email


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, with the e-mail sent by a background task instead of in the request."""

    def save(  # type: ignore[override]  # keyword-only extras differ from the stub
        self,
        domain_override: str | None = None,
        use_https: bool = False,
        request: HttpRequest | None = None,
        **kwargs,
    ) -> None:
        """Queue a reset e-mail for each active account using the address, once this commits."""
        domain = domain_override or get_current_site(request).domain
        for user in self.get_users(self.cleaned_data["email"]):
            if request is not None:
                log_password_reset_requested(request, user)
            transaction.on_commit(
                partial(
                    send_password_reset_email.enqueue,
                    user_id=user.pk,
                    domain=domain,
                    use_https=use_https,
                )
            )


class ProfileForm(forms.ModelForm):
    """A person's own name and e-mail address.

    The address must be free (compared without regard to case) and, to change it, the current
    password is asked for: whoever holds the address can reset the password, so a borrowed
    session must not be enough to take the account.
    """

    current_password = forms.CharField(
        label="Current password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Needed only to change your e-mail address.",
    )

    class Meta:
        model = User
        fields = ["first_name", "last_name", "email"]
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial_email = self.instance.email
        self.fields["email"].required = True
        self.fields["email"].label = "E-mail address"

    @property
    def email_changed(self) -> bool:
        return self.cleaned_data.get("email", "").lower() != self.initial_email.lower()

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"].strip())
        taken = User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists()
        if taken:
            raise ValidationError(
                "Another account already uses this e-mail address. Enter a different one.",
                code="email_taken",
            )
        return email

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        if "email" in cleaned and self.email_changed:
            password = cleaned.get("current_password") or ""
            if not self.instance.check_password(password):
                self.add_error(
                    "current_password",
                    "Enter your current password to change your e-mail address."
                    if not password
                    else "Your current password was entered wrongly. Please try again.",
                )
        return cleaned


class EmailChoicesForm(forms.Form):
    """Which kinds of notification a person also gets by e-mail: one checkbox per kind."""

    by_email = forms.MultipleChoiceField(
        label="Also send me an e-mail when",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        field = cast(forms.MultipleChoiceField, self.fields["by_email"])
        field.choices = [(kind.key, kind.label) for kind in kinds()]
        if not self.is_bound:
            self.initial["by_email"] = [key for key, on in email_choices(user).items() if on]

    def save(self) -> None:
        """Record the choice for every registered kind: ticked is on, the rest off."""
        chosen = set(self.cleaned_data["by_email"])
        set_email_choices(self.user, {kind.key: kind.key in chosen for kind in kinds()})
