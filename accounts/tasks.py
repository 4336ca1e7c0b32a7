"""Background work for accounts (Django's tasks API, django-tasks): sending never blocks a request."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks import task

RESET_SUBJECT_TEMPLATE = "registration/password_reset_subject.txt"
RESET_BODY_TEMPLATE = "registration/password_reset_email.txt"


@task()
def send_password_reset_email(user_id: int, domain: str, use_https: bool) -> bool:
    """E-mail the account `user_id` a one-use link to set a new password.

    The token is made here, when the e-mail is sent, so no reset link waits in the task queue.
    Returns False, sending nothing, when the account can no longer reset its password
    (deactivated, no usable password or no e-mail address since the request).
    """
    user = get_user_model()._default_manager.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password() or not user.email:
        return False
    context = {
        "email": user.email,
        "domain": domain,
        "site_name": domain,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": "https" if use_https else "http",
    }
    subject = "".join(render_to_string(RESET_SUBJECT_TEMPLATE, context).splitlines())
    body = render_to_string(RESET_BODY_TEMPLATE, context)
    EmailMessage(subject, body, to=[user.email]).send()
    return True
