"""Pytest fixtures for Porchside and for plugin authors (a ``pytest11`` plugin).

Installed with the ``porchside`` package, so a third-party plugin's tests get
the same fixtures as core's:

* ``porchside_backend`` runs each test on SQLite (in-process cache) and on
  PostgreSQL (with Redis). Without a reachable PostgreSQL or Redis the
  PostgreSQL run is skipped with a reason, unless
  ``PORCHSIDE_REQUIRE_SERVICES=1`` (CI) turns the skip into a failure.
* ``make_app`` builds and starts an app on a clean database:
  ``async with make_app(plugins=[("mine", my_plugin)]) as app: ...``.
* ``app`` is a started app with the built-in plugins; ``tenant`` and
  ``other_tenant`` are two businesses; ``client`` and ``other_client`` are
  test clients bound to their hosts; ``client_for(tenant)`` makes more.
* ``make_account``, ``make_job``, ``make_visit``, ``make_invoice`` and
  ``make_staff`` make records of a business (:mod:`core.testing_data`).
* ``extra_catalogs({"es": {"Reviews": "Reseñas"}})`` adds a translation
  catalog for the test, behind core's as a plugin's is;
  ``translated("es", msgid)`` is what the catalogs say, to assert against.

Databases: the schema is migrated once into a template per set of migration
files (:func:`schema_key`), kept between runs: a SQLite file under
``$TMPDIR/porchside-test-templates-<uid>`` and a PostgreSQL database
``porchside_tpl_<key>``. Each test process copies the PostgreSQL template into
a database of its own (``CREATE DATABASE ... TEMPLATE``, dropped at the end of
the session); every test then starts from empty tables (a fresh copy of the
SQLite file, or DELETE on PostgreSQL). Redis keys get a prefix of their own
per test.

PgBouncer: the PostgreSQL half's apps and CLI commands reach their database
through a private PgBouncer in transaction pooling mode, one per test process
(:mod:`core.testing_pgbouncer`), as a production set-up may; making, copying
and dropping databases and migrating templates go straight to PostgreSQL.
Without pgbouncer installed the half runs direct, unless
``PORCHSIDE_REQUIRE_SERVICES=1`` makes that a failure.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import shutil
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator, Iterable

import pytest

PG_ADMIN_URL = os.environ.get("PORCHSIDE_TEST_PG", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_TEST_URL = os.environ.get("PORCHSIDE_TEST_REDIS", "redis://127.0.0.1:6379/0")
SECRET = "test-secret-key-" + "x" * 40


def _require_services() -> bool:
    return os.environ.get("PORCHSIDE_REQUIRE_SERVICES", "") in ("1", "true", "yes")


def pytest_configure(config) -> None:
    """``PORCHSIDE_TEST_NOW=2028-02-29T06:30:00Z``: run the suite on a moved, ticking clock.

    In every process (xdist workers and child Pythons too, see
    :mod:`core.testclock`), before any test or fixture reads the time.
    """
    from core.testclock import requested_instant, share_with_children, start_from_env

    try:
        requested_instant()
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    start_from_env()
    # The tests' own password hashes: still argon2id, at its lowest cost (a
    # server hashes at RECOMMENDED; tests/test_auth_sessions.py checks it).
    from argon2 import PasswordHasher, Type

    from core.auth.passwords import use_hasher

    use_hasher(PasswordHasher(type=Type.ID, time_cost=1, memory_cost=8, parallelism=1))
    # The xdist controller runs no test: only the processes that do hand
    # the clock to their children (and workers then import nothing early).
    controller = not hasattr(config, "workerinput") and (getattr(config.option, "numprocesses", 0) or 0) > 0
    config._porchside_clock_site = None if controller else share_with_children()


def pytest_unconfigure(config) -> None:
    site = getattr(config, "_porchside_clock_site", None)
    if site:
        shutil.rmtree(site, ignore_errors=True)


def pytest_report_header(config) -> str | None:
    from core.testclock import NOW_VARIABLE, requested_instant

    instant = requested_instant()
    return f"clock moved to {instant.isoformat()} ({NOW_VARIABLE}), ticking" if instant else None


@dataclass
class Backend:
    """One database backend prepared for the session."""

    name: str
    template: str  # SQLite: path of the migrated file; PostgreSQL: database URL (through PgBouncer)
    redis_url: str | None
    plugin_apps: dict[str, Any]
    # PostgreSQL: the same database without PgBouncer (migrations, set-up), and
    # whether ``template`` goes through PgBouncer (core.testing_pgbouncer).
    direct_url: str | None = None
    pgbouncer: bool = False


async def _pg_reachable() -> str | None:
    import asyncpg

    try:
        conn = await asyncpg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://"), timeout=3)
    except Exception as exc:
        return f"PostgreSQL at {PG_ADMIN_URL} is not reachable ({type(exc).__name__}); start it to run the PostgreSQL half of the suite"
    await conn.close()
    return None


async def _redis_reachable() -> str | None:
    import redis.asyncio as aioredis

    client = aioredis.from_url(REDIS_TEST_URL)
    try:
        await client.ping()
    except Exception as exc:
        return f"Redis at {REDIS_TEST_URL} is not reachable ({type(exc).__name__}); start it to run the Redis half of the suite"
    finally:
        await client.aclose()
    return None


def _unavailable(reason: str) -> None:
    if _require_services():
        pytest.fail(reason + " (PORCHSIDE_REQUIRE_SERVICES is set, so this is a failure)")
    pytest.skip(reason)


def _migrate(settings, plugin_apps) -> None:
    from core.db import run_migrations, tortoise_config

    asyncio.run(run_migrations(tortoise_config(settings, plugin_apps)))


def _installed_plugin_apps() -> dict[str, Any]:
    from core.plugins import PluginHost

    return PluginHost().load().model_apps()


TEMPLATE_PREFIX = "porchside_tpl_"
# A SQLite template no session has taken for this long is deleted.
STALE_TEMPLATE_SECONDS = 6 * 3600
# pg_advisory_lock key: one process at a time makes, drops or copies a
# template, whatever the test session (several may share a server).
_TEMPLATE_LOCK = 0x706F7263_68747031


def _asyncpg_url(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def _database_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def _migration_packages(plugin_apps: dict[str, Any]) -> list[str]:
    return ["core.migrations"] + sorted(app["migrations"] for app in plugin_apps.values() if app.get("migrations"))


def schema_key(plugin_apps: dict[str, Any]) -> str:
    """A digest of every migration file (core's and the plugins') and of Tortoise's version.

    Names the PostgreSQL template: a changed, added or removed migration
    gives a new template, so a stale schema is never copied.
    """
    import hashlib
    import importlib.util

    import tortoise

    digest = hashlib.sha256(tortoise.__version__.encode())
    for package in _migration_packages(plugin_apps):
        spec = importlib.util.find_spec(package)
        for folder in (spec.submodule_search_locations or []) if spec else []:
            for path in sorted(Path(folder).glob("*.py")):
                digest.update(f"\0{package}/{path.name}\0".encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def template_name(plugin_apps: dict[str, Any]) -> str:
    """``porchside_tpl_<apps>_<schema key>``: ``<apps>`` names which migration packages the template has.

    A new template replaces only older ones of the same packages: a plugin's
    own test run (the scaffold test's, with one more package) keeps its
    template and leaves the suite's alone, instead of each dropping the
    other's and migrating again on its next run.
    """
    import hashlib

    family = hashlib.sha256("\0".join(_migration_packages(plugin_apps)).encode()).hexdigest()[:6]
    return f"{TEMPLATE_PREFIX}{family}_{schema_key(plugin_apps)}"


async def _create_postgres_database(name: str, plugin_apps: dict[str, Any], folder: Path) -> None:
    """Create database ``name`` as a copy of the migrated template (made here if missing).

    The template outlives the session on purpose: the next run (or the next
    xdist worker) copies it in a few milliseconds instead of migrating again.
    """
    import asyncpg

    admin = await asyncpg.connect(_asyncpg_url(PG_ADMIN_URL))
    try:
        await admin.execute("SELECT pg_advisory_lock($1)", _TEMPLATE_LOCK)
        try:
            template = await _migrated_template(admin, plugin_apps, folder)
            await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        finally:
            await admin.execute("SELECT pg_advisory_unlock($1)", _TEMPLATE_LOCK)
        # A test database is thrown away, so a commit need not wait for the
        # WAL to reach the disk: 0.1-0.2 ms per commit instead of 3-5 ms here.
        # Same server, same SQL; only crash durability differs.
        await admin.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    finally:
        await admin.close()


async def _migrated_template(admin, plugin_apps: dict[str, Any], folder: Path) -> str:
    """The name of the template database for these migrations; the caller holds the lock."""
    import asyncpg

    from core.config import Settings
    from core.db import run_migrations, tortoise_config

    template = template_name(plugin_apps)
    ready = await admin.fetchval("SELECT datistemplate FROM pg_database WHERE datname = $1", template)
    if ready:
        return template
    if ready is not None:  # left half-made by a run that was killed while migrating
        await admin.execute(f'DROP DATABASE "{template}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{template}"')
    await admin.execute(f'ALTER DATABASE "{template}" SET synchronous_commit = off')  # see below
    settings = Settings.from_env({}, data_dir=folder, database_url=_database_url(template), secret_key=SECRET)
    await run_migrations(tortoise_config(settings, plugin_apps))
    # No connections from now on: nothing can change the schema that is copied.
    await admin.execute(f'ALTER DATABASE "{template}" WITH ALLOW_CONNECTIONS false IS_TEMPLATE true')
    stale = await admin.fetch(  # of the same packages, or named before template_name() (no packages part)
        "SELECT datname FROM pg_database WHERE (datname LIKE $1 OR datname ~ $2) AND datname <> $3",
        template.rsplit("_", 1)[0] + "_%", f"^{TEMPLATE_PREFIX}[0-9a-f]{{16}}$", template,
    )
    for row in stale:  # templates of older migrations: never copied again
        try:
            await admin.execute(f'ALTER DATABASE "{row["datname"]}" WITH IS_TEMPLATE false')
            await admin.execute(f'DROP DATABASE "{row["datname"]}"')
        except asyncpg.PostgresError:
            pass  # another role's template: its owner's next run drops it
    return template


def _sqlite_template(plugin_apps: dict[str, Any], scratch: Path) -> Path:
    """The migrated SQLite file for these migrations, kept between runs like the PostgreSQL template.

    In ``$TMPDIR/porchside-test-templates-<uid>``, named by :func:`schema_key`;
    a file lock lets one process migrate while the others (xdist workers,
    other sessions) wait for its file. Tests copy it, never open it.
    """
    import fcntl
    import sqlite3
    import tempfile

    from core.config import Settings

    folder = Path(tempfile.gettempdir()) / f"porchside-test-templates-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    name = f"{schema_key(plugin_apps)}-sqlite{sqlite3.sqlite_version}.sqlite3"
    path = folder / name
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            building = scratch / "template.sqlite3"
            settings = Settings.from_env({}, data_dir=scratch, database_url=f"sqlite://{building}", secret_key=SECRET)
            _migrate(settings, plugin_apps)
            os.replace(building, path)  # complete or absent, never half-made
        os.utime(path)  # in use: a session with other migrations leaves it alone
        # Templates of other migrations that no session took for a while.
        # Another session (a plugin's tests, another checkout) may be copying
        # one for each of its tests right now: deleting it then broke that run.
        # Ages are counted on the file system's clock (the mtime just set), not
        # time.time(): under PORCHSIDE_TEST_NOW a moved clock made every other
        # template look months old, and a plugin's test run started from the
        # suite (the scaffold test) deleted the suite's own template.
        now = path.stat().st_mtime
        for stale in folder.glob("*.sqlite3"):
            if stale.name != name and stale.stat().st_mtime < now - STALE_TEMPLATE_SECONDS:
                stale.unlink(missing_ok=True)
    return path


async def _drop_postgres_database(name: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(_asyncpg_url(PG_ADMIN_URL))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


class _Backends:
    """This test process's backends, prepared on first use and removed at session end.

    ``porchside_backend`` is parametrized, so pytest tears it down whenever
    the next test runs on the other backend (with ``--dist loadfile``, once
    or twice per file): preparing the databases here instead makes that
    switch free. SQLite is migrated once per process; PostgreSQL is one
    database per process, copied from the migrated template.
    """

    def __init__(self, tmp_path_factory) -> None:
        self.tmp_path_factory = tmp_path_factory
        self.plugin_apps = _installed_plugin_apps()
        self.ready: dict[str, Backend] = {}
        self.unavailable: dict[str, str] = {}
        self.postgres_database: str | None = None
        self.bouncer = None
        self.pgbouncer_missing: str | None = None

    def get(self, name: str) -> Backend:
        if name in self.unavailable:
            _unavailable(self.unavailable[name])
        if name not in self.ready:
            self.ready[name] = self._sqlite() if name == "sqlite" else self._postgres()
        return self.ready[name]

    def _sqlite(self) -> Backend:
        path = _sqlite_template(self.plugin_apps, self.tmp_path_factory.mktemp("sqlite-template"))
        return Backend("sqlite", str(path), None, self.plugin_apps)

    def _postgres(self) -> Backend:
        for check in (_pg_reachable, _redis_reachable):
            reason = asyncio.run(check())
            if reason:
                self.unavailable["postgres"] = reason
                _unavailable(reason)
        name = f"porchside_test_{os.getpid()}_{secrets.token_hex(3)}"
        bouncer = self._pgbouncer()
        asyncio.run(_create_postgres_database(name, self.plugin_apps, self.tmp_path_factory.mktemp("pg")))
        self.postgres_database = name
        direct = _database_url(name)
        url = bouncer.url(name) if bouncer else direct
        return Backend("postgres", url, REDIS_TEST_URL, self.plugin_apps, direct_url=direct, pgbouncer=bool(bouncer))

    def _pgbouncer(self):
        """This process's PgBouncer in transaction mode; None (run direct) if it is not installed, outside CI."""
        from core.testing_pgbouncer import PgBouncer, pgbouncer_binary

        if pgbouncer_binary() is None:
            reason = "pgbouncer is not installed (apt-get install pgbouncer); the PostgreSQL half runs without it"
            if _require_services():
                self.unavailable["postgres"] = reason
                _unavailable(reason)
            self.pgbouncer_missing = reason
            return None
        folder = self.tmp_path_factory.mktemp("pgbouncer")
        self.bouncer = PgBouncer(folder, PG_ADMIN_URL).start()
        return self.bouncer

    def close(self) -> None:
        if self.bouncer:
            self.bouncer.stop()
            shutil.rmtree(self.bouncer.folder, ignore_errors=True)
            self.bouncer = None
        if self.postgres_database:
            asyncio.run(_drop_postgres_database(self.postgres_database))
            self.postgres_database = None


@pytest.fixture(scope="session")
def porchside_backends(tmp_path_factory) -> Iterable[_Backends]:
    """The prepared backends of this test process (see :class:`_Backends`)."""
    backends = _Backends(tmp_path_factory)
    try:
        yield backends
    finally:
        backends.close()


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def porchside_backend(request, porchside_backends: _Backends) -> Backend:
    """The database backend of this run of the test (see module doc)."""
    return porchside_backends.get(request.param)


async def reset_postgres() -> None:
    """Empty every table but the migration record and restart the id sequences.

    DELETE, not TRUNCATE: TRUNCATE gives each table and index a new file,
    which cost 0.15 s per test on an idle machine (over 1 s on a busy one)
    and left thousands of new files for PostgreSQL's next checkpoint to
    sync; DROP DATABASE waits for such a checkpoint, which made the end of
    a PostgreSQL stretch take up to a minute. A DELETE of a few rows writes
    no file. Tables are emptied children first, so even foreign keys
    without ON DELETE CASCADE hold; a schema with a cycle of them falls back
    to TRUNCATE.
    """
    from tortoise import connections

    conn = connections.get("default")
    key = getattr(conn, "database", None) or id(conn)
    script = _RESET_SCRIPTS.get(key)
    if script is None:
        script = _RESET_SCRIPTS[key] = await _reset_script(conn)
    if script:
        await conn.execute_script(script)


_RESET_SCRIPTS: dict[Any, str] = {}


async def _reset_script(conn) -> str:
    """The SQL that empties this database's tables (see :func:`reset_postgres`)."""
    _, rows = await conn.execute_query(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'tortoise_migrations'"
    )
    tables = sorted(r["tablename"] for r in rows)
    if not tables:
        return ""
    _, links = await conn.execute_query(
        "SELECT child.relname AS child, parent.relname AS parent FROM pg_constraint k"
        " JOIN pg_class child ON child.oid = k.conrelid JOIN pg_class parent ON parent.oid = k.confrelid"
        " JOIN pg_namespace n ON n.oid = child.relnamespace"
        " WHERE k.contype = 'f' AND n.nspname = 'public' AND k.conrelid <> k.confrelid"
    )
    order = _children_first(tables, [(r["child"], r["parent"]) for r in links])
    if order is None:
        return "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
    deletes = "".join(f'DELETE FROM "{t}";\n' for t in order)
    # setval, not ALTER SEQUENCE ... RESTART (which writes a new file too).
    restart = (
        "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, start_value, false)"
        " FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL"
        # The migration record is kept, so its ids must go on where they were.
        " AND sequencename NOT LIKE 'tortoise\\_migrations\\_%';"
    )
    return deletes + restart


def _children_first(tables: list[str], links: list[tuple[str, str]]) -> list[str] | None:
    """``tables`` ordered so each comes before the tables it references; None on a cycle."""
    referenced_by: dict[str, set[str]] = {t: set() for t in tables}
    for child, parent in links:
        if child in referenced_by and parent in referenced_by:
            referenced_by[parent].add(child)
    order: list[str] = []
    done: set[str] = set()
    while len(order) < len(tables):
        free = [t for t in tables if t not in done and referenced_by[t] <= done]
        if not free:
            return None
        order.extend(free)
        done.update(free)
    return order


def backend_settings(backend: Backend, folder: Path, prefix: str, **overrides: Any):
    """Settings on ``backend``: a copy of the SQLite template in ``folder`` (made once), or
    the PostgreSQL test database; Redis keys under ``prefix``; data in ``folder/data``."""
    from core.config import Settings

    if backend.name == "sqlite":
        db_path = folder / "db.sqlite3"
        if not db_path.exists():
            shutil.copyfile(backend.template, db_path)
        url = f"sqlite://{db_path}"
    else:
        url = backend.template
    values = dict(
        data_dir=folder / "data",
        database_url=url,
        redis_url=backend.redis_url,
        redis_prefix=prefix,
        secret_key=SECRET,
        base_domain="localhost",
        load_entry_points=True,
        dev_outbox=True,
    )
    if "database_url" not in overrides:  # another database is reached as given
        values.update(database_pgbouncer=backend.pgbouncer, database_direct_url=backend.direct_url)
    values.update(overrides)
    return Settings.from_env({}, **values)


def forget_redis_prefix(backend: Backend, prefix: str) -> None:
    """Delete the Redis keys a test's settings made under ``prefix`` (nothing on SQLite)."""
    if backend.redis_url:
        import redis

        client = redis.Redis.from_url(backend.redis_url)
        keys = list(client.scan_iter(f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()


@pytest.fixture
def porchside_settings_factory(porchside_backend: Backend, tmp_path: Path):
    """``factory(**overrides)`` -> Settings on a clean copy of this backend."""
    prefix = f"pstest:{secrets.token_hex(4)}"
    counter = {"n": 0}

    def factory(**overrides: Any):
        counter["n"] += 1
        overrides.setdefault("data_dir", tmp_path / f"data{counter['n']}")
        return backend_settings(porchside_backend, tmp_path, prefix, **overrides)

    yield factory
    forget_redis_prefix(porchside_backend, prefix)


def database_environment(settings) -> dict[str, str]:
    """The ``PORCHSIDE_DATABASE_*`` variables of ``settings``, for a ``porchside`` child process.

    On PostgreSQL they say that the URL goes through the suite's PgBouncer
    and which URL ``porchside migrate`` takes straight to PostgreSQL.
    """
    env = {"PORCHSIDE_DATABASE_URL": settings.database_url}
    if settings.database_pgbouncer:
        env["PORCHSIDE_DATABASE_PGBOUNCER"] = "1"
    if settings.database_direct_url:
        env["PORCHSIDE_DATABASE_DIRECT_URL"] = settings.database_direct_url
    return env


_TEMPLATE_CODE = None


def _share_compiled_templates(app) -> None:
    """Let ``app``'s page and email templates reuse what earlier apps of this process compiled.

    See :mod:`core.jinja_code_cache`: the same unchanged template is
    otherwise parsed and compiled again for every test's app.
    """
    global _TEMPLATE_CODE
    from core.jinja_code_cache import SharedTemplateCode
    from core.mail.render import mail_templates

    if _TEMPLATE_CODE is None:
        _TEMPLATE_CODE = SharedTemplateCode()
    app.jinja_env.bytecode_cache = _TEMPLATE_CODE
    mail_templates(app.extensions["porchside"]).bytecode_cache = _TEMPLATE_CODE


_APPS_MADE: dict[str, int] = {}


def _freeze_long_lived_objects(backend: str) -> None:
    """Keep the cyclic garbage collector off what lives as long as the process.

    Every test builds and throws away an app (many objects held in cycles),
    so the collector's full, oldest-generation pass runs every few tests,
    and each walked every object of the process: modules, model classes,
    compiled templates (on 80 SQLite app tests, 5.1 s of 12.1 s CPU).
    Before the first and second app of each backend (the second comes after
    the first test's lazy imports), garbage is
    collected and what is left is frozen (:func:`gc.freeze`): later passes
    walk only what tests made since (tests/test_isolation.py, 180 tests:
    10.4 s of collector CPU before, 6.4 s after). A test's garbage is still
    collected; only objects alive before its app are skipped.
    ``core.db.run_migrations`` unfreezes when it ends; the next app freezes
    again. That is told by ``core.db.gc_unfreezes``, not by
    :func:`gc.get_freeze_count`, which walks every frozen object (17-70 ms
    per app, a sixth of a small test's CPU).
    """
    import gc

    from core import db

    global _FROZEN_AFTER
    made = _APPS_MADE[backend] = _APPS_MADE.get(backend, 0) + 1
    if made <= 2 or _FROZEN_AFTER != db.gc_unfreezes:
        gc.collect()
        gc.freeze()
        _FROZEN_AFTER = db.gc_unfreezes


# core.db.gc_unfreezes when this process last froze (None: never).
_FROZEN_AFTER: int | None = None


@pytest.fixture
async def make_app(porchside_backend: Backend, porchside_settings_factory):
    """``async with make_app(plugins=..., **settings) as app`` -> a started app.

    Several apps may run at once (two instances sharing PostgreSQL and Redis);
    the database is emptied when the test ends.
    """
    from core.app import create_app

    started: list = []

    @asynccontextmanager
    async def factory(
        plugins: Iterable[tuple[str, object]] = (),
        allowed_plugins: Iterable[str] | None = None,
        load_entry_points: bool = True,
        settings=None,
        **overrides: Any,
    ) -> AsyncIterator[Any]:
        settings = settings or porchside_settings_factory(**overrides)
        _freeze_long_lived_objects(porchside_backend.name)
        app = create_app(
            settings,
            plugins=plugins,
            allowed_plugins=allowed_plugins,
            load_entry_points=load_entry_points,
        )
        _share_compiled_templates(app)
        async with app.test_app() as test_app:
            started.append(app)
            try:
                yield app
            finally:
                if porchside_backend.name == "postgres" and len(started) == 1:
                    # Jobs still running would write into (or deadlock with) the TRUNCATE.
                    await app.extensions["porchside"].queue.stop_worker()
                    await reset_postgres()
                started.pop()

    yield factory
    from core.db import close_leftover_database

    await close_leftover_database()


@pytest.fixture
async def app(make_app):
    """A started app with the installed plugins."""
    async with make_app() as started:
        yield started


@pytest.fixture
async def tenant(app):
    """A business at ``acme.localhost`` with the built-in plugins enabled."""
    from tenants.service import create_tenant

    return await create_tenant("acme", "Acme Pool Care", contact_email="office@acme.test", contact_phone="555-0100")


@pytest.fixture
async def other_tenant(app):
    """A second business with look-alike data, for isolation tests."""
    from tenants.service import create_tenant

    return await create_tenant("globex", "Globex Plumbing", contact_email="office@globex.test", contact_phone="555-0200")


class TenantClient:
    """A Quart test client that always sends its tenant's Host header.

    Each instance keeps its own cookies, like a separate browser.
    """

    def __init__(self, app, host: str) -> None:
        self.app = app
        self.host = host
        self.client = app.test_client()

    def _headers(self, headers: dict | None) -> dict:
        merged = {"Host": self.host}
        merged.update(headers or {})
        return merged

    async def get(self, path: str, **kwargs):
        kwargs["headers"] = self._headers(kwargs.get("headers"))
        return await self.client.get(path, **kwargs)

    async def post(self, path: str, **kwargs):
        kwargs["headers"] = self._headers(kwargs.get("headers"))
        return await self.client.post(path, **kwargs)

    async def request(self, method: str, path: str, **kwargs):
        kwargs["headers"] = self._headers(kwargs.get("headers"))
        return await self.client.open(path, method=method, **kwargs)

    async def csrf(self) -> str:
        """A valid CSRF token for this client's cookie (set one if it has none yet).

        Pages set the cookie when they render a form; a test that posts first
        gets one here, as a browser would after loading the form.
        """
        import secrets as _secrets

        from quart import g

        from core.web.security import CSRF_COOKIE, _sign

        cookie = self.cookie(CSRF_COOKIE)
        if not cookie:
            cookie = _secrets.token_urlsafe(32)
            self.client.set_cookie(self.host.split(":")[0], CSRF_COOKIE, cookie)
        async with self.app.test_request_context("/", headers={"Host": self.host}):
            g.csrf_cookie = cookie
            return _sign(cookie)

    async def submit(self, path: str, form: dict | None = None, **kwargs):
        """POST a form with a valid CSRF token, as a browser would."""
        from core.web.security import CSRF_FIELD

        data = dict(form or {})
        data.setdefault(CSRF_FIELD, await self.csrf())
        return await self.post(path, form=data, **kwargs)

    def cookie(self, name: str) -> str | None:
        for cookie in self.client.cookie_jar:
            if cookie.name == name:
                return cookie.value
        return None

    async def sign_in_as(self, email: str, account=None) -> None:
        """Give this client a customer session for ``email`` without email links.

        For tests of pages behind sign-in; the sign-in flows themselves are
        tested through their real pages.
        """
        from core.auth.current import COOKIE, customer_sessions
        from tenants.context import use_tenant
        from tenants.models import Tenant

        slug = self.host.split(".", 1)[0]
        async with self.app.test_request_context("/", headers={"Host": self.host}):
            tenant = await Tenant.get(slug=slug)
            with use_tenant(tenant):
                store = customer_sessions()
                session_id, session = await store.create(email, remember=False, ip="127.0.0.1", user_agent="test")
                if account is None:
                    from core.auth.accounts import accounts_for_email

                    accounts = await accounts_for_email(email)
                    account = accounts[0] if len(accounts) == 1 else None
                if account is not None:
                    session.account = account.public_id
                    await store.save(session_id, session)
        self.client.set_cookie(self.host.split(":")[0], COOKIE, session_id)


@pytest.fixture
def client_for(request):
    # The default app is only started when no application is given: an app
    # from make_app cannot run beside it (Tortoise has one global context).
    def factory(tenant_or_host, application=None) -> TenantClient:
        host = tenant_or_host if isinstance(tenant_or_host, str) else f"{tenant_or_host.slug}.localhost"
        return TenantClient(application or request.getfixturevalue("app"), host)

    return factory


@pytest.fixture
def client(client_for, tenant) -> TenantClient:
    return client_for(tenant)


@pytest.fixture
def other_client(client_for, other_tenant) -> TenantClient:
    return client_for(other_tenant)


@pytest.fixture
def make_account():
    """``await make_account(tenant, "Name", emails=[...])`` -> CustomerAccount.

    Creates an account with one contact per address (``send_invoices`` on
    unless the address is listed in ``no_invoices``).
    """
    from core.models.customers import Contact, ContactEmail, CustomerAccount
    from tenants.context import use_tenant

    counter = {"n": 0}

    async def factory(tenant, name: str = "Pat Doe", emails=("pat@example.com",), no_invoices=()):
        counter["n"] += 1
        with use_tenant(tenant):
            account = await CustomerAccount.create(number=f"C-{1000 + counter['n']}", name=name)
            for i, email in enumerate(emails):
                contact = await Contact.create(account=account, first_name=email.split("@")[0].title(), is_primary=i == 0)
                await ContactEmail.create(contact=contact, email=email, send_invoices=email not in no_invoices)
            return account

    return factory


@pytest.fixture
def make_customer(make_account):
    """The older name of :func:`make_account`."""
    return make_account


async def _tenant_of(record):
    from tenants.models import Tenant

    return await Tenant.get(id=record.tenant_id)


@pytest.fixture
def make_job():
    """``await make_job(account, title=..., status="scheduled", days=7, charges=[(description, qty_milli, unit_minor)])`` -> Job.

    A job of the account's business starting ``days`` from now (negative: in
    the past); a ``completed`` one is completed at its end. The other keyword
    arguments are those of :meth:`core.testing_data.RecordMaker.job`.
    """
    from core.testing_data import RecordMaker

    async def factory(account, **kwargs):
        return await RecordMaker(await _tenant_of(account)).job(account, **kwargs)

    return factory


@pytest.fixture
def make_visit():
    """``await make_visit(job, days_ago=3, summary=..., notes=..., completed=True)`` -> Visit.

    A visit of the job, completed ``days_ago`` at 2 pm where the business is
    (``completed=False``: only scheduled). See :meth:`core.testing_data.RecordMaker.visit`.
    """
    from core.testing_data import RecordMaker

    async def factory(job, **kwargs):
        return await RecordMaker(await _tenant_of(job)).visit(job, **kwargs)

    return factory


@pytest.fixture
def make_invoice():
    """``await make_invoice(account, job=None, status="open", lines=[(description, qty_milli, unit_minor)])`` -> Invoice.

    Totals are computed from the lines, in the business's currency; dates are
    its calendar days (``due_in_days=-5`` is overdue). See
    :meth:`core.testing_data.RecordMaker.invoice`.
    """
    from core.testing_data import RecordMaker

    async def factory(account, **kwargs):
        return await RecordMaker(await _tenant_of(account)).invoice(account, **kwargs)

    return factory


@pytest.fixture
def make_staff():
    """``await make_staff(tenant, "sam@acme.test", role="staff", password=None, active=True)`` -> StaffUser.

    A member of the business's staff (``owner``, ``admin`` or ``staff``);
    with ``password`` they can sign in through the real sign-in page. To
    give a test client a staff session directly, use
    :func:`core.console.testing.sign_in_staff`.
    """
    from core.auth.passwords import hash_password
    from core.models.staff import StaffUser
    from tenants.context import use_tenant

    async def factory(tenant, email: str = "sam@acme.test", role: str = "staff", name: str = "", password: str | None = None, active: bool = True):
        with use_tenant(tenant):
            return await StaffUser.create(
                email=email, name=name or email.split("@")[0].title(), role=role, active=active,
                password_hash=await hash_password(password) if password else None,
            )

    return factory


class QueryCounter:
    """Counts the SQL statements Tortoise sends while it is active."""

    def __init__(self) -> None:
        import logging

        self.statements: list[str] = []
        counter = self

        class _Handler(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                message = record.getMessage()
                if message.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")):
                    counter.statements.append(message)

        self._handler = _Handler(level=logging.DEBUG)
        self._logger = logging.getLogger("tortoise.db_client")

    @property
    def count(self) -> int:
        return len(self.statements)

    def __enter__(self) -> "QueryCounter":
        self._previous = self._logger.level
        self._logger.setLevel(logging_debug())
        self._logger.addHandler(self._handler)
        return self

    def __exit__(self, *exc) -> None:
        self._logger.removeHandler(self._handler)
        self._logger.setLevel(self._previous)


def logging_debug() -> int:
    import logging

    return logging.DEBUG


@pytest.fixture
def count_queries():
    """``with count_queries() as q: ...; assert q.count == N`` (no N+1 pages)."""
    return QueryCounter


@pytest.fixture
def in_tenant():
    """``with in_tenant(tenant):`` runs the block in that tenant's scope."""
    from tenants.context import use_tenant

    return use_tenant


def translated(language: str, msgid: str, context: str | None = None, **values: Any) -> str:
    """What the catalogs now in use make of ``msgid`` in ``language`` (``%`` filled from ``values``).

    For asserting against the shipped translation instead of a copy of it;
    a text the catalogs do not translate fails the test.
    """
    from core import i18n

    catalog = i18n.translations(language)
    text = catalog.pgettext(context, msgid) if context else catalog.gettext(msgid)
    assert text != msgid, f"no {language!r} translation of {msgid!r}"
    return text % values if values else text


@pytest.fixture
def extra_catalogs(tmp_path: Path):
    """``extra_catalogs({"es": {"Reviews": "Reseñas", ("%(num)d review", "%(num)d reviews"): ("%(num)d reseña", "%(num)d reseñas")}}, context=None, add=True)`` -> Path.

    Writes the texts as ``<lang>/LC_MESSAGES/messages.po`` catalogs in the
    test's temporary folder and adds it as a plugin's catalogs are added
    (:func:`core.i18n.add_catalog_dir`): core's real catalogs stay in front,
    so a text core translates keeps core's translation. A plural key is the
    ``(singular, plural)`` pair, its text one form per plural form of core's
    catalog of that language (two for ``es`` and ``fr``); ``context`` is the ``pgettext`` context of
    this call's texts. Calls add up; at teardown the folder is taken out
    and the translation caches are cleared. ``add=False`` only writes the
    catalogs and returns their folder, for a test of a plugin's
    ``porchside_translation_dirs`` (the plugin adds it).
    """
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    from core import i18n, i18n_pseudo

    folder = tmp_path / "extra-catalogs"
    catalogs: dict[str, Catalog] = {}

    def clear_caches() -> None:
        i18n.translations.cache_clear()
        i18n_pseudo.pseudo_translations.cache_clear()

    def new_catalog(code: str) -> Catalog:
        catalog = Catalog(locale=code, domain=i18n.DOMAIN)
        shipped = i18n.CORE_CATALOGS / code / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
        found = re.search(r'^"Plural-Forms: (.*?)\\n"$', shipped.read_text(encoding="utf-8"), re.M) if shipped.exists() else None
        if found:  # the plural forms core's catalog has, not babel's guess
            catalog.mime_headers = [("Plural-Forms", found.group(1))]
        return catalog

    def write(texts: dict[str, dict], context: str | None = None, add: bool = True) -> Path:
        for code, messages in texts.items():
            if code not in catalogs:
                catalogs[code] = new_catalog(code)
            catalog = catalogs[code]
            for msgid, text in messages.items():
                catalog.add(msgid, text, context=context)
            target = folder / code / "LC_MESSAGES"
            target.mkdir(parents=True, exist_ok=True)
            with (target / f"{i18n.DOMAIN}.po").open("wb") as fp:
                write_po(fp, catalog)
        if add:
            i18n.add_catalog_dir(folder)
        clear_caches()
        return folder

    yield write
    with i18n._lock:
        if folder in i18n._catalog_dirs:
            i18n._catalog_dirs.remove(folder)
    clear_caches()


class SmtpTestServer:
    """A real SMTP server (aiosmtpd) on loopback that keeps what it receives.

    * ``url`` is the ``PORCHSIDE_SMTP_URL`` to give an app.
    * ``messages`` are the received emails (``email.message.EmailMessage``),
      ``envelopes`` the matching ``(mail_from, rcpt_tos)``.
    * ``stop()`` and ``start()`` make an outage on the same port.
    * ``refuse_recipients = "550 5.1.1 No such user"`` refuses every RCPT TO.
    * ``gate = threading.Event()`` holds each message at DATA until it is set,
      to show that a page does not wait on SMTP; ``held`` counts the
      messages that reached the gate.
    """

    def __init__(self, port: int) -> None:
        self.host = "127.0.0.1"
        self.port = port
        self.messages: list = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse_recipients: str | None = None
        self.gate = None
        self.held = 0
        self._controller = None

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        if self._controller is None:
            controller = Controller(_SmtpHandler(self), hostname=self.host, port=self.port)
            controller.start()
            self._controller = controller

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    async def wait_for(self, count: int = 1, timeout: float = 15.0) -> list:
        """Wait until ``count`` messages arrived; return them all."""
        await eventually(lambda: len(self.messages) >= count, timeout)
        return list(self.messages)


class _SmtpHandler:
    def __init__(self, server: SmtpTestServer) -> None:
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.server.refuse_recipients:
            return self.server.refuse_recipients
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes
        from email.policy import default

        gate = self.server.gate
        if gate is not None:
            self.server.held += 1
            await asyncio.get_running_loop().run_in_executor(None, gate.wait, 30)
        self.server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.server.messages.append(message_from_bytes(envelope.original_content or envelope.content, policy=default))
        return "250 Message accepted"


def _free_port() -> int:
    from core.devstripe import free_port

    return free_port()


@pytest.fixture
def smtp_server():
    """A started :class:`SmtpTestServer` on a free loopback port.

    ``async with make_app(smtp_url=smtp_server.url, dev_outbox=False) as app``
    then delivers real email to it.
    """
    server = SmtpTestServer(_free_port())
    server.start()
    try:
        yield server
    finally:
        if server.gate is not None:
            server.gate.set()
        server.stop()


@pytest.fixture(scope="session")
def localstripe():
    """A :class:`core.devstripe.LocalStripe` (Stripe stand-in) for the session, on loopback.

    One per test process (xdist worker). Pass it to an app with
    ``make_app(stripe_api_base=localstripe.api_base, stripe_js_url=localstripe.js_url)``.
    Its state lives as long as the session: use fresh Stripe objects per test.
    """
    from core.devstripe import LocalStripe, available

    if not available():
        _unavailable("localstripe is not installed: pip install -e '.[dev]'")
    server = LocalStripe().start()
    try:
        yield server
    finally:
        server.stop()


def wait_until(check, timeout: float = 15.0, interval: float = 0.1, describe=None):
    """The synchronous :func:`eventually`: call ``check()`` until it returns something truthy.

    For code outside an event loop (Playwright's sync API, child processes).
    Fails with an AssertionError after ``timeout`` seconds, saying
    ``describe()`` (what was seen instead) when given.
    """
    import time

    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            seen = f": {describe()}" if describe else ""
            raise AssertionError(f"still false after {timeout} s: {getattr(check, '__name__', check)}{seen}")
        time.sleep(interval)


async def jobs_settled(app, timeout: float = 15.0) -> None:
    """Wait until ``app``'s queue has no job running or due (``TaskQueue.idle``).

    For tests that check that nothing *more* happens (no second email, no
    second run): wait for the queued work to be done instead of sleeping
    for a while and hoping it was long enough.
    """
    await eventually(app.extensions["porchside"].queue.idle, timeout)


async def eventually(check, timeout: float = 15.0, interval: float = 0.02):
    """Call ``check()`` (sync or async) until it returns something truthy; return that.

    For work that happens in the background (queued jobs, emails): fails
    with an AssertionError after ``timeout`` seconds.
    """
    import inspect

    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"still false after {timeout} s: {getattr(check, '__name__', check)}")
        await asyncio.sleep(interval)
