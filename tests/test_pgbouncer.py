"""PgBouncer in transaction pooling mode between Porchside and PostgreSQL (docs/deployment.md).

The whole PostgreSQL half of the suite runs through such a PgBouncer
(core.testing_pgbouncer); these tests check that it really is one, that the
app's work leaves no session state behind on the shared server connections,
and that ``porchside migrate`` goes straight to PostgreSQL.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import asyncpg
import pytest
from click.testing import CliRunner

from core.cli import make_cli
from core.devstripe import free_port
from core.testing import database_environment, eventually
from core.testing_pgbouncer import POOL_SIZE


@pytest.fixture
def bounced(porchside_backend, porchside_backends):
    """Skip on SQLite; on PostgreSQL, check the backend goes through the suite's PgBouncer."""
    if porchside_backend.name != "postgres":
        pytest.skip("PgBouncer sits in front of PostgreSQL only")
    if not porchside_backend.pgbouncer:
        pytest.skip(porchside_backends.pgbouncer_missing or "the PostgreSQL half runs without PgBouncer")
    return porchside_backend


def _asyncpg(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


async def test_clients_share_a_few_server_connections(bounced, porchside_settings_factory):
    settings = porchside_settings_factory()
    assert settings.database_pgbouncer and settings.database_url == bounced.template
    assert urlsplit(settings.database_url).port != urlsplit(bounced.direct_url).port
    clients = [await asyncpg.connect(_asyncpg(settings.database_url), statement_cache_size=0) for _ in range(2 * POOL_SIZE)]
    try:
        servers = {await client.fetchval("SELECT pg_backend_pid()") for client in clients}
    finally:
        await asyncio.gather(*(client.close() for client in clients))
    # In session mode each connected client would keep a server connection of its own.
    assert 1 <= len(servers) <= POOL_SIZE


async def _prepared_statements_on_every_server_connection(url: str) -> list[int]:
    """How many prepared statements each of PgBouncer's server connections holds.

    ``POOL_SIZE`` transactions open at once take every server connection
    PgBouncer has for this database.
    """
    clients = [await asyncpg.connect(_asyncpg(url), statement_cache_size=0) for _ in range(POOL_SIZE)]
    transactions = [client.transaction() for client in clients]
    try:
        await asyncio.gather(*(t.start() for t in transactions))
        counts = {
            await client.fetchval("SELECT pg_backend_pid()"): await client.fetchval("SELECT count(*) FROM pg_prepared_statements")
            for client in clients
        }
    finally:
        await asyncio.gather(*(t.rollback() for t in transactions))
        await asyncio.gather(*(client.close() for client in clients))
    assert len(counts) == POOL_SIZE
    return list(counts.values())


async def test_the_app_keeps_no_prepared_statement_on_shared_connections(
    bounced, app, tenant, make_customer, client_for, in_tenant
):
    """Sign-in, pages, a write and a queued email, many at once, through PgBouncer.

    With asyncpg's statement cache on, a statement prepared on one server
    connection is executed on another ("prepared statement ... does not
    exist") and is left behind on the first.
    """
    from core.auth.passwords import hash_password
    from core.models.customers import PortalLogin
    from core.models.mail import OutboundEmail

    emails = [f"pat{i}@example.com" for i in range(2 * POOL_SIZE)]  # one reset email each: under the rate limit
    await make_customer(tenant, "Pat's House", emails=emails)
    password_hash = await hash_password("blue pelican 42")
    with in_tenant(tenant):
        for email in emails:
            await PortalLogin.create(email=email, password_hash=password_hash)

    async def visit(email: str) -> None:
        browser = client_for(tenant)
        signed_in = await browser.submit("/sign-in/password", {"email": email, "password": "blue pelican 42"})
        assert signed_in.status_code == 302
        for path in ("/", "/invoices", "/service-history", "/statement"):
            page = await browser.get(path)
            assert page.status_code == 200, path
        assert (await browser.submit("/forgot-password", {"email": email})).status_code == 200

    await asyncio.gather(*(visit(email) for email in emails))

    async def all_sent():
        with in_tenant(tenant):
            emails = await OutboundEmail.all()
        return len(emails) == 2 * POOL_SIZE and all(e.status == "sent" for e in emails)

    await eventually(all_sent, timeout=30)
    assert await _prepared_statements_on_every_server_connection(app.extensions["porchside"].settings.database_url) == [0] * POOL_SIZE


def _porchside(args: list[str], env: dict):
    return CliRunner().invoke(make_cli(), args, env=env, catch_exceptions=False)


def test_cli_runs_through_pgbouncer_and_migrates_straight_to_postgres(bounced, porchside_settings_factory, tmp_path):
    settings = porchside_settings_factory()
    env = {
        **database_environment(settings),
        "PORCHSIDE_DATA_DIR": str(tmp_path),
        "PORCHSIDE_SECRET_KEY": settings.secret_key,
        "PORCHSIDE_ENV": "development",
    }
    assert env["PORCHSIDE_DATABASE_PGBOUNCER"] == "1"
    listed = _porchside(["tenant", "list"], env)
    assert listed.exit_code == 0 and "No businesses yet" in listed.output

    # With PgBouncer gone, migrate still works: it uses the direct URL.
    away = f"postgres://{settings.database_url.split('://', 1)[1].split('@', 1)[0]}@127.0.0.1:{free_port()}/nowhere"
    migrated = _porchside(["migrate"], {**env, "PORCHSIDE_DATABASE_URL": away})
    assert migrated.exit_code == 0, migrated.output
    assert "No migrations to apply" in migrated.output
    # Without a direct URL it would have tried PgBouncer's address.
    env.pop("PORCHSIDE_DATABASE_DIRECT_URL")
    refused = _porchside(["migrate"], {**env, "PORCHSIDE_DATABASE_URL": away})
    assert refused.exit_code != 0
