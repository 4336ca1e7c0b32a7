"""Sign-ins, failures and password resets in Wagtail's audit log, readable by admins."""

import re

import pytest
from django.urls import reverse
from wagtail.models import ModelLogEntry

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.20"


def entries(action: str):
    return ModelLogEntry.objects.filter(action=action).order_by("timestamp")


def site_history(client, action: str) -> str:
    response = client.get(reverse("wagtailadmin_reports:site_history"), {"action": action})
    assert response.status_code == 200
    return response.content.decode()


def test_sign_ins_and_failures_are_recorded_without_passwords(client, trainee, admin_user):
    client.post(
        "/accounts/login/",
        {"username": trainee.username, "password": "hunter2-typo"},
        REMOTE_ADDR=ADDRESS,
    )
    client.post(
        "/accounts/login/",
        {"username": trainee.username, "password": PASSWORD},
        REMOTE_ADDR=ADDRESS,
    )
    (failure,) = entries("accounts.sign_in_failed")
    (sign_in,) = entries("accounts.sign_in")
    assert failure.object_id == str(trainee.pk) and failure.user_id is None
    assert failure.data == {"address": ADDRESS}
    assert sign_in.object_id == str(trainee.pk) and sign_in.user_id == trainee.pk
    assert "hunter2" not in str(list(ModelLogEntry.objects.values_list("data", flat=True)))

    client.force_login(admin_user)
    html = site_history(client, "accounts.sign_in_failed")
    assert f"Sign-in failed: wrong password or account locked (from {ADDRESS})" in html
    assert trainee.username in html


def test_failures_for_names_that_match_no_account_are_not_recorded(client, trainee):
    client.post("/accounts/login/", {"username": "correct-horse-battery", "password": "x"})
    assert not entries("accounts.sign_in_failed").exists()


def test_password_reset_request_and_reset_are_recorded(
    client, trainee, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password/reset/", {"email": trainee.email}, REMOTE_ADDR=ADDRESS)
    (requested,) = entries("accounts.password_reset_request")
    assert requested.object_id == str(trainee.pk) and requested.data == {"address": ADDRESS}

    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mailoutbox[0].body).group(1)
    form_url = client.get(link).url
    response = client.post(
        form_url,
        {"new_password1": "a-new-long-passphrase", "new_password2": "a-new-long-passphrase"},
        REMOTE_ADDR=ADDRESS,
    )
    assert response.status_code == 302
    (reset,) = entries("accounts.password_reset")
    assert reset.object_id == str(trainee.pk) and reset.user_id == trainee.pk


def test_a_reset_asked_for_an_unknown_address_records_nothing(client, db):
    client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert not entries("accounts.password_reset_request").exists()


def test_log_entry_writes_wagtails_entry_in_one_insert(trainee, admin_user):
    """accounts.audit.log_entry: the entry Wagtail's log() writes, field for field, without
    reading its content type or user back; an unregistered action is still refused."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.exceptions import ValidationError
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from wagtail.log_actions import LogContext, log

    from accounts.audit import SIGN_IN, log_entry

    fields = ("content_type_id", "label", "action", "data", "user_id", "uuid", "object_id")
    fields += ("revision_id", "content_changed", "deleted")
    ContentType.objects.get_for_model(trainee)  # the cache a running site holds
    with LogContext(user=admin_user) as context:
        expected = log(instance=trainee, action=SIGN_IN, data={"address": ADDRESS})
        with CaptureQueriesContext(connection) as queries:
            written = log_entry(trainee, SIGN_IN, data={"address": ADDRESS})
    sql = [query["sql"] for query in queries.captured_queries]
    assert len(sql) == 1 and sql[0].startswith("INSERT"), sql
    written = ModelLogEntry.objects.get(pk=written.pk)
    expected = ModelLogEntry.objects.get(pk=expected.pk)
    assert {f: getattr(written, f) for f in fields} == {f: getattr(expected, f) for f in fields}
    assert written.uuid == context.uuid and written.user_id == admin_user.pk
    with pytest.raises(ValidationError):
        log_entry(trainee, "accounts.no_such_action", user=trainee)
