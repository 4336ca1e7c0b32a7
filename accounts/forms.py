"""Account forms."""

from __future__ import annotations

from functools import partial

from django.contrib.auth.forms import PasswordResetForm
from django.contrib.sites.shortcuts import get_current_site
from django.db import transaction
from django.http import HttpRequest

from accounts.audit import log_password_reset_requested
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
