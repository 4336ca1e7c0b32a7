"""The task queue: the database queue commits with the data, failures retry, admins see them."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from core.tasks import MAX_ATTEMPTS, enqueue_after_write, retry_later
from tests.factories import UserFactory

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

RUNS: list[int] = []


@task()
def record_run(value: int) -> int:
    RUNS.append(value)
    return value


@task()
def always_fails(attempt: int = 1) -> None:
    try:
        raise RuntimeError("the mail server refused")
    except RuntimeError:
        retry_later(always_fails, attempt=attempt)
        raise


@pytest.fixture
def database_queue(settings):
    settings.TASKS = DATABASE_QUEUE
    RUNS.clear()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_task_enqueued_in_a_rolled_back_transaction_never_runs(database_queue):
    with transaction.atomic():
        enqueue_after_write(record_run, 1)
        transaction.set_rollback(True)
    with transaction.atomic():
        enqueue_after_write(record_run, 2)
    assert list(DBTaskResult.objects.values_list("args_kwargs", flat=True)) == [
        {"args": [2], "kwargs": {}}
    ]
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    assert RUNS == [2]
    assert DBTaskResult.objects.get().status == TaskResultStatus.SUCCESSFUL


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_failed_task_is_recorded_and_tried_again_later(database_queue):
    always_fails.enqueue()
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    failed = DBTaskResult.objects.get(status=TaskResultStatus.FAILED)
    assert failed.exception_class_path == "builtins.RuntimeError"
    assert "the mail server refused" in failed.traceback
    retry = DBTaskResult.objects.get(status=TaskResultStatus.READY)
    assert retry.args_kwargs == {"args": [], "kwargs": {"attempt": 2}}
    assert retry.run_after > timezone.now() + timedelta(seconds=20), "it waits before retrying"


def test_retries_stop_after_the_last_attempt(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    result = always_fails.enqueue()
    assert result.status == TaskResultStatus.FAILED
    # The immediate backend runs each retry at once: the chain ends at MAX_ATTEMPTS.
    assert retry_later(always_fails, attempt=MAX_ATTEMPTS) is False


@pytest.mark.django_db
def test_admins_see_background_tasks_and_nobody_else(client, settings):
    settings.TASKS = DATABASE_QUEUE
    always_fails.enqueue()
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    response = client.get("/admin/background_tasks/")
    assert response.status_code == 200
    assert b"always_fails" in response.content
    assert client.get("/admin/background_tasks/new/").status_code in (302, 403)
    from core.roles import INSTRUCTORS, ensure_roles
    from tests.conftest import build_tree

    ensure_roles(build_tree().index)
    instructor = UserFactory(username="teacher", groups=[INSTRUCTORS])
    client.force_login(instructor)
    assert client.get("/admin/background_tasks/").status_code in (302, 403)


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _redis_up(), reason="Redis is not running on 127.0.0.1:6379")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_rq_backend_runs_the_same_tasks_on_redis(settings):
    import django_rq
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    settings.RQ_QUEUES = {"default": {"URL": "redis://127.0.0.1:6379/15"}}
    queue = django_rq.get_queue("default", job_class=Job)
    queue.empty()
    RUNS.clear()
    result = record_run.enqueue(7)
    SimpleWorker([queue], connection=queue.connection, job_class=Job).work(burst=True)
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 7
    queue.empty()
