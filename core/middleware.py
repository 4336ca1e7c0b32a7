"""Security headers that differ between the public site and the Wagtail admin."""

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase


class SecurityHeadersMiddleware(CSPMiddleware):
    """django-csp's middleware, widened for the admin.

    Public pages get the strict CONTENT_SECURITY_POLICY and may not be framed at all
    (X_FRAME_OPTIONS = DENY). Admin pages replace some directives, because Wagtail's editor widgets
    need inline styles and eval (CSP_ADMIN_REPLACE), and may be framed by the same origin, because the live
    preview panel shows the page in an iframe. Listed after XFrameOptionsMiddleware, so its
    header is set first and Django's middleware leaves it alone.
    """

    @staticmethod
    def is_admin(request: HttpRequest) -> bool:
        return request.path_info.startswith(settings.CSP_ADMIN_PREFIXES)

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if self.is_admin(request) and "X-Frame-Options" not in response:
            response["X-Frame-Options"] = "SAMEORIGIN"
        return super().process_response(request, response)

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and self.is_admin(request):
            parts.replace = {**settings.CSP_ADMIN_REPLACE, **(parts.replace or {})}
        return parts
