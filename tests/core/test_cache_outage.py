"""With Redis unreachable the site is served from the database and sessions still work.

The outage is real: the cache points at a port nothing listens on (or at a server that hangs
up), with the same CACHES and SESSION_ENGINE that config/settings/base.py builds from
REDIS_URL. Redis itself runs on 127.0.0.1:6379 for the "Redis up" cases.
"""

from __future__ import annotations

import logging
import runpy
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from django.core.cache import caches

from core.cache import OUTAGE_ERRORS, DegradingRedisCache
from tests.factories import PASSWORD

BASE_SETTINGS = Path(__file__).resolve().parents[2] / "config" / "settings" / "base.py"
REDIS_UP = "redis://127.0.0.1:6379/0"
REDIS_DOWN = "redis://127.0.0.1:1/0"
# Redis is shared by every test process on the machine (both databases' jobs run at once, each
# with two workers): each test keys its entries under a prefix of its own, so none reads a page
# structure or a route another process cached for a different database.
_PREFIX = ["hfs-test-outage"]


@pytest.fixture(autouse=True)
def _own_key_prefix() -> None:
    _PREFIX[0] = f"hfs-test-outage-{uuid4().hex}"


def settings_for(monkeypatch: pytest.MonkeyPatch, redis_url: str) -> dict:
    """CACHES and SESSION_ENGINE exactly as the project's settings build them for `redis_url`."""
    monkeypatch.setenv("REDIS_URL", redis_url)
    built = runpy.run_path(str(BASE_SETTINGS))
    caches_setting = built["CACHES"]
    caches_setting["default"]["KEY_PREFIX"] = _PREFIX[0]
    return {"CACHES": caches_setting, "SESSION_ENGINE": built["SESSION_ENGINE"]}


def use(settings, monkeypatch: pytest.MonkeyPatch, redis_url: str) -> None:
    for name, value in settings_for(monkeypatch, redis_url).items():
        setattr(settings, name, value)


@pytest.fixture
def redis_down(settings, monkeypatch):
    use(settings, monkeypatch, REDIS_DOWN)


def degrading(location: str, **options) -> DegradingRedisCache:
    return DegradingRedisCache(location, {"OPTIONS": options, "KEY_PREFIX": _PREFIX[0]})


@pytest.fixture
def hangs_up() -> Iterator[tuple[str, list[int]]]:
    """A TCP server that accepts and closes every connection; yields its URL and a counter."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    accepted = [0]
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            accepted[0] += 1
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0", accepted
    stop.set()
    thread.join()
    server.close()


# The site --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_with_redis_down_the_site_serves_home_course_and_lesson(redis_down, client, tree, trainee):
    assert isinstance(caches["default"], DegradingRedisCache)
    client.force_login(trainee)
    assert client.get("/").status_code == 200
    assert client.get(tree.course.url).status_code == 200
    lesson = client.get(tree.lessons[0].url)
    assert lesson.status_code == 200
    assert tree.lessons[0].title in lesson.content.decode()


@pytest.mark.django_db
def test_with_redis_down_sign_in_works_and_keeps_the_trainee_signed_in(
    redis_down, client, tree, trainee
):
    response = client.post("/accounts/login/", {"username": trainee.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(tree.lessons[0].url).status_code == 200
    assert client.get("/learn/").context["user"] == trainee


@pytest.mark.django_db
def test_redis_going_down_signs_nobody_out(settings, monkeypatch, client, tree, trainee):
    use(settings, monkeypatch, REDIS_UP)
    client.post("/accounts/login/", {"username": trainee.username, "password": PASSWORD})
    assert client.get(tree.lessons[0].url).status_code == 200
    use(settings, monkeypatch, REDIS_DOWN)
    assert client.get(tree.lessons[0].url).status_code == 200
    assert client.get("/learn/").context["user"] == trainee


@pytest.mark.django_db
def test_with_redis_down_health_says_the_cache_is_degraded(redis_down, client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["cache"]["status"] == "down"


@pytest.mark.django_db
def test_with_redis_up_the_site_and_health_are_all_green(settings, monkeypatch, client, tree):
    use(settings, monkeypatch, REDIS_UP)
    assert client.get("/").status_code == 200
    body = client.get("/health/").json()
    assert body["status"] == "ok"
    assert {c["status"] for c in body["checks"].values()} == {"up"}


# The cache backend -----------------------------------------------------------------------------


def test_an_unreachable_cache_answers_as_an_empty_one():
    cache = degrading(REDIS_DOWN, retry_interval=0)
    assert cache.get("k") is None
    assert cache.get("k", "fallback") == "fallback"
    cache.set("k", "v")
    assert cache.add("k", "v") is False
    assert cache.get_or_set("k", lambda: "computed") == "computed"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
    assert cache.has_key("k") is False
    assert cache.delete("k") is False
    cache.delete_many(["a", "b"])
    assert cache.touch("k") is False
    with pytest.raises(ValueError):
        cache.incr("counter")


def test_a_reachable_cache_stores_and_reads():
    cache = degrading(REDIS_UP)
    cache.set("outage-test", {"x": 1}, 30)
    assert cache.get("outage-test") == {"x": 1}
    cache.set("outage-test-counter", 1, 30)
    assert cache.incr("outage-test-counter") == 2
    cache.delete_many(["outage-test", "outage-test-counter"])
    assert cache.get("outage-test") is None


def test_an_outage_is_logged_once_per_interval(caplog):
    cache = degrading(REDIS_DOWN, retry_interval=0, log_interval=3600)
    with caplog.at_level(logging.WARNING, logger="core.cache"):
        for _ in range(5):
            cache.get("k")
    warnings = [r for r in caplog.records if r.name == "core.cache"]
    assert len(warnings) == 1
    assert "Cache unreachable" in warnings[0].getMessage()


def test_after_a_failure_redis_is_not_asked_again_until_the_retry_interval(hangs_up):
    url, accepted = hangs_up
    patient = degrading(url, retry_interval=3600)
    for _ in range(5):
        assert patient.get("k", "miss") == "miss"
    assert accepted[0] == 1
    assert patient.unavailable

    eager = degrading(url, retry_interval=0)
    for _ in range(3):
        eager.get("k")
    assert accepted[0] == 1 + 3


def test_the_health_probe_asks_redis_even_within_the_retry_interval(hangs_up):
    url, accepted = hangs_up
    cache = degrading(url, retry_interval=3600)
    cache.get("k")
    with pytest.raises(OUTAGE_ERRORS):
        cache.probe()
    assert accepted[0] == 2
