"""`{% two_factor_status as status %}`: the signed-in person's two-factor state, for the profile."""

from __future__ import annotations

from dataclasses import dataclass

from django import template

from accounts import otp

register = template.Library()


@dataclass(frozen=True)
class TwoFactorStatus:
    required: bool  # the person may use the admin, so needs a second factor
    enabled: bool  # an authenticator app is set up
    verified: bool  # this session passed a second factor
    recovery_codes_left: int


@register.simple_tag(takes_context=True)
def two_factor_status(context) -> TwoFactorStatus | None:
    """The status for the request's user, or None when they do not need a second factor."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not otp.requires_two_factor(user):
        return None
    enabled = otp.has_two_factor(user)
    return TwoFactorStatus(
        required=True,
        enabled=enabled,
        verified=otp.is_verified(user),
        recovery_codes_left=otp.recovery_codes_left(user) if enabled else 0,
    )
