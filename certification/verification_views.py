"""/certificates/: look a certificate up by its code.

A valid code redirects to the certificate's verification page. A malformed code or one that
matches no certificate gets a message on the form (200); nothing says more than "not found".
The codes are 128 random bits (`new_certificate_code`), so guessing is hopeless anyway; the
lookups are still counted per client address (`accounts.throttling.within_limit`, the cache
the password-reset limits use), so the form is not an open oracle.
"""

from __future__ import annotations

import re

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from accounts.client_address import client_ip
from accounts.throttling import within_limit
from certification.models import Certificate

LOOKUPS_PER_ADDRESS = 30
LOOKUP_WINDOW = 15 * 60  # seconds
CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")  # core.converters.CodeConverter's pattern
NOT_FOUND = (
    "No certificate was found with that code. Check it against the certificate and try again."
)
MALFORMED = (
    "That is not a certificate code. A code is up to 32 letters, digits, hyphens and "
    "underscores, as printed under the certificate's QR code or at the end of its web address."
)
TOO_MANY = "Too many look-ups from your network. Please wait a few minutes and try again."


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Certificate code",
        max_length=300,
        strip=True,
        help_text="As printed on the certificate, or its verification web address.",
    )

    def clean_code(self) -> str:
        """The code typed, or the last part of a pasted verification address."""
        value: str = self.cleaned_data["code"]
        if "/" in value:
            value = value.rstrip("/").rsplit("/", 1)[-1].removesuffix(".pdf")
        if not CODE.fullmatch(value):
            raise forms.ValidationError(MALFORMED)
        return value


@require_GET
def lookup(request: HttpRequest) -> HttpResponse:
    """The form; with a code, the certificate's page (redirect) or a "not found" message."""
    form = CodeForm(request.GET if "code" in request.GET else None)
    status, error = 200, ""
    if form.is_bound and not within_limit(
        "certificate-lookup", client_ip(request) or "unknown", LOOKUPS_PER_ADDRESS, LOOKUP_WINDOW
    ):
        form = CodeForm(initial={"code": request.GET.get("code", "")[:300]})
        status, error = 429, TOO_MANY
    elif form.is_valid():
        certificate = Certificate.objects.filter(code=form.cleaned_data["code"]).first()
        if certificate is not None:
            return redirect(certificate.get_absolute_url())
        form.add_error("code", NOT_FOUND)
    response = TemplateResponse(
        request, "certification/lookup.html", {"form": form, "error": error}, status=status
    )
    response["X-Robots-Tag"] = "noindex"
    response["Cache-Control"] = "no-store"
    return response
