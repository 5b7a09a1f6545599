"""Database set-up: the Tortoise configuration, start-up, shutdown, migrations.

Core's tables form the Tortoise app ``core``; every plugin that declares
models (``porchside_model_modules`` hook) gets an app of its own name with its
own migrations package, so plugins migrate independently of each other.
"""

from __future__ import annotations

import gc
import json
import weakref
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, Callable

from pypika_tortoise import Table
from tortoise import Tortoise
from tortoise.apps import Apps
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.backends.base.executor import EXECUTOR_CACHE

from core.config import Settings
from core.migrations._runner import migrate as migrate_api
from core.models import MODEL_MODULES


def connection_url(settings: Settings, pool_size: int = 20) -> str:
    url = settings.database_url
    if url.startswith("postgresql://"):
        url = "postgres://" + url[len("postgresql://") :]
    if url.startswith(("postgres://", "asyncpg://")):
        if "maxsize=" not in url:
            url += ("&" if "?" in url else "?") + f"minsize=1&maxsize={pool_size}"
        if settings.database_pgbouncer and "statement_cache_size=" not in url:
            # PgBouncer in transaction mode hands each transaction to any
            # server connection: a statement asyncpg prepared and named on
            # one is unknown on the next. Unnamed statements are parsed
            # again with every execution, on whichever connection runs it.
            url += "&statement_cache_size=0"
    if url.startswith("sqlite://"):
        path = url[len("sqlite://") :]
        if path not in (":memory:", "") and not path.startswith("/"):
            path = str((settings.data_dir / path).resolve())
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        url = "sqlite://" + path
    return url


def _connection(url: str) -> str | dict:
    """Tortoise's connection entry: PostgreSQL goes through :mod:`core.pg_client` (no reset query per release)."""
    if not url.startswith(("postgres://", "asyncpg://")):
        return url
    connection = expand_db_url(url)
    connection["engine"] = "core.pg_client"
    return connection


def _connection_key(config: dict) -> str:
    """Which database a configuration opens (apps of one process must share it)."""
    return json.dumps(config["connections"]["default"], sort_keys=True, default=str)


def migration_settings(settings: Settings) -> Settings:
    """The settings ``porchside migrate`` connects with: ``DATABASE_DIRECT_URL`` when given.

    Migrations go straight to PostgreSQL, not through PgBouncer: a schema
    change is a long session of its own and must not hold one of the few
    pooled server connections the app shares.
    """
    if not settings.database_direct_url:
        return settings
    return replace(settings, database_url=settings.database_direct_url, database_pgbouncer=False)


def tortoise_config(settings: Settings, plugin_apps: dict[str, dict[str, Any]] | None = None) -> dict:
    """The Tortoise config for core plus each plugin's model app."""
    apps: dict[str, dict[str, Any]] = {
        "core": {
            "models": list(MODEL_MODULES),
            "migrations": "core.migrations",
            "default_connection": "default",
        }
    }
    for label, app in (plugin_apps or {}).items():
        if label in apps:
            raise ValueError(f"plugin model app {label!r} clashes with another app")
        apps[label] = {"default_connection": "default", **app}
    return {
        "connections": {"default": _connection(connection_url(settings))},
        "apps": apps,
        "use_tz": True,
        "timezone": "UTC",
    }


# model class -> what its query parts were last built for (see _build_initial_querysets).
_QUERYSETS_BUILT: "weakref.WeakKeyDictionary[type, tuple]" = weakref.WeakKeyDictionary()
_tortoise_build_initial_querysets = Apps._build_initial_querysets


def _build_initial_querysets(self: Apps) -> None:
    """Tortoise's step of ``Tortoise.init`` that finalises each model, skipped for a model already done.

    For every model Tortoise works out its filters, its lazy relation
    properties, its column lists and its base queries, at every ``init``:
    most of an app's start-up (about 30 ms of CPU here for core's and the
    plugins' models), again for every app of a process (every test makes
    one). What it builds depends only on the model's fields, table and
    schema and on the connection's dialect (executor and query classes), so
    a model whose last build had the same ones is left as it is; another
    dialect (the suite switches between SQLite and PostgreSQL), a field
    added since (a plugin's backward relation) or a new model class is
    built as Tortoise builds it.
    """
    dialects: dict[str | None, tuple] = {}
    for app in self.apps.values():
        for model in app.values():
            meta = model._meta
            name = meta.default_connection
            if name not in dialects:
                db = meta.db
                dialects[name] = (db.executor_class, db.query_class)
            key = (dialects[name], meta.db_table, meta.schema, tuple(meta.fields_map.items()))
            if _QUERYSETS_BUILT.get(model) == key:
                continue
            meta.finalise_model()
            meta.basetable = Table(name=meta.db_table, schema=meta.schema)
            basequery = meta.db.query_class.from_(meta.basetable)
            meta.basequery = basequery
            meta.basequery_all_fields = basequery.select(*meta.db_fields)
            _QUERYSETS_BUILT[model] = key


Apps._build_initial_querysets = _build_initial_querysets  # type: ignore[method-assign]


# Tortoise allows one global set-up per process. Several apps in one process
# (tests of two instances sharing PostgreSQL and Redis) share it: the first
# opens it, the last closes it.
_open_apps: dict[str, int] = {}


async def open_database(config: dict) -> None:
    url = _connection_key(config)
    if _open_apps:
        if url not in _open_apps:
            raise RuntimeError("another app in this process uses a different database")
        _open_apps[url] += 1
        return
    # Quart's before_serving runs in another task than requests; Tortoise 1.x
    # keeps its context per task unless the global fallback is on.
    await Tortoise.init(config=config, _enable_global_fallback=True)
    _open_apps[url] = 1


async def release_database(config: dict) -> None:
    """An app is done with the database; the last one closes it."""
    url = _connection_key(config)
    remaining = _open_apps.get(url, 1) - 1
    if remaining > 0:
        _open_apps[url] = remaining
        return
    _open_apps.pop(url, None)
    await close_database()


async def close_leftover_database() -> bool:
    """Close a set-up that no app released (its shutdown failed); True if there was one.

    Test fixtures call this when a test ends, so one failed shutdown does
    not make every later test in the process fail with "another app in this
    process uses a different database".
    """
    if not _open_apps:
        return False
    _open_apps.clear()
    await close_database()
    return True


async def close_database() -> None:
    # Forget the models' bindings too, so the next app in this process (tests
    # run SQLite and PostgreSQL in one session) binds them to its own dialect.
    # Tortoise also caches INSERT statements by connection name, not dialect.
    await Tortoise._reset_apps()
    await Tortoise.close_connections()
    EXECUTOR_CACHE.clear()


async def run_migrations(
    config: dict,
    progress: Callable[[str, str, str], object] | None = None,
    target: str | None = None,
) -> None:
    """Apply every pending migration of core and of the plugins' apps.

    :param progress: called as ``progress(event, app_label, migration)`` for
        each step (``apply_start``, ``apply_done``, ``rollback_*``).
    :param target: ``"<app>.<migration>"`` to migrate up or down to that
        migration, ``"<app>.__first__"`` to undo all of an app's migrations;
        default: everything up to date.
    """
    try:
        with _young_garbage_only():
            await migrate_api(config=config, progress=progress, target=target)
    finally:
        await close_database()


@contextmanager
def _young_garbage_only():
    """Collect only short-lived garbage while Tortoise replays migration states.

    Replaying states builds thousands of throwaway model classes; each full
    (oldest-generation) collection then walks every object in the process.
    Measured on the core and plugin migrations, an upgrade, a full upgrade
    and a roll-back took 21 s of CPU with the default thresholds and 12 s
    with (50 000, 20, 1 000), for 8 % more peak memory (424 → 461 MB);
    disabling the collector entirely took 6 s but tripled the memory.

    A state clone is some hundred thousand objects, so with 50 000 the
    youngest collections ran in the middle of one, moved it whole to the
    middle generation, and that generation (up to a million objects) was
    walked again: half of all collector time. With a million, a young
    collection comes after a few clones, most of them already garbage, and
    each survivor is walked about once (measured: upgrade, roll-back,
    upgrade from nothing 14.9 → 12.2 s of CPU and 16.5 → 12.3 s in two
    interleaved pairs, collector 7.4 → 5.2 s, peak memory 578 → 550 MB).
    """
    global gc_unfreezes
    thresholds = gc.get_threshold()
    gc.freeze()  # what existed before is not migration garbage
    gc.set_threshold(1_000_000, 1, 1_000)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
        gc_unfreezes += 1


# How many times :func:`_young_garbage_only` unfroze the collector's permanent
# generation (core.testing freezes again after it). Counted here because
# gc.get_freeze_count() walks every frozen object: 17-70 ms per call.
gc_unfreezes = 0


async def make_migrations(config: dict, name: str | None = None, app_labels: tuple[str, ...] = ()) -> None:
    """Write new migration files for model changes (core and plugin apps).

    Wraps Tortoise's own ``makemigrations`` with our configuration, so plugin
    authors run ``porchside makemigrations`` instead of writing a config file.
    """
    import tortoise.cli.cli as tortoise_cli
    from tortoise.config import TortoiseConfig

    context = tortoise_cli.CLIContext(config=None, config_file=None)
    original = tortoise_cli._load_config
    tortoise_cli._load_config = lambda _ctx: TortoiseConfig.from_dict(config)
    try:
        with _young_garbage_only():  # it replays every migration's state too
            await tortoise_cli.makemigrations(context, app_labels, False, name)
    finally:
        tortoise_cli._load_config = original
