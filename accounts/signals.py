"""What happens when someone signs in or fails to: session rules and the audit log."""

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from accounts.audit import log_failed_sign_in, log_sign_in
from accounts.middleware import start_session_policy


@receiver(user_logged_in, dispatch_uid="accounts.signed_in")
def signed_in(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        start_session_policy(request, user)
    log_sign_in(request, user)


@receiver(user_login_failed, dispatch_uid="accounts.sign_in_failed")
def sign_in_failed(sender, credentials: dict, request=None, **kwargs) -> None:
    username = credentials.get("username")
    if isinstance(username, str) and username:
        log_failed_sign_in(request, username)
