"""Notifications: kept once per key, e-mailed by choice, counted on the bell, listed and opened."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from accounts.models import Notification
from accounts.notifications import (
    email_choices,
    mark_read,
    notify,
    send_notification_email,
    set_email_choices,
    unread_count,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

KIND = "certificate.issued"
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
LIST_MAX_QUERIES = 8


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """`notify`, with the e-mail task (enqueued on commit) run as the commit would run it."""

    def send(user, message="Your certificate is issued.", kind=KIND, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return notify(user, kind, message, **kwargs)

    return send


def bell(html: str) -> str:
    """The bell link's text as a screen reader reads it (tags dropped)."""
    match = re.search(r'<a class="notification-bell"[^>]*>(.*?)</a>', html, re.S)
    assert match, "no bell in the header"
    return " ".join(re.sub(r"<[^>]+>", "", match.group(1)).split())


# notify and e-mail -------------------------------------------------------------------------------


def test_notifying_the_same_event_twice_keeps_one_notification_and_sends_one_email(trainee, send):
    first = send(trainee, url="/learn/", key="certificate:1:issued")
    assert first is not None
    assert send(trainee, url="/learn/", key="certificate:1:issued") is None
    assert Notification.objects.filter(user=trainee).count() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [trainee.email]
    assert message.subject == "Your certificate is issued."
    assert "http://testserver/learn/" in message.body
    assert "http://testserver/accounts/profile/" in message.body
    first.refresh_from_db()
    assert first.emailed_at is not None


def test_without_a_key_each_notice_is_kept(trainee, send):
    send(trainee)
    send(trainee)
    assert Notification.objects.filter(user=trainee).count() == 2


def test_a_kind_is_emailed_by_default_and_not_once_switched_off(trainee, send):
    assert email_choices(trainee)[KIND] is True
    send(trainee, key="one")
    assert len(mail.outbox) == 1
    set_email_choices(trainee, {KIND: False})
    assert email_choices(trainee)[KIND] is False
    send(trainee, key="two")
    assert len(mail.outbox) == 1, "switched off: no e-mail"
    assert Notification.objects.filter(user=trainee).count() == 2, "still shown on the site"


def test_no_email_is_sent_to_a_person_without_an_address(send):
    user = UserFactory(email="")
    notification = send(user)
    assert mail.outbox == []
    assert notification.emailed_at is None
    assert unread_count(user) == 1


def test_email_false_keeps_the_notification_and_sends_nothing(trainee, send):
    send(trainee, email=False)
    assert mail.outbox == []
    assert unread_count(trainee) == 1


def test_a_message_over_several_lines_gets_a_one_line_subject(trainee, send):
    send(trainee, message="Line one\nline two\r\nline three")
    assert mail.outbox[0].subject == "Line one line two line three"


def test_an_unknown_kind_is_refused_and_nothing_is_written(trainee):
    with pytest.raises(LookupError):
        notify(trainee, "no.such.kind", "Hello")
    with pytest.raises(LookupError):
        set_email_choices(trainee, {KIND: False, "no.such.kind": False})
    assert not Notification.objects.exists()
    assert email_choices(trainee)[KIND] is True


def test_the_email_task_sends_nothing_twice(trainee, send):
    notification = send(trainee)
    assert send_notification_email.call(notification.pk) is False
    assert len(mail.outbox) == 1


@pytest.fixture
def mail_server(settings):
    """The database queue and a mail server that can be down or refuse addresses."""
    settings.TASKS = DATABASE_QUEUE
    settings.EMAIL_BACKEND = "tests.certification.mail_backends.RefusingBackend"
    settings.MAIL_REFUSED = {}
    settings.MAIL_SERVER_DOWN = False
    return settings


def run_worker() -> None:
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_failed_email_is_shown_to_admins_and_sent_once_the_server_is_back(mail_server, client):
    user = UserFactory(username="learner", email="learner@example.org")
    mail_server.MAIL_SERVER_DOWN = True
    notification = notify(user, KIND, "Your certificate is issued.", key="certificate:9")
    run_worker()

    failed = DBTaskResult.objects.get(status=TaskResultStatus.FAILED)
    assert failed.task_path == "accounts.notifications.send_notification_email"
    assert failed.exception_class_path == "builtins.ConnectionRefusedError"
    retry = DBTaskResult.objects.get(status=TaskResultStatus.READY)
    assert retry.args_kwargs == {"args": [notification.pk], "kwargs": {"attempt": 2}}
    assert retry.run_after > timezone.now(), "the next try waits"
    notification.refresh_from_db()
    assert notification.emailed_at is None and mail.outbox == []

    mail_server.MAIL_SERVER_DOWN = False
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now() - timedelta(seconds=1))
    run_worker()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["learner@example.org"]
    notification.refresh_from_db()
    assert notification.emailed_at is not None
    send_notification_email.enqueue(notification.pk)  # a late duplicate try
    run_worker()
    assert len(mail.outbox) == 1, "sent once"

    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    page = client.get("/admin/background_tasks/", {"status": TaskResultStatus.FAILED})
    assert page.status_code == 200
    assert b"send_notification_email" in page.content
    assert client.get(f"/admin/background_tasks/inspect/{failed.pk}/").status_code == 200


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_address_refused_for_good_fails_visibly_without_retrying(mail_server):
    user = UserFactory(username="gone", email="gone@example.org")
    mail_server.MAIL_REFUSED = {"gone@example.org": 550}
    notify(user, KIND, "Your certificate is issued.")
    run_worker()
    failed = DBTaskResult.objects.get()
    assert failed.status == TaskResultStatus.FAILED
    assert failed.exception_class_path == "smtplib.SMTPRecipientsRefused"
    assert mail.outbox == []


# The bell ----------------------------------------------------------------------------------------


def test_the_bell_counts_its_owners_unread_notifications(client, trainee, other_trainee):
    for n in range(3):
        notify(trainee, KIND, f"Notice {n}", email=False)
    mark_read(trainee, [Notification.objects.filter(user=trainee).first().pk])
    notify(other_trainee, KIND, "Not yours", email=False)
    client.force_login(trainee)
    html = client.get("/search/").content.decode()
    assert bell(html) == "Notifications, 2 unread"
    assert 'href="/notifications/"' in html
    assert 'aria-hidden="true" focusable="false"><path d="M18 8' in html, "the icon is hidden"
    mark_read(trainee)
    assert bell(client.get("/search/").content.decode()) == "Notifications, none unread"


def test_visitors_get_no_bell(client):
    assert 'class="notification-bell"' not in client.get("/search/").content.decode()


def count_queries(client, path: str) -> tuple[int, int]:
    """(all queries, queries on the notification table) for one GET of `path`."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    table = Notification._meta.db_table
    return len(queries), sum(table in query["sql"] for query in queries.captured_queries)


def test_the_bell_costs_one_query_for_a_signed_in_person_and_none_for_visitors(
    client, trainee, django_assert_num_queries
):
    assert count_queries(client, "/search/")[1] == 0, "a visitor's page never counts"
    client.force_login(trainee)
    notify(trainee, KIND, "One", email=False)
    total, on_notifications = count_queries(client, "/search/")
    assert on_notifications == 1
    for n in range(30):
        notify(trainee, KIND, f"More {n}", email=False)
    with django_assert_num_queries(total):
        html = client.get("/search/").content.decode()
    assert bell(html) == "Notifications, 31 unread"


def test_a_page_without_the_header_does_not_count(client, trainee):
    client.force_login(trainee)
    with CaptureQueriesContext(connection) as queries:
        client.get("/health/live/")
    assert not any(Notification._meta.db_table in q["sql"] for q in queries.captured_queries)


# The notifications page --------------------------------------------------------------------------


def test_the_page_needs_a_sign_in(client):
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_an_empty_list_says_so(client, trainee):
    client.force_login(trainee)
    html = client.get("/notifications/").content.decode()
    assert "You have no notifications yet." in html
    assert "Mark all as read" not in html


def test_the_page_lists_only_ones_own_newest_first_with_unread_ones_marked(
    client, trainee, other_trainee
):
    old = notify(trainee, KIND, "Older and read", url="/learn/", email=False)
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    mark_read(trainee, [old.pk])
    new = notify(trainee, KIND, "Newer and unread", url="/learn/", email=False)
    notify(other_trainee, KIND, "Someone else's", email=False)
    client.force_login(trainee)
    html = client.get("/notifications/").content.decode()
    assert html.index("Newer and unread") < html.index("Older and read")
    assert "Someone else&#x27;s" not in html and "Someone else's" not in html
    assert html.count(">Unread</span>") == 1
    assert f'href="/notifications/{new.pk}/open/"' in html
    assert "Mark all as read" in html


def test_opening_a_notification_marks_it_read_and_follows_its_link(client, trainee):
    notification = notify(trainee, KIND, "Go", url="/learn/?tab=certificates", email=False)
    client.force_login(trainee)
    response = client.get(f"/notifications/{notification.pk}/open/")
    assert response.status_code == 302 and response.url == "/learn/?tab=certificates"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_opening_someone_elses_notification_is_not_found_and_changes_nothing(
    client, trainee, other_trainee
):
    theirs = notify(other_trainee, KIND, "Theirs", url="/learn/", email=False)
    client.force_login(trainee)
    assert client.get(f"/notifications/{theirs.pk}/open/").status_code == 404
    assert client.get("/notifications/999999/open/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "/\\evil.example/phish",
        "javascript:alert(1)",
        "learn/",
    ],
)
def test_a_link_off_the_site_is_never_followed(client, trainee, url):
    notification = notify(trainee, KIND, "Suspicious", url=url, email=False)
    client.force_login(trainee)
    response = client.get(f"/notifications/{notification.pk}/open/", follow=True)
    assert response.redirect_chain == [("/notifications/", 302)]
    assert "leads off this site" in response.content.decode()
    assert unread_count(trainee) == 0


def test_a_link_to_this_sites_own_address_is_followed(client, trainee):
    notification = notify(trainee, KIND, "Here", url="http://testserver/learn/", email=False)
    client.force_login(trainee)
    response = client.get(f"/notifications/{notification.pk}/open/")
    assert response.url == "http://testserver/learn/"


def test_mark_all_as_read_marks_only_ones_own(client, trainee, other_trainee):
    for n in range(3):
        notify(trainee, KIND, f"Mine {n}", email=False)
    notify(other_trainee, KIND, "Theirs", email=False)
    client.force_login(trainee)
    assert client.get("/notifications/read/").status_code == 405
    response = client.post("/notifications/read/", follow=True)
    assert "3 notifications marked as read." in response.content.decode()
    assert unread_count(trainee) == 0
    assert unread_count(other_trainee) == 1


def test_marking_one_read_ignores_other_peoples_and_refuses_junk(client, trainee, other_trainee):
    mine = notify(trainee, KIND, "Mine", email=False)
    theirs = notify(other_trainee, KIND, "Theirs", email=False)
    client.force_login(trainee)
    assert client.post("/notifications/read/", {"notification": "x"}).status_code == 400
    assert unread_count(trainee) == 1
    client.post("/notifications/read/", {"notification": [theirs.pk]})
    assert unread_count(other_trainee) == 1
    client.post("/notifications/read/", {"notification": [mine.pk]})
    assert unread_count(trainee) == 0


def test_the_list_is_paged_with_constant_queries(client, trainee, django_assert_max_num_queries):
    client.force_login(trainee)
    notify(trainee, KIND, "Only one", email=False)
    with django_assert_max_num_queries(LIST_MAX_QUERIES):
        assert client.get("/notifications/").status_code == 200
    Notification.objects.bulk_create(
        Notification(user=trainee, kind=KIND, message=f"Bulk {n}") for n in range(44)
    )
    with django_assert_max_num_queries(LIST_MAX_QUERIES):
        first = client.get("/notifications/").content.decode()
    assert "Page 1 of 3" in first and first.count('class="notification ') == 20
    last = client.get("/notifications/", {"page": "3"}).content.decode()
    assert last.count('class="notification ') == 5
    assert "Page 1 of 3" in client.get("/notifications/", {"page": "junk"}).content.decode()


@pytest.mark.parametrize("value", ["99999999999999999999999", "-1", "1e3", ""])
def test_marking_read_refuses_ids_that_are_not_ids(client, trainee, value):
    client.force_login(trainee)
    assert client.post("/notifications/read/", {"notification": value}).status_code == 400
