"""A Redis cache that degrades to "always a miss" while Redis cannot be reached.

The cache only ever holds copies of what the database already has (Wagtail's site-root
paths, rendered fragments), so losing it must cost speed, never a page. Django's own
RedisCache raises on every call while Redis is down; this subclass catches the connection
errors, answers as an empty cache would (get returns the default, set and delete store
nothing), logs the outage once per `log_interval` seconds, and stops calling Redis at all
for `retry_interval` seconds after a failure, so a Redis host that drops packets costs one
connect timeout per interval rather than one per cache call.

Writes made during an outage are lost, deletes too: an entry written before the outage can
outlive an invalidation made during it, until its own timeout (five minutes by default).
Sessions are therefore kept in the database, not here; counters kept here (rate limits) start
again from nothing while Redis is down, so such limits let requests through rather than
refuse them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# What a dead, unreachable or overloaded Redis raises (BusyLoadingError is a ConnectionError).
OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError)

# A healthy Redis on the local network answers in well under a millisecond; these bound what
# a dead one costs a request.
DEFAULT_SOCKET_CONNECT_TIMEOUT = 0.25
DEFAULT_SOCKET_TIMEOUT = 0.5
DEFAULT_RETRY_INTERVAL = 5.0
DEFAULT_LOG_INTERVAL = 60.0

_MISSING = object()


class DegradingRedisCache(RedisCache):
    """Django's RedisCache that behaves as an empty cache while Redis is unreachable.

    OPTIONS accepts, besides redis-py's connection options, `retry_interval` (seconds
    without calling Redis after a failure) and `log_interval` (seconds between outage
    warnings). `socket_connect_timeout` and `socket_timeout` default to fractions of a
    second.
    """

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        self.retry_interval = float(options.pop("retry_interval", DEFAULT_RETRY_INTERVAL))
        self.log_interval = float(options.pop("log_interval", DEFAULT_LOG_INTERVAL))
        options.setdefault("socket_connect_timeout", DEFAULT_SOCKET_CONNECT_TIMEOUT)
        options.setdefault("socket_timeout", DEFAULT_SOCKET_TIMEOUT)
        super().__init__(server, {**params, "OPTIONS": options})
        self._skip_until = 0.0
        self._outage_logged_at: float | None = None
        self._outage_failures = 0

    @property
    def unavailable(self) -> bool:
        """True while calls are being answered as misses without asking Redis."""
        return time.monotonic() < self._skip_until

    def probe(self) -> None:
        """Ping Redis now, ignoring the retry interval; raise what the client raised.

        Used by the health check, which must tell the truth rather than a cached verdict.
        A successful ping ends the outage at once.
        """
        try:
            self._cache.get_client(write=True).ping()
        except OUTAGE_ERRORS as exc:
            self._outage(exc)
            raise
        self._recovered()

    def _outage(self, exc: Exception) -> None:
        now = time.monotonic()
        self._skip_until = now + self.retry_interval
        self._outage_failures += 1
        if self._outage_logged_at is None or now - self._outage_logged_at >= self.log_interval:
            logger.warning(
                "Cache unreachable (%s: %s); serving without it, %d failed call(s) so far.",
                type(exc).__name__,
                exc,
                self._outage_failures,
            )
            self._outage_logged_at = now

    def _recovered(self) -> None:
        self._skip_until = 0.0
        if self._outage_logged_at is not None:
            logger.warning("Cache reachable again after %d failed call(s).", self._outage_failures)
        self._outage_logged_at = None
        self._outage_failures = 0

    def _degrade(self, fallback: Any, call: Callable[..., Any], *args: Any) -> Any:
        """call(*args); `fallback` instead when Redis fails, or failed within `retry_interval`."""
        if self.unavailable:
            return fallback
        try:
            result = call(*args)
        except OUTAGE_ERRORS as exc:
            self._outage(exc)
            return fallback
        if self._outage_logged_at is not None:
            self._recovered()
        return result

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        """Nothing is stored while Redis is down, and add says so (False)."""
        return self._degrade(False, super().add, key, value, timeout, version)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._degrade(default, super().get, key, default, version)

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        self._degrade(None, super().set, key, value, timeout, version)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._degrade(False, super().touch, key, timeout, version)

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._degrade(False, super().delete, key, version)

    def get_many(self, keys: Iterable[Any], version: int | None = None) -> dict[Any, Any]:
        keys = list(keys)
        return self._degrade({}, super().get_many, keys, version)

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._degrade(False, super().has_key, key, version)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        """A missing key raises ValueError, as Django's backends do; so does an outage."""
        result = self._degrade(_MISSING, super().incr, key, delta, version)
        if result is _MISSING:
            raise ValueError(f"Key '{key}' not found (cache unreachable).")
        return result

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        """Returns the keys that were not stored: all of them while Redis is down."""
        return self._degrade(list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys: Iterable[Any], version: int | None = None) -> None:
        keys = list(keys)
        self._degrade(None, super().delete_many, keys, version)

    def clear(self) -> None:
        self._degrade(None, super().clear)
