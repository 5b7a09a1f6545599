"""The test databases of core.testing: migrated once into a template, emptied between tests.

What plugin authors rely on (docs/plugins.md, "Testing your plugin"): every
test starts from empty tables with ids from 1, whichever backend, and a
changed migration never reuses an old template.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.testing import _children_first, reset_postgres, schema_key, template_name
from tenants.service import create_tenant


async def _row_counts() -> dict[str, int]:
    from tortoise import connections

    conn = connections.get("default")
    if conn.capabilities.dialect == "sqlite":
        _, rows = await conn.execute_query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'tortoise_migrations'"
        )
        names = [r["name"] for r in rows]
    else:
        _, rows = await conn.execute_query(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'tortoise_migrations'"
        )
        names = [r["tablename"] for r in rows]
    counts = {}
    for name in names:
        _, result = await conn.execute_query(f'SELECT count(*) AS n FROM "{name}"')
        counts[name] = result[0]["n"]
    return counts


async def test_a_test_starts_with_every_table_empty_and_migrated(app):
    counts = await _row_counts()

    assert counts and set(counts.values()) == {0}
    assert {"tenant", "customer_account", "invoice"} <= set(counts)


async def test_postgres_reset_empties_every_table_and_restarts_ids(app, make_customer, porchside_backend):
    if porchside_backend.name != "postgres":
        pytest.skip("SQLite tests get a fresh copy of the template file instead")
    acme = await create_tenant("acme", "Acme Pool Care")
    await create_tenant("globex", "Globex Plumbing")
    await make_customer(acme, "Pat Morgan", emails=["pat@example.com", "sam@example.com"])
    assert sum((await _row_counts()).values()) >= 6

    await reset_postgres()

    assert set((await _row_counts()).values()) == {0}
    again = await create_tenant("acme", "Acme Pool Care")
    assert again.id == 1  # as after TRUNCATE ... RESTART IDENTITY


def test_tables_are_emptied_children_first():
    links = [("invoice_line", "invoice"), ("invoice", "customer_account"), ("invoice", "tenant"), ("customer_account", "tenant")]

    order = _children_first(["tenant", "invoice", "customer_account", "invoice_line", "note"], links)

    assert order is not None and sorted(order) == ["customer_account", "invoice", "invoice_line", "note", "tenant"]
    for child, parent in links:
        assert order.index(child) < order.index(parent)


def test_a_cycle_of_foreign_keys_falls_back_to_truncate():
    assert _children_first(["a", "b"], [("a", "b"), ("b", "a")]) is None


@pytest.fixture
def fake_migrations(tmp_path: Path, monkeypatch) -> tuple[Path, dict]:
    """An importable migrations package with one empty migration, and the plugin apps naming it."""
    package = tmp_path / "fake_plugin_migrations"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "0001_initial.py").write_text("operations = []\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    return package, {"fake": {"models": [], "migrations": "fake_plugin_migrations"}}


def test_a_changed_or_added_migration_gives_another_template(fake_migrations):
    package, apps = fake_migrations

    first = schema_key(apps)
    assert schema_key(apps) == first
    (package / "0001_initial.py").write_text("operations = ['changed']\n")
    changed = schema_key(apps)
    (package / "0002_more.py").write_text("operations = []\n")
    added = schema_key(apps)

    assert len({first, changed, added, schema_key({})}) == 4


def test_a_plugins_own_template_is_named_apart_from_the_suites(fake_migrations):
    """A new template replaces older ones of the same migration packages only (see template_name)."""
    package, apps = fake_migrations

    before = template_name(apps)
    (package / "0001_initial.py").write_text("operations = ['changed']\n")
    after = template_name(apps)
    family = before.rsplit("_", 1)[0]
    assert before != after and after.rsplit("_", 1)[0] == family  # replaces its older template
    assert not template_name({}).startswith(family + "_")  # leaves the suite's alone
    assert len(after) <= 63  # PostgreSQL's longest name


async def test_a_failed_shutdown_does_not_leak_into_the_next_test(make_app):
    from core import db

    async with make_app():
        pass
    # As if an app's shutdown had failed before releasing its database:
    db._open_apps["sqlite://leaked"] = 1
    assert await db.close_leftover_database() is True
    assert not db._open_apps and await db.close_leftover_database() is False
    async with make_app():  # the next app opens its own database again
        pass


def _comparable(value):
    """A filter's operator: PostgreSQL's search operator is a new functools.partial at each build."""
    import functools

    if isinstance(value, functools.partial):
        return ("partial", value.func, value.args, sorted(value.keywords.items()))
    return value


def _query_parts(apps) -> dict:
    """What Tortoise built for each model at start-up, comparable between two builds."""
    parts = {}
    for model in apps.get_models_iterable():
        meta = model._meta
        filters = {key: {k: _comparable(v) for k, v in info.items()} for key, info in meta.filters.items()}
        parts[meta.full_name] = (
            type(meta.basequery), meta.basequery_all_fields.get_sql(), filters,
            sorted(meta.db_fields), sorted(k for k, _, _ in meta.db_native_fields),
            sorted(k for k, _, _ in meta.db_default_fields), sorted(k for k, _, _ in meta.db_complex_fields),
        )
    return parts


async def test_models_kept_from_an_earlier_app_have_what_tortoise_builds_for_this_database(make_app):
    """core.db skips Tortoise's per-model build at start-up for a model already built for the same dialect.

    The suite runs SQLite and PostgreSQL apps in one process, so each
    backend's run checks what the other's left behind was replaced.
    """
    from tortoise import Tortoise

    from core import db

    async with make_app() as app:
        apps = Tortoise.apps
        kept = _query_parts(apps)
        dialect = app.extensions["porchside.db_config"]["connections"]["default"]
        builder = type(next(iter(apps.get_models_iterable()))._meta.db.query_class.from_("t"))
        assert {part[0] for part in kept.values()} == {builder}, dialect
        db._tortoise_build_initial_querysets(apps)  # Tortoise's own build, every model anew
        assert _query_parts(apps) == kept
