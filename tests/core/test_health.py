"""/health/ (readiness) reports each dependency; /health/live/ only says the process answers."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

ROOT = Path(__file__).resolve().parents[2]

# Redis as the machine runs it, and a port nothing listens on: a real outage, not a mock.
REDIS_UP = "redis://127.0.0.1:6379/0"
REDIS_DOWN = "redis://127.0.0.1:1/0"


def redis_cache(location: str) -> dict:
    return {
        "default": {
            "BACKEND": "core.cache.DegradingRedisCache",
            "LOCATION": location,
            "KEY_PREFIX": "hfs-test-health",
        }
    }


def rq_tasks(location: str) -> dict:
    return {
        "TASKS": {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}},
        "RQ_QUEUES": {"default": {"URL": location}},
    }


@pytest.mark.django_db
def test_liveness_answers_without_asking_any_dependency(client, django_assert_num_queries):
    with override_settings(CACHES=redis_cache(REDIS_DOWN)), django_assert_num_queries(0):
        response = client.get("/health/live/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readiness_reports_every_dependency_up_with_its_latency(client):
    response = client.get("/health/ready/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "queue"}
    for check in body["checks"].values():
        assert check["status"] == "up"
        assert isinstance(check["latency_ms"], float)
    assert body["checks"]["database"]["required"] is True
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_health_is_the_readiness_check(client):
    ready = client.get("/health/ready/").json()
    health = client.get("/health/").json()
    assert health["status"] == ready["status"]
    assert set(health["checks"]) == set(ready["checks"])


@pytest.mark.django_db
def test_readiness_is_all_green_with_redis_up(client):
    with override_settings(CACHES=redis_cache(REDIS_UP)):
        response = client.get("/health/")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["checks"]["cache"]["status"] == "up"


@pytest.mark.django_db
def test_readiness_says_degraded_not_unavailable_when_the_cache_is_down(client):
    with override_settings(CACHES=redis_cache(REDIS_DOWN)):
        response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["cache"]["status"] == "down"
    assert body["checks"]["cache"]["error"] == "ConnectionError"
    assert body["checks"]["database"]["status"] == "up"


@pytest.mark.django_db
def test_readiness_checks_the_redis_task_queue_and_degrades_when_it_is_down(client):
    with override_settings(**rq_tasks(REDIS_UP)):
        up = client.get("/health/")
    with override_settings(**rq_tasks(REDIS_DOWN)):
        down = client.get("/health/")
    assert up.json()["checks"]["queue"]["status"] == "up"
    assert down.status_code == 200
    assert down.json()["status"] == "degraded"
    assert down.json()["checks"]["queue"]["status"] == "down"


@pytest.mark.django_db
def test_readiness_finds_the_database_task_table(client, django_assert_max_num_queries):
    database_queue = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with override_settings(TASKS=database_queue), django_assert_max_num_queries(2):
        response = client.get("/health/")
    assert response.json()["checks"]["queue"]["status"] == "up"


@pytest.mark.django_db
def test_a_load_balancer_probe_reads_and_sets_no_session(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/health/")
    assert response.status_code == 200
    assert not [q for q in queries.captured_queries if "django_session" in q["sql"]]
    assert not response.cookies


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_readiness_is_503_when_the_database_does_not_answer(client):
    """Point the connection at a database that cannot be reached: a real failure, not a mock."""
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent-dir/for-health-test/db.sqlite3"
    else:
        connection.settings_dict.update({"HOST": "127.0.0.1", "PORT": "1"})
    try:
        response = client.get("/health/")
        live = client.get("/health/live/")
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["checks"]["database"]["status"] == "down"
    assert live.status_code == 200


def test_health_endpoints_are_exempt_from_the_https_redirect_in_production(tmp_path):
    """Under production settings, plain-HTTP probes of the three health URLs are answered."""
    script = (
        "from django.test import Client\n"
        "c = Client()\n"
        "for path in ['/health/', '/health/ready/', '/health/live/', '/accounts/login/']:\n"
        "    print(path, c.get(path).status_code)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": "x" * 60,
            "DJANGO_ALLOWED_HOSTS": "testserver",
            "WAGTAILADMIN_BASE_URL": "https://academy.example.org",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        }
    )
    env.pop("REDIS_URL", None)
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    codes = dict(line.split() for line in result.stdout.split("\n") if line.startswith("/"))
    assert codes["/accounts/login/"] == "301"
    assert codes["/health/live/"] == "200"
    assert codes["/health/"] != "301"
    assert codes["/health/ready/"] != "301"
