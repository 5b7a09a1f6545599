"""Database and Redis outages: a branded 503 for pages, one log line, recovery on its own.

A request that fails because PostgreSQL (or SQLite's lock, or Redis) is
unreachable is not a bug in the page: logging a 60-line traceback for each
one buries the one fact an operator needs. :func:`unavailable_service`
recognises such failures; :class:`OutageLog` writes one line with the cause
per service at most every :data:`LOG_EVERY` seconds (counting the requests
answered 503 in between) and one line when the service answers again.
Nothing needs restarting: asyncpg's pool and redis-py reconnect on the next
request. :class:`QuietOutages` does the same for the libraries' own logs.
"""

from __future__ import annotations

import logging
import sqlite3
import time
import traceback
from dataclasses import dataclass, field

log = logging.getLogger("porchside.outage")

# Seconds between two log lines about the same unreachable service.
LOG_EVERY = 30.0
# What a client is told to wait before trying again (Retry-After).
RETRY_AFTER = 30
# Modules whose frames show that an OSError came from talking to the database.
_DATABASE_MODULES = ("asyncpg", "tortoise", "aiosqlite")


def _frames_from(exc: BaseException, prefixes: tuple[str, ...]) -> bool:
    for frame, _ in traceback.walk_tb(exc.__traceback__):
        module = frame.f_globals.get("__name__", "")
        if module.startswith(prefixes):
            return True
    return False


def _chain(exc: BaseException):
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def unavailable_service(exc: BaseException) -> str | None:
    """``"database"`` or ``"Redis"`` when ``exc`` means that service is unreachable, else None."""
    import asyncpg
    from redis.exceptions import ConnectionError as RedisConnectionError, TimeoutError as RedisTimeoutError

    for item in _chain(exc):
        if isinstance(item, (RedisConnectionError, RedisTimeoutError)):
            return "Redis"
        if isinstance(
            item,
            (
                asyncpg.PostgresConnectionError,  # class 08: the connection is gone
                asyncpg.CannotConnectNowError,  # starting up or shutting down
                asyncpg.AdminShutdownError,
                asyncpg.CrashShutdownError,
                asyncpg.TooManyConnectionsError,
            ),
        ):
            return "database"
        if isinstance(item, (asyncpg.InterfaceError, asyncpg.exceptions._base.InternalClientError)):
            # Only the ones about a connection cut mid-query; others are bugs worth a traceback.
            if "connection" in str(item) or "cannot switch to state" in str(item):
                return "database"
        message = str(item)
        if isinstance(item, sqlite3.OperationalError) or type(item).__name__ == "OperationalError":
            if "database is locked" in message or "unable to open database" in message:
                return "database"
        if isinstance(item, (OSError, TimeoutError)) and _frames_from(item, _DATABASE_MODULES):
            return "database"
    return None


def describe(exc: BaseException) -> str:
    """The innermost cause in one line, e.g. ``ConnectionRefusedError: [Errno 111] Connect call failed``."""
    *_, root = _chain(exc)
    text = " ".join(str(root).split())[:300]
    return f"{type(root).__name__}: {text}" if text else type(root).__name__


@dataclass
class OutageLog:
    """Rate-limited log lines about unreachable services (one instance per app)."""

    every: float = LOG_EVERY
    _last: dict[str, float] = field(default_factory=dict)
    _since: dict[str, int] = field(default_factory=dict)

    def failed(self, service: str, exc: BaseException) -> None:
        """A request was answered 503 because ``service`` is unreachable."""
        now = time.monotonic()
        last = self._last.get(service)
        self._since[service] = self._since.get(service, 0) + 1
        if last is not None and now - last < self.every:
            return
        answered = self._since[service]
        self._since[service] = 0
        self._last[service] = now
        extra = f" ({answered} requests answered 503 since the last report)" if last is not None else ""
        log.error("%s unreachable, pages answer 503 until it is back: %s%s", service, describe(exc), extra)

    def succeeded(self) -> None:
        """A request went through: any outage logged before is over."""
        if not self._last:
            return
        for service in sorted(self._last):
            log.warning("%s reachable again, pages are served (%d more requests answered 503)", service, self._since.get(service, 0))
        self._last.clear()
        self._since.clear()

    @property
    def active(self) -> bool:
        return bool(self._last)


class QuietOutages(logging.Filter):
    """Libraries log a traceback for every failed reconnect (asyncpg's pool, saq's loops).

    During an outage that is one traceback a second: a record whose error
    means an unreachable service becomes one line, at most one per logger
    and service every :data:`LOG_EVERY` seconds (or none, with ``drop``).
    Other records pass as they are.
    """

    def __init__(self, every: float = LOG_EVERY, drop: bool = False) -> None:
        super().__init__()
        self.every = every
        self.drop = drop
        self._last: dict[tuple[str, str], float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        service = unavailable_service(error) if error is not None else None
        if service is None:
            return True
        if self.drop:
            return False
        now = time.monotonic()
        key = (record.name, service)
        if now - self._last.get(key, -self.every) < self.every:
            return False
        self._last[key] = now
        record.msg = f"{record.getMessage()}: {service} unreachable: {describe(error)}"
        record.args = ()
        record.exc_info = None
        record.exc_text = None
        return True


# asyncpg's pool says only what the 503 line and the worker's state line say already.
logging.getLogger("asyncpg.pool").addFilter(QuietOutages(drop=True))
logging.getLogger("saq").addFilter(QuietOutages())
