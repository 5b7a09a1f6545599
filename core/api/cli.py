"""``porchside api-client``: create, list, rotate and revoke a business's API clients from a shell.

The same operations as the console's "API clients" page (:mod:`core.console.api_clients`),
for an operator setting up an integration. Core declares the group through
the ``porchside_cli_commands`` hook, like a plugin would. A secret is
printed once, when created or rotated; only its SHA-256 is stored. Bad
arguments (an unknown business, scope or client id) stop with one line,
``porchside: ...``, and exit status 2, before anything is written. Every
change is audited with actor type ``system`` and actor ``porchside cli``.
"""

from __future__ import annotations

from typing import Iterable

import click

from core.cli import CliState, CommandError, run

ACTOR = "porchside cli"


def _usage(message: str) -> CommandError:
    return CommandError(message, exit_code=2)


async def _tenant(slug: str):
    from tenants.models import Tenant

    found = await Tenant.get_or_none(slug=slug.strip().lower())
    if found is None:
        raise _usage(f"no business has the address {slug!r}; see porchside tenant list")
    return found


async def _grantable(services, tenant) -> list[str]:
    """Scopes of core's resources and of the plugins ``tenant`` has enabled."""
    from core.api.registry import ResourceRegistry
    from core.plugin_state import enabled_plugins
    from tenants.context import use_tenant

    with use_tenant(tenant):
        enabled = await enabled_plugins(services.plugins, services.cache)
    return ResourceRegistry.from_host(services.plugins).scopes(enabled)


def _split_scopes(values: Iterable[str]) -> list[str]:
    """``--scope a:read --scope b:read,c:write`` (commas or spaces) as one list."""
    return [part for value in values for part in value.replace(",", " ").split()]


async def _client(slug: str, client_id: str):
    """The business and its client ``client_id`` (another business's id is unknown here)."""
    from core.models.api import ApiClient
    from tenants.context import use_tenant

    tenant = await _tenant(slug)
    with use_tenant(tenant):
        client = await ApiClient.get_or_none(client_id=client_id.strip())
    if client is None:
        raise _usage(f"{tenant.name} has no API client {client_id!r}; see porchside api-client list {tenant.slug}")
    return tenant, client


@click.group("api-client")
def api_client() -> None:
    """Create, list, rotate and revoke a business's API clients (integration API credentials)."""


@api_client.command("create")
@click.argument("slug")
@click.argument("name")
@click.option(
    "--scope", "scopes", multiple=True, metavar="SCOPE[,SCOPE...]",
    help="A permission such as customers:read or invoices:write; repeat the option or separate with commas. At least one.",
)
@click.pass_obj
def create(state: CliState, slug: str, name: str, scopes: tuple[str, ...]) -> None:
    """Create an API client NAME of the business SLUG and print its client id and secret.

    The secret is printed once: store it now (only a fingerprint is kept).
    `porchside api-client list SLUG` shows the scopes a business can grant.
    """
    wanted = _split_scopes(scopes)
    if not wanted:
        raise _usage("give at least one --scope, e.g. --scope customers:read")
    click.echo(run(_create(state, slug, name, wanted)))


async def _create(state: CliState, slug: str, name: str, wanted: list[str]) -> str:
    from core.api.clients import create_client
    from core.audit import record
    from tenants.context import use_tenant

    async with state.database(state.settings()) as services:
        tenant = await _tenant(slug)
        known = await _grantable(services, tenant)
        try:
            client, secret = await create_client(tenant, name, wanted, created_by=ACTOR, known_scopes=known)
        except ValueError as exc:
            raise _usage(f"{exc}; scopes of {tenant.slug}: {', '.join(known)}") from None
        with use_tenant(tenant):
            await record("api_client.created", actor_type="system", actor=ACTOR, target=client.client_id,
                         name=client.name, scopes=client.scopes)
    return "\n".join([
        f"Created API client {client.name} of {tenant.name} with scopes {' '.join(client.scopes)}",
        f"client id:     {client.client_id}",
        f"client secret: {secret}",
        "The secret is shown once: store it now. Lost it? porchside api-client rotate "
        f"{tenant.slug} {client.client_id}",
    ])


@api_client.command("list")
@click.argument("slug")
@click.pass_obj
def list_clients(state: CliState, slug: str) -> None:
    """List the API clients of the business SLUG with their scopes, last use and status."""
    click.echo(run(_list(state, slug)))


async def _list(state: CliState, slug: str) -> str:
    from core.cli import _table
    from core.models.api import ApiClient
    from tenants.context import use_tenant

    async with state.database(state.settings()) as services:
        tenant = await _tenant(slug)
        known = await _grantable(services, tenant)
        with use_tenant(tenant):
            # Active first; sorted here as SQLite and PostgreSQL put NULLs at opposite ends.
            clients = sorted(await ApiClient.all().order_by("name", "id"), key=lambda c: c.revoked_at is not None)
    grantable = f"Scopes {tenant.slug} can grant: {' '.join(known)}"
    if not clients:
        return f"{tenant.name} has no API clients yet. Create one with: porchside api-client create {tenant.slug} NAME --scope ...\n{grantable}"
    rows = [
        (
            c.client_id, c.name, ",".join(c.scopes), c.created_at.strftime("%Y-%m-%d %H:%M"),
            c.last_used_at.strftime("%Y-%m-%d %H:%M") if c.last_used_at else "never",
            "revoked" if c.revoked_at else "active",
        )
        for c in clients
    ]
    return _table(("CLIENT ID", "NAME", "SCOPES", "CREATED (UTC)", "LAST USED (UTC)", "STATUS"), rows) + "\n" + grantable


@api_client.command("rotate")
@click.argument("slug")
@click.argument("client_id")
@click.pass_obj
def rotate(state: CliState, slug: str, client_id: str) -> None:
    """Give the API client CLIENT_ID of SLUG a new secret and print it (once).

    The old secret and every token issued with it stop working at once.
    """
    click.echo(run(_rotate(state, slug, client_id)))


async def _rotate(state: CliState, slug: str, client_id: str) -> str:
    from core.api.clients import rotate_secret
    from core.audit import record
    from tenants.context import use_tenant

    async with state.database(state.settings()):
        tenant, client = await _client(slug, client_id)
        if client.revoked_at is not None:
            raise CommandError(f"the API client {client.client_id} ({client.name}) is revoked; create a new one")
        with use_tenant(tenant):
            secret = await rotate_secret(client)
            await record("api_client.rotated", actor_type="system", actor=ACTOR, target=client.client_id, name=client.name)
    return "\n".join([
        f"New secret for {client.name} ({client.client_id}); the old one no longer works.",
        f"client secret: {secret}",
        "The secret is shown once: store it now.",
    ])


@api_client.command("revoke")
@click.argument("slug")
@click.argument("client_id")
@click.pass_obj
def revoke(state: CliState, slug: str, client_id: str) -> None:
    """Revoke the API client CLIENT_ID of SLUG: its secret and tokens stop working for good."""
    click.echo(run(_revoke(state, slug, client_id)))


async def _revoke(state: CliState, slug: str, client_id: str) -> str:
    from core.api.clients import revoke_client
    from core.audit import record
    from tenants.context import use_tenant

    async with state.database(state.settings()):
        tenant, client = await _client(slug, client_id)
        with use_tenant(tenant):
            if not await revoke_client(client):
                return f"{client.name} ({client.client_id}) was already revoked."
            await record("api_client.revoked", actor_type="system", actor=ACTOR, target=client.client_id, name=client.name)
    return f"Revoked {client.name} ({client.client_id}): its secret and tokens no longer work."
