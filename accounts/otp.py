"""Two-factor authentication for staff: who needs it, their devices and codes, and the admin gate.

Anyone who may use the Wagtail admin (`requires_two_factor`) must, when
STAFF_TWO_FACTOR_REQUIRED is on, pass a second factor once per session before any admin page:
`StaffTwoFactorMiddleware` sends them to set up an authenticator app (a django-otp TOTP device)
when they have none, else to enter a code. Setting up also makes STAFF_RECOVERY_CODES
single-use recovery codes (a django-otp static device), which pass the same check when the
phone is lost. Wrong codes slow down further tries on that device (django-otp's throttling:
1, 2, 4, 8... seconds); the wait of every device the person has applies, so switching between
app codes and recovery codes gains nothing. An administrator who is locked out is helped by
another with `manage.py reset_two_factor <username>`, which removes their devices.

Which session passed (django-otp's OTPMiddleware, `request.user.is_verified()`) is kept in the
session, so it holds on every app server.
"""

from __future__ import annotations

import math
from base64 import b32encode
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import LazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.middleware import OTPMiddleware as BaseOTPMiddleware
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.middleware import ADMIN_PERMISSION

AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"
# Staff may still sign out of the admin without a second factor.
UNGUARDED_ADMIN_PATHS = ("/admin/logout/",)


def requires_two_factor(user) -> bool:
    """True when `user` may use the Wagtail admin (or is staff or superuser), so needs a second factor."""
    return bool(
        user.is_authenticated
        and (user.is_superuser or user.is_staff or user.has_perm(ADMIN_PERMISSION))
    )


def is_verified(user) -> bool:
    """True when this session of `user` has passed a second factor (django-otp's middleware)."""
    check = getattr(user, "is_verified", None)
    return bool(check is not None and check())


def authenticator(user) -> TOTPDevice | None:
    """`user`'s confirmed authenticator app, if they have set one up."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def has_two_factor(user) -> bool:
    """True when `user` has a confirmed authenticator app."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    """How many unused recovery codes `user` has."""
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def pending_authenticator(user) -> TOTPDevice:
    """The authenticator being set up: unconfirmed, made on the first call, the same until confirmed.

    Keeping one pending device means reloading the set-up page shows the same secret, so a code
    from the app scanned a moment ago still works.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The device's secret in base32, in groups of four, for typing into an app by hand."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(device: TOTPDevice) -> SafeString:
    """The device's otpauth:// address as an inline SVG QR code (black on white, labelled)."""
    image = qrcode.make(
        device.config_url,
        image_factory=qrcode.image.svg.SvgPathFillImage,
        box_size=10,
        border=4,
    )
    svg = image.to_string(encoding="unicode")
    labelled = svg.replace(
        "<svg ",
        '<svg class="qr-code" role="img" aria-label="QR code for your authenticator app" ',
        1,
    )
    # Our own data drawn by qrcode: paths and a rectangle, nothing a visitor typed.
    return mark_safe(labelled)  # noqa: S308


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of checking a code: the device that accepted it, or how long to wait."""

    device: Device | None = None
    wait_seconds: int = 0

    @property
    def passed(self) -> bool:
        return self.device is not None

    @property
    def throttled(self) -> bool:
        return self.wait_seconds > 0


def _normalise(code: str) -> str:
    return "".join(ch for ch in code if ch not in " -\t").lower()


def _wait_seconds(devices: list[Device]) -> int:
    """The longest wait any of `devices` imposes after wrong codes (0 when none)."""
    now = timezone.now()
    wait = 0.0
    for device in devices:
        allowed, data = device.verify_is_allowed()
        if not allowed and data and data.get("locked_until"):
            wait = max(wait, (data["locked_until"] - now).total_seconds())
    return max(1, math.ceil(wait)) if wait > 0 else 0


def _verify(devices: list[Device], code: str) -> CodeCheck:
    """Check `code` against the devices of its kind, unless any of `devices` is throttled.

    An app code is all digits, as long as the app's codes; anything else is a recovery code.
    A wrong code counts against the devices it was checked on.
    """
    wait = _wait_seconds(devices)
    if wait:
        return CodeCheck(wait_seconds=wait)
    code = _normalise(code)
    for device in devices:
        is_app = isinstance(device, TOTPDevice)
        looks_like_app_code = code.isdigit() and len(code) == getattr(device, "digits", 6)
        if is_app != looks_like_app_code:
            continue
        if device.verify_token(code):
            return CodeCheck(device=device)
    return CodeCheck()


def check_code(user, code: str) -> CodeCheck:
    """Check an app code or a recovery code of `user` (a recovery code is used up).

    The devices are locked for the check, so two requests cannot both use one recovery code
    or both get past the throttle.
    """
    with transaction.atomic():
        devices: list[Device] = [
            *TOTPDevice.objects.filter(user=user, confirmed=True).select_for_update(),
            *StaticDevice.objects.filter(user=user, confirmed=True).select_for_update(),
        ]
        return _verify(devices, code)


def confirm_authenticator(user, code: str) -> tuple[CodeCheck, list[str]]:
    """Confirm `user`'s pending authenticator with a code from it; on success make recovery codes.

    Returns the check and the new recovery codes (empty unless it passed). Any other device of
    the user (an older authenticator, old recovery codes) is removed in the same transaction.
    """
    with transaction.atomic():
        device = (
            TOTPDevice.objects.filter(user=user, confirmed=False)
            .order_by("pk")
            .select_for_update()
            .first()
        )
        if device is None:
            return CodeCheck(), []
        result = _verify([device], code)
        if not result.passed:
            return result, []
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        return result, new_recovery_codes(user)


@transaction.atomic
def new_recovery_codes(user) -> list[str]:
    """Replace `user`'s recovery codes with STAFF_RECOVERY_CODES new ones and return them.

    The recovery-code device itself is kept, so a session that passed with a recovery code
    stays passed.
    """
    device = StaticDevice.objects.filter(user=user).order_by("pk").first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    StaticDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.STAFF_RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return [f"{code[:5]}-{code[5:]}" for code in codes]


@transaction.atomic
def remove_two_factor(user) -> int:
    """Delete every two-factor device of `user`; return how many there were.

    Sessions that passed with one of them no longer count as passed (django-otp finds no device).
    """
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        removed += model.objects.filter(user=user).delete()[1].get(model._meta.label, 0)
    return removed


def pass_session(request: HttpRequest, device: Device) -> None:
    """Mark this session as having passed a second factor with `device`."""
    otp_login(request, device)


def leave_session(request: HttpRequest) -> None:
    """Forget that this session passed a second factor."""
    request.session.pop(DEVICE_ID_SESSION_KEY, None)


def safe_next(value: str | None, default: str) -> str:
    """`value` when it is a path on this site, else `default` (never another site's address)."""
    if (
        value
        and value.startswith("/")
        and url_has_allowed_host_and_scheme(value, allowed_hosts=set(), require_https=False)
    ):
        return value
    return default


def with_next(url: str, next_url: str) -> str:
    """`url` with `?next=` set to `next_url`."""
    return f"{url}?{urlencode({'next': next_url})}"


def gate(request: HttpRequest) -> HttpResponse | None:
    """Where a staff session that has not passed a second factor must go, or None to go on."""
    user = request.user
    if not requires_two_factor(user) or is_verified(user):
        return None
    target = "accounts:two_factor_verify" if has_two_factor(user) else "accounts:two_factor_setup"
    return HttpResponseRedirect(with_next(reverse(target), request.get_full_path()))


class OTPMiddleware(BaseOTPMiddleware):
    """django-otp's middleware (`request.user.is_verified()`), wrapping the user only once.

    django-otp wraps Django's lazy `request.user` in a second lazy object. Wagtail's audit log
    looks a logged instance's model up through one lazy layer only, so `log(instance=request.user)`
    would silently record nothing. Here the second layer holds the user itself.
    """

    def _verify_user_sync(self, request, user):
        if isinstance(user, LazyObject):
            user.pk  # noqa: B018 (loads the user)
            user = user._wrapped
        return super()._verify_user_sync(request, user)


class StaffTwoFactorMiddleware:
    """Sends staff who have not passed a second factor this session from any admin URL (and the
    paths in STAFF_TWO_FACTOR_ALSO_GUARDS) to do so.

    Only those URLs are looked at: the rest of the site costs nothing. Signed-out visitors and
    people without admin access go on to the admin, which refuses them as before.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.STAFF_TWO_FACTOR_REQUIRED and self._guarded(request.path_info):
            redirect = gate(request)
            if redirect is not None:
                return redirect
        return self.get_response(request)

    @staticmethod
    def _guarded(path: str) -> bool:
        if path.startswith(reverse("wagtailadmin_home")):
            return path not in UNGUARDED_ADMIN_PATHS
        # Outside the admin, wherever staff powers reach (administrators see every clinic).
        return any(path.startswith(prefix) for prefix in settings.STAFF_TWO_FACTOR_ALSO_GUARDS)
