"""Start-up and run-time checks (issue 15, item 2).

``serve`` and ``worker`` name the service they cannot reach and stop;
while the database is away pages answer a branded 503 with one log line,
and everything recovers by itself when it returns. "Away" is real: on
PostgreSQL a private cluster of the test's own is stopped (never the shared
one); on SQLite (with a rollback journal) another process holds the database's
exclusive lock, as a long backup or a stuck writer would.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import signal
import sqlite3
import subprocess
from pathlib import Path

import httpx
import pytest

from core.testing import _free_port, eventually, wait_until
from tests.private_services import PrivatePostgres
from tests.test_cli import _porchside_command, cli_env, invoke, one_error_line  # noqa: F401 - cli_env is a fixture


@pytest.fixture(scope="module")
def private_postgres(tmp_path_factory):
    """A migrated PostgreSQL cluster of this module's own, started; made on first use."""
    made: list[PrivatePostgres] = []

    def get() -> PrivatePostgres:
        if not made:
            server = PrivatePostgres()
            made.append(server)
            server.start()
            _restore_migrated_template(server, tmp_path_factory.mktemp("template"))
        return made[0]

    yield get
    for server in made:
        server.remove()


def _restore_migrated_template(server: PrivatePostgres, folder: Path) -> None:
    """Copy the suite's migrated PostgreSQL template into ``server`` (pg_dump, then psql).

    The same tables and migration records ``porchside migrate`` writes, in
    about a second instead of running every migration again (5 s of CPU).
    """
    from core.testing import _create_postgres_database, _database_url, _drop_postgres_database, _installed_plugin_apps

    copy = f"porchside_outage_{os.getpid()}_{secrets.token_hex(3)}"  # the template itself takes no connections
    asyncio.run(_create_postgres_database(copy, _installed_plugin_apps(), folder))
    try:
        dump = subprocess.run(["pg_dump", "--no-owner", "--no-privileges", _database_url(copy)], capture_output=True, check=True, timeout=120)
    finally:
        asyncio.run(_drop_postgres_database(copy))
    restored = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", server.url], input=dump.stdout, capture_output=True, timeout=120)
    assert restored.returncode == 0, restored.stderr.decode(errors="replace")


class Outage:
    """The database of this run's backend, with ``begin()`` and ``end()`` of an outage."""

    def __init__(self, backend: str, settings, postgres: PrivatePostgres | None) -> None:
        self.backend = backend
        self.settings = settings
        self.postgres = postgres
        self._lock: sqlite3.Connection | None = None

    def begin(self) -> None:
        if self.postgres is not None:
            self.postgres.stop()
            return
        path = self.settings.database_url[len("sqlite://"):].split("?")[0]
        self._lock = sqlite3.connect(path, isolation_level=None, timeout=10)
        self._lock.execute("BEGIN EXCLUSIVE")

    def end(self) -> None:
        if self.postgres is not None:
            self.postgres.start()
            return
        self._lock.execute("ROLLBACK")
        self._lock.close()
        self._lock = None


@pytest.fixture
def outage(porchside_backend, porchside_settings_factory, private_postgres):
    if porchside_backend.name == "postgres":
        server = private_postgres()
        settings = porchside_settings_factory(database_url=server.url)
        made = Outage("postgres", settings, server)
    else:
        # A rollback journal, so the lock another process takes keeps readers out too (WAL would let them read).
        # Each URL parameter is a PRAGMA of the connection: a busy timeout of 0.2 s instead of SQLite's
        # 5 s, so every query the outage refuses gives up sooner (three refused pages took 15 s).
        plain = porchside_settings_factory()
        url = plain.database_url + "?journal_mode=DELETE&busy_timeout=200"
        made = Outage("sqlite", porchside_settings_factory(database_url=url), None)
    yield made
    if made._lock is not None or (made.postgres is not None and not _pg_running(made.postgres)):
        made.end()


def _pg_running(server: PrivatePostgres) -> bool:
    return (server.data / "postmaster.pid").exists()


def _unreachable_database(backend: str, tmp_path: Path) -> tuple[str, str]:
    """A database URL that cannot be used, and what the error must say about it."""
    if backend == "postgres":
        port = _free_port()
        return f"postgres://postgres@127.0.0.1:{port}/porchside", f"cannot reach PostgreSQL at 127.0.0.1:{port}: connection refused"
    return f"sqlite://{tmp_path / 'never-migrated.sqlite3'}", "does not exist yet: run `porchside migrate`"


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_start_up_names_each_unreachable_service(command, porchside_backend, tmp_path):
    database_url, database_says = _unreachable_database(porchside_backend.name, tmp_path)
    redis_port, smtp_port = _free_port(), _free_port()
    env = {
        "PORCHSIDE_ENV": "development",
        "PORCHSIDE_DATA_DIR": str(tmp_path / "var"),
        "PORCHSIDE_DATABASE_URL": database_url,
        "PORCHSIDE_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "PORCHSIDE_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "PORCHSIDE_SECRET_KEY": "s" * 40,
    }
    result = invoke([command], env)
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if "warning" not in line]
    assert len(errors) == 1 and "Traceback" not in result.output, result.stderr
    line = errors[0]
    assert line.startswith("porchside: cannot start: PORCHSIDE_DATABASE_URL: ") and database_says in line
    assert f"PORCHSIDE_REDIS_URL: cannot reach Redis at 127.0.0.1:{redis_port}: connection refused" in line
    # SMTP only warns: mail waits in the queue.
    assert f"warning: PORCHSIDE_SMTP_URL: cannot reach the SMTP server at 127.0.0.1:{smtp_port}" in result.stderr


def test_serve_warns_about_smtp_and_serves(cli_env, tmp_path):
    smtp_port, port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORCHSIDE_")}
    env.update({k: v for k, v in cli_env.env.items() if v is not None})
    env["PORCHSIDE_SMTP_URL"] = f"smtp://127.0.0.1:{smtp_port}"
    err = tmp_path / "stderr.txt"
    with err.open("w") as stderr:
        process = subprocess.Popen([*_porchside_command(), "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        # One client for every poll: httpx.get makes a client, and its TLS context, each time (50 ms of CPU).
        with httpx.Client(timeout=5, trust_env=False) as http:
            def answers() -> bool:
                assert process.poll() is None, err.read_text()
                try:
                    return http.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
                except httpx.TransportError:
                    return False

            wait_until(answers, timeout=60, interval=0.2, describe=err.read_text)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert f"porchside: warning: PORCHSIDE_SMTP_URL: cannot reach the SMTP server at 127.0.0.1:{smtp_port}" in err.read_text()


async def test_pages_answer_a_branded_503_while_the_database_is_away(outage, make_app, make_account, caplog):
    """A signed-in customer's pages need the database: a branded 503, one log line, then back.

    (The sign-in page itself comes from the per-process tenant snapshot
    (core.tenant_state), so it may still render during an outage.)
    """
    from core.testing import TenantClient
    from tenants.service import create_tenant

    async with make_app(settings=outage.settings) as app:
        slug = f"outage-{os.getpid()}-{id(outage) % 10000}"
        tenant = await create_tenant(slug, "Outage Pools")
        await make_account(tenant, "Pat Doe", emails=("pat@example.com",))
        client = TenantClient(app, f"{slug}.localhost")
        await client.sign_in_as("pat@example.com")
        assert (await client.get("/")).status_code == 200

        caplog.clear()
        outage.begin()
        with caplog.at_level(logging.INFO):
            page = await client.get("/")
            api = await client.get("/", headers={"Accept": "application/json"})
            again = await client.get("/")
        assert page.status_code == api.status_code == again.status_code == 503
        body = await page.get_data(as_text=True)
        assert "Back in a moment" in body and "briefly unavailable" in body and "Traceback" not in body
        assert page.headers["Retry-After"] == "30"
        assert (await api.get_json())["error"]["code"] == "unavailable"
        # The outage's own lines: a scheduled job that comes due meanwhile
        # (it depends on the hour) may log its retry, which is not this one.
        outage_lines = [r for r in caplog.records if r.levelno >= logging.WARNING and r.name == "porchside.outage"]
        assert len(outage_lines) == 1, [r.getMessage() for r in outage_lines]
        assert outage_lines[0].getMessage().startswith("database unreachable, pages answer 503")
        assert not any(r.exc_info for r in caplog.records), "no traceback for an outage"

        outage.end()
        caplog.clear()
        with caplog.at_level(logging.INFO):
            async def served() -> bool:
                return (await client.get("/")).status_code == 200

            await eventually(served, timeout=30, interval=0.2)
        assert any("database reachable again" in r.getMessage() for r in caplog.records)


async def test_the_worker_pauses_while_the_database_is_away_and_resumes(outage, caplog):
    """``watch_services``: one line when the database goes, jobs stop being taken, and resume on return."""
    from core.db import open_database, release_database, tortoise_config
    from core.plugins import PluginHost
    from core.queue.worker import watch_services
    from core.services import Services

    settings = outage.settings
    host = PluginHost().load()
    services = Services.build(settings, host)
    config = tortoise_config(settings, host.model_apps())
    await open_database(config)
    stop = asyncio.Event()
    try:
        from tenants.models import Tenant

        await Tenant.all().count()  # connected (on SQLite, in rollback-journal mode) before the outage
        await services.queue.start_worker()
        watcher = asyncio.create_task(watch_services(settings, services, stop, every=0.2, max_backoff=0.5))
        with caplog.at_level(logging.INFO, logger="porchside.worker"):
            outage.begin()
            await eventually(lambda: not services.queue.working, timeout=30, interval=0.1)
            lines = [r.getMessage() for r in caplog.records if r.name == "porchside.worker"]
            assert any("PORCHSIDE_DATABASE_URL" in line and "jobs wait until it is back" in line for line in lines), lines
            assert any("paused" in line for line in lines)
            await asyncio.sleep(1.5)  # several back-off checks while it is away: no new line each time
            assert sum("PORCHSIDE_DATABASE_URL" in r.getMessage() for r in caplog.records) == 1

            outage.end()
            await eventually(lambda: services.queue.working, timeout=30, interval=0.1)
            assert any("reachable again; taking jobs" in r.getMessage() for r in caplog.records)
        stop.set()
        await watcher
    finally:
        stop.set()
        await services.queue.stop_worker()
        await services.close()
        await release_database(config)
