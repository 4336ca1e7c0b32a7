"""Cache-Control for every response: `public` only where a CDN may share one copy with anyone.

A shared cache (a CDN, a caching proxy) in front of the app servers can answer anonymous
visitors' requests for the public pages (home, catalogue, course pages) without reaching
Python at all, which is what carries the site through a burst of visitors. The danger is the
opposite mistake: one trainee's page, a form's CSRF token or a "you are enrolled" message
served to someone else. So the rule is an allow-list, checked on the finished response:

`public, max-age=CACHE_PUBLIC_MAX_AGE` (and `Vary: Cookie`) only when all of these hold:
- the request is a GET or HEAD and the response is a 200;
- the request carries no session cookie: nobody is signed in, and nothing was kept for this
  visitor (a message, a half-finished sign-in);
- the response sets or deletes no cookie: no CSRF token was rendered (the cookie is set
  whenever one is), no message was shown, no session was started;
- it is not a Wagtail preview or an admin page.

Every other response is `private`: a browser may keep it, a shared cache may not. A response
that already has a Cache-Control header keeps it, since its view chose deliberately: the
certificate pages send `no-store` (a revocation must show at once, and the address holds the
certificate's code), the health checks `never_cache`.

Listed right after SecurityMiddleware (after WhiteNoise in production, which answers static
files with its own long-lived headers first), so it sees the cookies that the session, CSRF
and message middleware add on the way out.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control, patch_vary_headers

SAFE_METHODS = frozenset({"GET", "HEAD"})


def is_shareable(request: HttpRequest, response: HttpResponseBase) -> bool:
    """Whether `response` is the same for every anonymous visitor, so a CDN may keep it."""
    return (
        request.method in SAFE_METHODS
        and response.status_code == 200
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not response.cookies
        # Set by Wagtail on the request it builds to render a preview; never from HTTP.
        and not getattr(request, "is_dummy", False)
        and not request.path_info.startswith(settings.CSP_ADMIN_PREFIXES)
    )


class CacheHeadersMiddleware:
    """Mark anonymous public pages `public` for a short while and everything else `private`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        if is_shareable(request, response):
            patch_cache_control(response, public=True, max_age=settings.CACHE_PUBLIC_MAX_AGE)
            # The same address answers differently once someone signs in: a cache that honours
            # Vary keeps a signed-in visitor's request away from the shared copy.
            patch_vary_headers(response, ("Cookie",))
        else:
            patch_cache_control(response, private=True)
        return response
