"""Can this process reach its database, Redis and SMTP server? Asked by ``serve`` and ``worker`` at start.

Each check answers None (fine) or a :class:`Problem` naming the variable and
what went wrong in words an operator can act on: refused, no answer, a host
name that does not resolve, a refused password, a database without tables.
Messages never repeat a URL: they carry passwords.
"""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from core.config import PREFIX, Settings

# Seconds each check may take.
CHECK_TIMEOUT = 5.0


@dataclass(frozen=True)
class Problem:
    """One unreachable service. ``fatal`` ones stop start-up; SMTP only warns (mail waits in the queue)."""

    variable: str
    message: str
    fatal: bool = True

    def __str__(self) -> str:
        return f"{PREFIX}{self.variable}: {self.message}"


def _where(host: str | None, port: int | None) -> str:
    return f"{host}:{port}" if port else str(host)


def _network_reason(exc: BaseException, service: str, where: str, timeout: float) -> str:
    """Words for a failed connection, the same for every service."""
    if isinstance(exc, socket.gaierror):
        return f"the host name of {service} ({where.rsplit(':', 1)[0]}) does not resolve"
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return f"no answer from {service} at {where} within {timeout:g} s"
    if isinstance(exc, ConnectionRefusedError):
        return f"cannot reach {service} at {where}: connection refused (is it running, on that port?)"
    if isinstance(exc, OSError):
        return f"cannot reach {service} at {where}: {exc.strerror or exc}"
    return f"{service} at {where} failed: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}"


async def check_database(settings: Settings, timeout: float = CHECK_TIMEOUT) -> Problem | None:
    """Connect, and look for core's ``tenant`` table (else: run ``porchside migrate``)."""
    url = settings.database_url
    if url.startswith("sqlite"):
        return _check_sqlite(settings)
    import asyncpg

    parts = urlsplit(url)
    where = _where(parts.hostname, parts.port or 5432)
    database = unquote(parts.path.lstrip("/")) or "postgres"
    ssl = parse_qs(parts.query).get("ssl", [None])[0]
    try:
        conn = await asyncpg.connect(
            host=parts.hostname, port=parts.port or 5432, user=unquote(parts.username or "") or None,
            password=unquote(parts.password or "") or None, database=database, timeout=timeout, ssl=ssl,
            statement_cache_size=0,  # one query: nothing to cache, and safe behind PgBouncer
        )
    except (asyncpg.InvalidPasswordError, asyncpg.InvalidAuthorizationSpecificationError) as exc:
        return Problem("DATABASE_URL", f"PostgreSQL at {where} refused the user {parts.username!r}: {exc}")
    except asyncpg.InvalidCatalogNameError:
        return Problem("DATABASE_URL", f"PostgreSQL at {where} has no database {database!r}; create it first")
    except Exception as exc:  # any failure to connect is reported, not raised
        return Problem("DATABASE_URL", _network_reason(exc, "PostgreSQL", where, timeout))
    try:
        if await conn.fetchval("SELECT to_regclass('tenant')") is None:
            return Problem("DATABASE_URL", f"database {database!r} at {where} has no tables yet: run `porchside migrate`")
    finally:
        await conn.close()
    return None


def _check_sqlite(settings: Settings) -> Problem | None:
    from core.db import connection_url

    try:
        path = Path(connection_url(settings)[len("sqlite://"):].split("?", 1)[0])
    except OSError as exc:
        return Problem("DATABASE_URL", f"cannot make the folder of the SQLite file: {exc.strerror}")
    if not path.exists():
        return Problem("DATABASE_URL", f"the SQLite file {str(path)!r} does not exist yet: run `porchside migrate`")
    try:
        with sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=1) as conn:
            found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tenant'").fetchone()
    except sqlite3.Error as exc:
        return Problem("DATABASE_URL", f"cannot open the SQLite file {str(path)!r}: {exc}")
    if not found:
        return Problem("DATABASE_URL", f"the SQLite file {str(path)!r} has no tables yet: run `porchside migrate`")
    return None


async def check_redis(settings: Settings, timeout: float = CHECK_TIMEOUT) -> Problem | None:
    if settings.redis_url is None:
        return None
    import redis.asyncio as aioredis
    from redis.exceptions import AuthenticationError, ResponseError

    parts = urlsplit(settings.redis_url)
    where = parts.path if parts.scheme == "unix" else _where(parts.hostname, parts.port or 6379)
    client = aioredis.from_url(settings.redis_url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        await client.ping()
    except (AuthenticationError, ResponseError) as exc:
        return Problem("REDIS_URL", f"Redis at {where} refused the connection: {exc}")
    except Exception as exc:
        # redis-py wraps the socket's error; report the original.
        cause = exc.__cause__ or exc.__context__ or exc
        if type(exc).__name__ == "TimeoutError":
            cause = TimeoutError()
        return Problem("REDIS_URL", _network_reason(cause, "Redis", where, timeout))
    finally:
        await client.aclose()
    return None


async def check_smtp(settings: Settings, timeout: float = CHECK_TIMEOUT) -> Problem | None:
    """Connect, greet and log in when the URL has a user; a problem only warns."""
    if settings.smtp_url is None:
        return None
    import aiosmtplib

    from core.mail.smtp import parse_smtp_url

    server = parse_smtp_url(settings.smtp_url)
    where = _where(server.hostname, server.port)
    client = aiosmtplib.SMTP(hostname=server.hostname, port=server.port, use_tls=server.use_tls, timeout=timeout)
    try:
        await client.connect()
        if server.username:
            await client.login(server.username, server.password or "")
    except aiosmtplib.SMTPAuthenticationError as exc:
        return Problem("SMTP_URL", f"the SMTP server at {where} refused the user {server.username!r} ({exc.code})", fatal=False)
    except Exception as exc:
        cause = exc.__cause__ or exc
        if isinstance(exc, aiosmtplib.SMTPConnectTimeoutError):
            cause = TimeoutError()
        elif isinstance(exc, aiosmtplib.SMTPConnectError) and isinstance(cause, aiosmtplib.SMTPConnectError):
            cause = ConnectionRefusedError() if "refused" in str(exc).lower() else cause
        return Problem("SMTP_URL", _network_reason(cause, "the SMTP server", where, timeout), fatal=False)
    finally:
        if client.is_connected:
            try:
                await client.quit()
            except aiosmtplib.SMTPException:
                client.close()
    return None


async def check_services(settings: Settings, timeout: float = CHECK_TIMEOUT) -> list[Problem]:
    """Every problem found, database first; the checks run at the same time."""
    found = await asyncio.gather(
        check_database(settings, timeout), check_redis(settings, timeout), check_smtp(settings, timeout)
    )
    return [problem for problem in found if problem is not None]


class ServicesUnavailable(Exception):
    """A service ``serve`` or ``worker`` cannot run without is unreachable; the message names each."""


def require_services(settings: Settings, wait: float = 0, warn=None, timeout: float = CHECK_TIMEOUT) -> None:
    """Check every service before start-up; raise :class:`ServicesUnavailable` if the database or Redis fails.

    :param wait: keep trying for up to this many seconds (1, 2, 4 ... s
        apart), for a server started together with its database.
    :param warn: called with a line for each problem that does not stop
        start-up (SMTP), and for each retry while waiting.
    """
    import time

    warn = warn or (lambda line: None)
    deadline = time.monotonic() + wait
    delay = 1.0
    while True:
        problems = asyncio.run(check_services(settings, timeout))
        fatal = [p for p in problems if p.fatal]
        left = deadline - time.monotonic()
        if not fatal or left <= 0:
            break
        warn(f"waiting for {', '.join(str(p) for p in fatal)} (next try in {min(delay, left):g} s)")
        time.sleep(min(delay, left))
        delay = min(delay * 2, 15.0)
    for problem in problems:
        if not problem.fatal:
            warn(f"warning: {problem}; emails wait in the queue until it answers")
    if fatal:
        raise ServicesUnavailable("cannot start: " + "; ".join(str(p) for p in fatal))
