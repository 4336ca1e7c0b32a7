"""Security headers that differ between the public site, the Wagtail admin and its previews."""

from __future__ import annotations

import json
import re

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase

# The admin runs no inline script but Wagtail's own widget initialisers, which its templates
# and widgets write as bare <script> elements: a call of one of these functions or classes
# with JSON arguments, or an inline panel built from a JSON string.
WAGTAIL_INITIALISERS = frozenset(
    {
        "Chooser",
        "DocumentChooser",
        "ImageChooser",
        "PageChooser",
        "SnippetChooser",
        "createTaskChooser",
        "initDateChooser",
        "initDateTimeChooser",
        "initTimeChooser",
    }
)
WAGTAIL_PANELS = frozenset({"InlinePanel", "MultipleChooserPanel"})
INLINE_SCRIPT = re.compile(r"<script>(?P<code>[^<]*)</script>")
CALL = re.compile(r"(?:new )?(?P<name>\w+)\((?P<args>.*)\);", re.DOTALL)
PANEL = re.compile(
    r"\(function\(\) \{ var panel = new (?P<name>\w+)\(JSON\.parse\((?P<args>\"[^\"]*\")\)\); \}\)\(\);"
)


def _refuse(constant: str) -> None:
    raise ValueError(constant)


def _json_values(text: str) -> list | None:
    """The comma-separated JSON values in `text`, or None if it holds anything else."""
    try:
        # NaN and Infinity are names in JavaScript, not literals: refused.
        values = json.loads(f"[{text}]", parse_constant=_refuse)
    except ValueError:
        return None
    return values if isinstance(values, list) else None


def is_wagtail_initialiser(code: str) -> bool:
    """Whether `code` only calls one of Wagtail's widget initialisers with literal data.

    JSON is a subset of JavaScript literals, so code that passes this check can do nothing but
    make that call: whatever else someone slips into a page does not get the nonce.
    """
    code = " ".join(code.split())
    if match := PANEL.fullmatch(code):
        values = _json_values(match["args"])
        return match["name"] in WAGTAIL_PANELS and values is not None and len(values) == 1
    if match := CALL.fullmatch(code):
        values = _json_values(match["args"])
        return match["name"] in WAGTAIL_INITIALISERS and bool(values)
    return False


class SecurityHeadersMiddleware(CSPMiddleware):
    """django-csp's middleware, with the admin's policy and the preview's.

    Public pages get the strict CONTENT_SECURITY_POLICY and may not be framed at all
    (X_FRAME_OPTIONS = DENY).

    Admin pages replace some directives (CSP_ADMIN_REPLACE): Wagtail's editor needs inline styles,
    and the admin may frame itself. Its only inline scripts are Wagtail's widget initialisers;
    each one gets the request's nonce, so any other inline script does not run.

    A preview (the live preview panel, a revision, a moderator's view) is rendered by Wagtail
    as a dummy request to the page's public URL, run through this middleware too, and its
    response is returned by the admin view as it is. It gets the public policy, since it shows
    public templates, except that the admin may frame it.

    Listed after XFrameOptionsMiddleware, so it sees the response first: the header it sets is
    left alone by Django's middleware.
    """

    @staticmethod
    def is_admin(request: HttpRequest) -> bool:
        return request.path_info.startswith(settings.CSP_ADMIN_PREFIXES)

    @staticmethod
    def is_preview(request: HttpRequest) -> bool:
        # Set by Wagtail on the request it builds to render a preview; never from HTTP.
        return getattr(request, "is_dummy", False)

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if self.is_preview(request) or self.is_admin(request):
            response.setdefault("X-Frame-Options", "SAMEORIGIN")
        if self.is_admin(request) and not self.is_preview(request):
            self.add_nonces(request, response)
        return super().process_response(request, response)

    @staticmethod
    def add_nonces(request: HttpRequest, response: HttpResponseBase) -> None:
        """Give Wagtail's inline initialisers in an admin page the nonce the policy names.

        A response that already carries a policy (a preview rendered for the admin) keeps it.
        """
        if (
            not isinstance(response, HttpResponse)
            or "Content-Security-Policy" in response
            or not response.get("Content-Type", "").startswith("text/html")
        ):
            return
        html = response.content.decode(response.charset)

        def with_nonce(script: re.Match[str]) -> str:
            if not is_wagtail_initialiser(script["code"]):
                return script[0]
            # request.csp_nonce is django-csp's; naming it puts the nonce in the header.
            nonce = request.csp_nonce  # type: ignore[attr-defined]  # set by django-csp's middleware
            return f'<script nonce="{nonce}">{script["code"]}</script>'

        nonced = INLINE_SCRIPT.sub(with_nonce, html)
        if nonced != html:
            response.content = nonced.encode(response.charset)
            if "Content-Length" in response:
                response["Content-Length"] = str(len(response.content))

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if report_only:
            return parts
        if self.is_preview(request):
            parts.replace = {"frame-ancestors": ["'self'"], **(parts.replace or {})}
        elif self.is_admin(request):
            parts.replace = {**settings.CSP_ADMIN_REPLACE, **(parts.replace or {})}
        return parts
