"""Sign-in, sign-out, password and profile views; the others are Django's own (see accounts/urls.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods
from wagtail.admin.views.account import LogoutView as WagtailLogoutView

from accounts.audit import log_email_change, log_password_reset
from accounts.forms import EmailChoicesForm, ProfileForm, QueuedPasswordResetForm
from accounts.http import AuthenticatedHttpRequest
from accounts.throttling import reset_email_allowed, reset_request_allowed_from


class SiteLoginView(auth_views.LoginView):
    """Sign-in form. A signed-in visitor is sent on to where they were going."""

    redirect_authenticated_user = True


class SitePasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link: limited per address and per e-mail address, sent in the background.

    Too many requests from one address get 429 (that says nothing about any account). Too many
    for one e-mail address get the same answer as any other request, with nothing sent, so the
    page never tells whether an address has an account.
    """

    form_class = QueuedPasswordResetForm

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not reset_request_allowed_from(request):
            return TemplateResponse(
                request, "registration/password_reset_throttled.html", status=429
            )
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        if not reset_email_allowed(form.cleaned_data["email"]):
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class SitePasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Set a new password from a reset link; recorded in the audit log."""

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        log_password_reset(self.request, form.user)
        return response


class AdminLogoutView(WagtailLogoutView):
    """The admin's sign-out, on POST only.

    Wagtail's view deletes the session cookie whatever the method, so a cross-site GET link
    would sign staff out in the browser while the session stayed valid on the server. Here any
    other method is refused before that, and POST ends the session on the server (flush).
    """

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method != "POST":
            return self.http_method_not_allowed(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The person's own name and e-mail address, and which notifications also come by e-mail.

    Both parts are saved together, or, when either has an error, neither.
    """
    user = request.user
    data = request.POST if request.method == "POST" else None
    form = ProfileForm(data, instance=user)
    choices = EmailChoicesForm(data, user=user, prefix="notify")
    if data is not None and form.is_valid() and choices.is_valid():
        email_changed = form.email_changed
        with transaction.atomic():
            form.save()
            choices.save()
            if email_changed:
                log_email_change(request, user)
        messages.success(request, "Your profile is saved.")
        return redirect("accounts:profile")
    return TemplateResponse(
        request,
        "accounts/profile.html",
        {"form": form, "choices": choices},
        status=400 if data is not None else 200,
    )
