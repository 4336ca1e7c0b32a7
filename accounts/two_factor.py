"""Staff two-factor pages under /accounts/two-factor/: set up, recovery codes, verify, reset.

The rules (who needs a second factor, checking codes, throttling) live in accounts/otp.py; these
views only ask who is there, call it, and answer. Only people who need a second factor
(`requires_two_factor`) reach these pages; anyone else gets 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import audit, otp
from accounts.http import AuthenticatedHttpRequest

# Recovery codes waiting to be shown once, kept in the session between set-up and the next page.
CODES_SESSION_KEY = "accounts.recovery_codes"
ADMIN_HOME = "/admin/"


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        strip=True,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, label: str, help_text: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].label = label
        self.fields["code"].help_text = help_text


APP_CODE_LABEL = "Six-digit code from your authenticator app"
ANY_CODE_LABEL = "Code from your authenticator app, or a recovery code"
ANY_CODE_HELP = "A recovery code works once only."


def staff_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, and someone who needs a second factor (anyone else is refused with 403)."""

    @login_required
    @wraps(view)
    def wrapped(request: AuthenticatedHttpRequest, *args, **kwargs) -> HttpResponse:
        if not otp.requires_two_factor(request.user):
            raise PermissionDenied("Two-factor authentication is for staff who use the admin.")
        return view(request, *args, **kwargs)

    return wrapped


def _next(request: AuthenticatedHttpRequest, default: str = ADMIN_HOME) -> str:
    return otp.safe_next(request.POST.get("next") or request.GET.get("next"), default)


def _refused(form: CodeForm, result: otp.CodeCheck) -> int:
    """Put the reason a code was refused on the form; return the status to answer with."""
    if result.throttled:
        form.add_error(
            "code",
            f"Too many wrong codes. Wait {result.wait_seconds} seconds, then try again.",
        )
        return 429
    form.add_error("code", "That code is not right. Check it and try again.")
    return 400


@staff_only
@require_http_methods(["GET", "POST"])
def setup(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Show a new authenticator's QR code and secret; a code from the app confirms it."""
    user = request.user
    next_url = _next(request)
    if otp.has_two_factor(user):
        if otp.is_verified(user):
            messages.info(request, "Two-factor authentication is already set up.")
            return redirect(next_url)
        return redirect(otp.with_next(reverse("accounts:two_factor_verify"), next_url))
    device = otp.pending_authenticator(user)
    form = CodeForm(request.POST or None, label=APP_CODE_LABEL)
    status = 200
    if request.method == "POST" and form.is_valid():
        result, codes = otp.confirm_authenticator(user, form.cleaned_data["code"])
        if result.passed and result.device is not None:
            otp.pass_session(request, result.device)
            audit.log_two_factor(request, user, audit.TWO_FACTOR_SET_UP)
            request.session[CODES_SESSION_KEY] = codes
            return redirect(otp.with_next(reverse("accounts:two_factor_codes"), next_url))
        if not result.throttled:
            audit.log_two_factor(request, user, audit.TWO_FACTOR_FAILED)
        status = _refused(form, result)
    elif request.method == "POST":
        status = 400
    return TemplateResponse(
        request,
        "accounts/two_factor/setup.html",
        {
            "form": form,
            "next": next_url,
            "qr_code": otp.qr_code_svg(device),
            "secret": otp.secret_text(device),
        },
        status=status,
    )


@staff_only
@require_http_methods(["GET"])
def recovery_codes(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The new recovery codes, shown once: the session forgets them as the page is drawn."""
    codes = request.session.pop(CODES_SESSION_KEY, None)
    next_url = _next(request, reverse("accounts:profile"))
    if not codes:
        return redirect(next_url)
    return TemplateResponse(
        request, "accounts/two_factor/recovery_codes.html", {"codes": codes, "next": next_url}
    )


@staff_only
@require_http_methods(["GET", "POST"])
def verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Ask for an app code or a recovery code; on success go on to `next` (a path on this site)."""
    user = request.user
    next_url = _next(request)
    if not otp.has_two_factor(user):
        return redirect(otp.with_next(reverse("accounts:two_factor_setup"), next_url))
    if otp.is_verified(user):
        return redirect(next_url)
    form = CodeForm(request.POST or None, label=ANY_CODE_LABEL, help_text=ANY_CODE_HELP)
    status = 200
    if request.method == "POST" and form.is_valid():
        result = otp.check_code(user, form.cleaned_data["code"])
        if result.passed and result.device is not None:
            otp.pass_session(request, result.device)
            if not isinstance(result.device, TOTPDevice):
                audit.log_two_factor(request, user, audit.TWO_FACTOR_RECOVERY_USED)
                left = otp.recovery_codes_left(user)
                messages.warning(
                    request,
                    f"You used a recovery code; {left} left. Make new ones from your profile "
                    "if your authenticator app is lost.",
                )
            return redirect(next_url)
        if not result.throttled:
            audit.log_two_factor(request, user, audit.TWO_FACTOR_FAILED)
        status = _refused(form, result)
    elif request.method == "POST":
        status = 400
    return TemplateResponse(
        request,
        "accounts/two_factor/verify.html",
        {"form": form, "next": next_url},
        status=status,
    )


@staff_only
@require_POST
def new_recovery_codes(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Replace one's recovery codes (this session must have passed a second factor)."""
    user = request.user
    profile = reverse("accounts:profile")
    if not otp.has_two_factor(user):
        return redirect(otp.with_next(reverse("accounts:two_factor_setup"), profile))
    if not otp.is_verified(user):
        return redirect(otp.with_next(reverse("accounts:two_factor_verify"), profile))
    request.session[CODES_SESSION_KEY] = otp.new_recovery_codes(user)
    audit.log_two_factor(request, user, audit.TWO_FACTOR_NEW_CODES)
    return redirect(otp.with_next(reverse("accounts:two_factor_codes"), profile))


@staff_only
@require_http_methods(["GET", "POST"])
def reset(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Remove one's authenticator and recovery codes, given a current code; then set up again."""
    user = request.user
    if not otp.has_two_factor(user):
        return redirect("accounts:two_factor_setup")
    form = CodeForm(request.POST or None, label=ANY_CODE_LABEL)
    status = 200
    if request.method == "POST" and form.is_valid():
        result = otp.check_code(user, form.cleaned_data["code"])
        if result.passed:
            otp.remove_two_factor(user)
            otp.leave_session(request)
            audit.log_two_factor(request, user, audit.TWO_FACTOR_RESET)
            messages.success(
                request,
                "Your authenticator app and recovery codes were removed. Set up a new one now.",
            )
            return redirect(
                otp.with_next(reverse("accounts:two_factor_setup"), reverse("accounts:profile"))
            )
        if not result.throttled:
            audit.log_two_factor(request, user, audit.TWO_FACTOR_FAILED)
        status = _refused(form, result)
    elif request.method == "POST":
        status = 400
    return TemplateResponse(
        request, "accounts/two_factor/reset.html", {"form": form}, status=status
    )
