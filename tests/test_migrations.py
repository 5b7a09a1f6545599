"""Schema migrations (K12): a fresh database upgrades to the models, on SQLite and PostgreSQL.

Each test gets a brand-new database of its own (not the session's migrated
template), so the upgrade path from nothing is what is exercised.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

import pytest
from tortoise import Tortoise, connections
from tortoise.migrations.autodetector import MigrationAutodetector

from core.config import Settings
from core.db import (
    _young_garbage_only,
    close_database,
    open_database,
    release_database,
    run_migrations,
    tortoise_config,
)
from core.testing import PG_ADMIN_URL, SECRET

RECORD_TABLE = "tortoise_migrations"
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "core" / "migrations"


def _config(url: str, data_dir: Path, plugin_apps: dict) -> dict:
    settings = Settings.from_env({}, data_dir=data_dir, database_url=url, secret_key=SECRET)
    return tortoise_config(settings, plugin_apps)


@pytest.fixture
async def fresh_config(porchside_backend, tmp_path: Path):
    """The Tortoise config of a new, empty database of this run's kind."""
    if porchside_backend.name == "sqlite":
        yield _config(f"sqlite://{tmp_path / 'fresh.sqlite3'}", tmp_path, porchside_backend.plugin_apps)
        return
    import asyncpg

    name = f"porchside_fresh_{os.getpid()}_{secrets.token_hex(3)}"
    admin = PG_ADMIN_URL.replace("postgres://", "postgresql://")
    conn = await asyncpg.connect(admin)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    try:
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
        yield _config(url, tmp_path, porchside_backend.plugin_apps)
    finally:
        await close_database()
        conn = await asyncpg.connect(admin)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


async def schema_of(config: dict) -> tuple[dict[str, set[str]], dict[str, set[str]], int]:
    """``(tables in the database, tables the models expect, recorded migrations)``.

    Tables map to their column names; expected through-tables of
    many-to-many fields have no columns listed.
    """
    await open_database(config)
    try:
        conn = connections.get("default")
        actual: dict[str, set[str]] = {}
        if conn.capabilities.dialect == "sqlite":
            tables = await conn.execute_query_dict(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
            for row in tables:
                columns = await conn.execute_query_dict(f'PRAGMA table_info("{row["name"]}")')
                actual[row["name"]] = {c["name"] for c in columns}
        else:
            rows = await conn.execute_query_dict(
                "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"
            )
            for row in rows:
                actual.setdefault(row["table_name"], set()).add(row["column_name"])
        expected: dict[str, set[str]] = {}
        for models in Tortoise.apps.values():
            for model in models.values():
                expected[model._meta.db_table] = set(model._meta.fields_db_projection.values())
                for name in model._meta.m2m_fields:
                    expected.setdefault(model._meta.fields_map[name].through, set())
        recorded = 0
        if RECORD_TABLE in actual:
            recorded = (await conn.execute_query_dict(f'SELECT COUNT(*) AS n FROM "{RECORD_TABLE}"'))[0]["n"]
        return actual, expected, recorded
    finally:
        await release_database(config)


def core_migration_names() -> list[str]:
    return sorted(p.stem for p in MIGRATIONS_DIR.glob("*.py") if re.match(r"^\d{4}_", p.name))


async def test_upgrade_step_by_step_roll_back_and_upgrade_again(fresh_config) -> None:
    """Release by release, as an installation upgrades; then all the way down and up from nothing.

    One walk on one new database (each upgrade from nothing costs seconds)
    checks what three tests checked apiece: the upgrade release by release,
    with 0003's custom domains entered at 0002 (:func:`add_unproved_custom_domain`);
    the roll-back to nothing; and a database with no tables of the apps
    getting every model's table once, in one run (:func:`check_upgrade_from_nothing`).
    """
    before, _, _ = await schema_of(fresh_config)
    assert before == {}

    names = core_migration_names()
    assert names, "core has no migrations"
    acme_id = None
    for count, name in enumerate(names, start=1):
        events: list = []
        await run_migrations(fresh_config, progress=lambda *event: events.append(event), target=f"core.{name}")
        assert ("apply_done", "core", name) in events
        *_, recorded = await schema_of(fresh_config)
        assert recorded >= count
        if name == "0002_invites":
            acme_id = await add_unproved_custom_domain(fresh_config)
    assert acme_id is not None, "the walk never stopped at 0002_invites"
    await run_migrations(fresh_config)
    upgraded, expected, _ = await schema_of(fresh_config)
    assert set(upgraded) == set(expected) | {RECORD_TABLE}
    await check_custom_domain_became_claim(fresh_config, acme_id)

    await run_migrations(fresh_config, target="core.__first__")
    rolled_back, _, recorded = await schema_of(fresh_config)
    assert set(rolled_back) == {RECORD_TABLE}
    assert recorded == 0

    assert await check_upgrade_from_nothing(fresh_config) == upgraded


async def check_upgrade_from_nothing(config: dict) -> dict[str, set[str]]:
    """A database without any of the apps' tables gets every model's table, with the model's columns, once.

    Returns the tables and their columns.
    """
    events: list[tuple[str, str, str]] = []
    await run_migrations(config, progress=lambda *event: events.append(event))

    actual, expected, recorded = await schema_of(config)
    assert set(actual) == set(expected) | {RECORD_TABLE}
    for table, columns in expected.items():
        if columns:
            assert actual[table] == columns, f"{table}: the migrated columns differ from the model's"
    applied = [(app, name) for event, app, name in events if event == "apply_done"]
    assert ("core", core_migration_names()[-1]) in applied
    assert recorded == len(applied)

    # Running again changes nothing.
    events.clear()
    await run_migrations(config, progress=lambda *event: events.append(event))
    again, _, recorded_again = await schema_of(config)
    assert events == []
    assert again == actual
    assert recorded_again == recorded
    return actual


async def test_models_and_migrations_agree(tmp_path: Path) -> None:
    """Changing a model without writing its migration fails here.

    Fix: ``porchside makemigrations`` (see core.db.make_migrations).
    """
    from core.plugins import PluginHost

    config = _config(f"sqlite://{tmp_path / 'unused.sqlite3'}", tmp_path, PluginHost().load().model_apps())
    await Tortoise.init(config=config, init_connections=False)
    try:
        with _young_garbage_only():  # as porchside makemigrations does
            changes = await MigrationAutodetector(Tortoise.apps, config["apps"]).changes()
    finally:
        await close_database()
    pending = {
        writer.app_label: [type(op).__name__ + ":" + str(getattr(op, "name", "")) for op in writer.operations]
        for writer in changes
    }
    assert pending == {}, f"models changed without a migration: {pending}"


async def add_unproved_custom_domain(config: dict) -> int:
    """At 0002: a business serving on a custom domain nobody proved (0003 makes it a claim).

    Returns the business's id.
    """
    await open_database(config)
    try:
        # Raw SQL: the models already have 0003's columns.
        conn = connections.get("default")
        await conn.execute_script(
            "INSERT INTO tenant (public_id, slug, name, portal_enabled, locale, currency, timezone, brand_colour,"
            " contact_email, contact_phone, contact_address, contact_hours, website, portal_settings, created_at)"
            " VALUES ('tnt_old', 'acme', 'Acme Pool Care', TRUE, 'en_US', 'USD', 'America/New_York', '#0b6e99',"
            " '', '', '', '', '', '{}', CURRENT_TIMESTAMP)"
        )
        acme_id = (await conn.execute_query_dict("SELECT id FROM tenant WHERE slug = 'acme'"))[0]["id"]
        await conn.execute_script(
            "INSERT INTO tenant_domain (tenant_id, kind, host, is_primary, redirect, created_at) VALUES "
            f"({acme_id}, 'subdomain', 'acme', FALSE, FALSE, CURRENT_TIMESTAMP),"
            f" ({acme_id}, 'custom', '127.0.0.1', TRUE, FALSE, CURRENT_TIMESTAMP)"
        )
    finally:
        await release_database(config)
    return acme_id


async def check_custom_domain_became_claim(config: dict, acme_id: int) -> None:
    """0003: a custom domain nobody proved stops serving and waits for its TXT record."""
    from tenants.models import Domain, DomainClaim
    from tenants.service import claim_expires_at

    await open_database(config)
    try:
        assert not await Domain.filter(kind="custom").exists()
        claim = await DomainClaim.get(tenant_id=acme_id)
        assert claim.host == "127.0.0.1" and claim.make_primary and len(claim.token) == 32
        assert claim_expires_at(claim) > claim.created_at
        subdomain = await Domain.get(kind="subdomain", host="acme")
        assert subdomain.is_primary  # back on its own address until it verifies
    finally:
        await release_database(config)
