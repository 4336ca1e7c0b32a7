"""The external supervisor's one-time link: `/assess/external/<token>/`, no account needed.

Whoever holds a usable link first confirms who they are (the approved name and registration are
shown to confirm or correct; what they confirm is recorded in the audit log), then uses the same
chair-side screen as an assessor, saving and signing under the token. A forged or replaced link
is a 404; an expired, used or closed one a 410 saying why. Requests under a token are counted per
client address (`accounts.throttling.within_limit`).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.client_address import client_ip
from accounts.throttling import within_limit
from certification import assessing
from certification.actors import ExternalSupervisor, link_supervisor
from certification.assess_forms import ConfirmIdentityForm
from certification.assess_views import ScreenUrls, render_screen, render_sign, save_draft
from certification.external_links import LinkState, find_link, link_state
from certification.forms import SignForm
from certification.models import ExternalLink, SkillAssessment
from certification.rules import CertificationError

REQUESTS_PER_ADDRESS = 600
REQUEST_WINDOW = 60 * 60  # seconds
TOO_MANY = "Too many requests from your network. Wait a few minutes, then try again."
NOT_FOUND = (
    "This link does not work. Check that you copied the whole address from the e-mail; if a "
    "newer link was sent, use that one."
)


def _plain(request: HttpRequest, message: str, status: int) -> HttpResponse:
    response = TemplateResponse(
        request, "certification/assess/external_refused.html", {"message": message}, status=status
    )
    return _private(response)


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "same-origin"  # the token never leaves the site
    return response


def _link(request: HttpRequest, token: str) -> ExternalLink | HttpResponse:
    """The usable link the token names, or the response refusing it."""
    if not within_limit(
        "external-link", client_ip(request) or "unknown", REQUESTS_PER_ADDRESS, REQUEST_WINDOW
    ):
        return _plain(request, TOO_MANY, 429)
    link = find_link(token)
    if link is None:
        return _plain(request, NOT_FOUND, 404)
    state = link_state(link)
    if state is not LinkState.USABLE:
        return _plain(request, assessing.LINK_REFUSALS[state], 410)
    return link


def _session_key(link: ExternalLink) -> str:
    return f"assess-external-{link.pk}"


def _assessment(request: HttpRequest, link: ExternalLink) -> SkillAssessment | None:
    """The link's assessment once the holder confirmed their details on this link (a link
    issued again must be confirmed again)."""
    if request.session.get(_session_key(link)) != link.nonce:
        return None
    if link.request.assessment_id is None:
        return None
    return SkillAssessment.objects.select_related("trainee", "external_assessor").get(
        pk=link.request.assessment_id
    )


def _urls(token: str) -> ScreenUrls:
    return ScreenUrls(
        screen=reverse("assess:external", args=[token]),
        save=reverse("assess:external_save", args=[token]),
        sign=reverse("assess:external_sign", args=[token]),
    )


@require_http_methods(["GET", "POST"])
def external(request: HttpRequest, token: str) -> HttpResponse:
    """Confirm your details, then the assessment screen."""
    link = _link(request, token)
    if isinstance(link, HttpResponse):
        return link
    assessment = _assessment(request, link)
    if assessment is not None and request.method == "GET":
        return _private(render_screen(request, assessment, _urls(token), external=True))
    supervisor = link_supervisor(link)
    form = ConfirmIdentityForm(
        request.POST or None,
        initial={
            "name": supervisor.name,
            "registration_body": supervisor.registration_body,
            "registration_number": supervisor.registration_number,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assessing.confirm_external(
                link, data["name"], data["registration_body"], data["registration_number"]
            )
        except CertificationError as exc:
            return _plain(request, str(exc), 410)
        request.session[_session_key(link)] = link.nonce
        return redirect(_urls(token).screen)
    context = {"form": form, "asked": link.request, "supervisor": supervisor}
    status = 400 if request.method == "POST" else 200
    return _private(
        TemplateResponse(
            request, "certification/assess/external_confirm.html", context, status=status
        )
    )


@require_POST
def external_save(request: HttpRequest, token: str) -> HttpResponse:
    link = _link(request, token)
    if isinstance(link, HttpResponse):
        return link
    assessment = _assessment(request, link)
    if assessment is None:
        return redirect(_urls(token).screen)
    actor = ExternalSupervisor.from_link(link)
    return _private(save_draft(request, assessment, actor, _urls(token), external=True))


@require_http_methods(["GET", "POST"])
def external_sign(request: HttpRequest, token: str) -> HttpResponse:
    """Confirm, then sign: the link is used up, and the signed record is shown."""
    link = _link(request, token)
    if isinstance(link, HttpResponse):
        return link
    assessment = _assessment(request, link)
    urls = _urls(token)
    if assessment is None:
        return redirect(urls.screen)
    form = SignForm(request.POST or None, assessment=assessment)
    if request.method == "GET":
        return _private(render_sign(request, assessment, urls, form, external=True))
    if not form.is_valid():
        return _private(
            render_sign(request, assessment, urls, form, external=True, stale=form.errors)
        )
    try:
        signed = assessing.sign_external(link)
    except CertificationError as exc:
        return _private(render_sign(request, assessment, urls, form, external=True, error=str(exc)))
    request.session.pop(_session_key(link), None)
    return _private(render_screen(request, signed, urls, external=True))
