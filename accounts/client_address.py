"""The client's network address, as far as our own proxies vouch for it.

One function, used by django-axes (AXES_CLIENT_IP_CALLABLE), by the sign-in and password-reset
limits and by the audit log, so every throttle and every record agrees on who the client is.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The address the request came from, or None when even the socket address is unusable.

    With TRUSTED_PROXY_COUNT = 0 (no proxy) that is REMOTE_ADDR. Behind N proxies, each appends
    the address it received the request from to X-Forwarded-For, so the client is the N-th entry
    from the right; anything further left was written by the client itself and is ignored, which
    is what makes a forged header useless. A header with fewer entries than trusted proxies, or
    an entry that is not an address, falls back to REMOTE_ADDR (the nearest proxy): that lumps
    clients together rather than letting one choose its address.
    """
    remote = _address(request.META.get("REMOTE_ADDR", ""))
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    if len(forwarded) < count:
        return remote
    return _address(forwarded[-count]) or remote


def _address(text: str) -> str | None:
    """`text` as a normalised IP address (port and IPv6 brackets removed), or None."""
    text = text.strip()
    if text.startswith("["):  # "[2001:db8::1]:443"
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:  # "203.0.113.7:443"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return str(address.ipv4_mapped)
    return str(address)
