"""Porchside with a per-request count of SQL statements and Redis commands (bench only).

``bench/pages.py`` serves this wrapper in a separate, unmeasured server
process to learn how many statements each page sends; the timed figures
come from the plain app. It counts at the asyncpg driver, so it sees every
statement whatever sent it (Tortoise, raw SQL, transactions' ``BEGIN`` and
``COMMIT``) and nothing PostgreSQL did for another client::

    uvicorn bench.sqlcount:create_app --factory

Every response gets three headers:

* ``x-bench-sql``: statements sent through ``Connection.execute``,
  ``executemany``, ``fetch``, ``fetchrow``, ``fetchval`` and ``fetchmany``
  while the request ran, not counting pool resets;
* ``x-bench-resets``: asyncpg's pool reset (``pg_advisory_unlock_all();
  CLOSE ALL; ...``) sent when a connection goes back to the pool: one per
  acquisition, zero if the pool's reset is turned off;
* ``x-bench-redis``: Redis round trips (commands, and a pipeline counts once).

With ``BENCH_SQL_LOG=<file>`` each request also appends one JSON line with
its path and the statements' text, for finding which statement a page added.
"""

from __future__ import annotations

import contextvars
import functools
import json
import os
from dataclasses import dataclass, field

import asyncpg.connection
import redis.asyncio.client

_COUNTED = ("execute", "executemany", "fetch", "fetchrow", "fetchval", "fetchmany")


@dataclass
class Counts:
    sql: list[str] = field(default_factory=list)
    resets: int = 0
    redis: int = 0


_current: contextvars.ContextVar[Counts | None] = contextvars.ContextVar("bench_counts", default=None)


def _count_sql(method):
    @functools.wraps(method)
    async def counted(self, query, *args, **kwargs):
        counts = _current.get()
        if counts is not None:
            if method.__name__ == "execute" and not args and query == self.get_reset_query():
                counts.resets += 1
            else:
                counts.sql.append(" ".join(str(query).split()))
        return await method(self, query, *args, **kwargs)

    return counted


def _count_redis(method):
    @functools.wraps(method)
    async def counted(self, *args, **kwargs):
        counts = _current.get()
        if counts is not None:
            counts.redis += 1
        return await method(self, *args, **kwargs)

    return counted


_ORIGINALS: dict[tuple[type, str], object] = {}


def install() -> None:
    """Wrap the asyncpg and redis-py methods that reach the servers (once per process).

    Outside a counted request the wrappers only read a context variable.
    """
    if _ORIGINALS:
        return
    targets = [(asyncpg.connection.Connection, name, _count_sql) for name in _COUNTED]
    targets += [(redis.asyncio.client.Redis, "execute_command", _count_redis),
                (redis.asyncio.client.Pipeline, "execute", _count_redis)]
    for owner, name, wrap in targets:
        original = owner.__dict__[name]
        _ORIGINALS[(owner, name)] = original
        setattr(owner, name, wrap(original))


def uninstall() -> None:
    """Put the original methods back (for tests that count within a longer-lived process)."""
    for (owner, name), original in _ORIGINALS.items():
        setattr(owner, name, original)
    _ORIGINALS.clear()


class CountingMiddleware:
    """ASGI middleware: counts what each HTTP request sent and reports it in response headers."""

    def __init__(self, app, log_path: str | None = None) -> None:
        self.app = app
        self.log_path = log_path

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        counts = Counts()
        token = _current.set(counts)

        async def send_with_counts(message):
            if message["type"] == "http.response.start":
                message = dict(message)
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-bench-sql", str(len(counts.sql)).encode()),
                    (b"x-bench-resets", str(counts.resets).encode()),
                    (b"x-bench-redis", str(counts.redis).encode()),
                ]
                if self.log_path:
                    with open(self.log_path, "a", encoding="utf-8") as log:
                        log.write(json.dumps({"path": scope["path"], "query": scope["query_string"].decode(), "sql": counts.sql}) + "\n")
            await send(message)

        try:
            await self.app(scope, receive, send_with_counts)
        finally:
            _current.reset(token)


def create_app():
    """The Porchside app from the environment, counted."""
    install()
    from core.app import create_app as create_porchside

    app = create_porchside()
    app.asgi_app = CountingMiddleware(app.asgi_app, os.environ.get("BENCH_SQL_LOG"))
    return app
