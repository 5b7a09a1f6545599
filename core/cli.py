"""The ``porchside`` command line.

``porchside demo`` gets a newcomer from nothing to a working portal in one
command; ``serve``, ``worker``, ``migrate``, ``makemigrations``, ``seed-demo``
and ``tenant ...`` run and administer a real installation. Settings come from
the ``PORCHSIDE_*`` environment variables (:mod:`core.config`); a bad value
stops with one line, ``porchside: <message>``, and exit status 2. Refused
operations (a taken slug, an unknown tenant) exit with status 1.

Every command takes ``--env-file PATH`` (before or after the command name):
the dotenv file's variables are set first and win over the environment, so
a ``DATABASE_URL`` with ``&`` or quotes reaches the settings as written.

Plugins add commands through the ``porchside_cli_commands`` hook. A plugin
command that needs settings or the database takes the :class:`CliState` with
``@click.pass_obj``::

    @click.command()
    @click.pass_obj
    def reindex(state):
        settings = state.settings()
        async def work():
            async with state.database(settings) as services:
                ...
        run(work())  # from core.cli import run
"""

from __future__ import annotations

import asyncio
import inspect
import os
import shutil
import signal
import socket
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, AsyncIterator, Awaitable, Iterable, TypeVar

import click
from redis.exceptions import ConnectionError as RedisConnectionError
from tortoise.cli.utils import CLIError
from tortoise.exceptions import OperationalError

from core.config import ConfigError, Settings, read_env_file
from core.db import (
    make_migrations,
    migration_settings,
    open_database,
    release_database,
    run_migrations,
    tortoise_config,
)
from core.plugins import PluginError, PluginHost
from core.services import Services

if TYPE_CHECKING:
    from core.demo import SeededTenant

T = TypeVar("T")

DEMO_PORT = 8000
# Plugin discovery needs only the plugin settings; a throwaway key keeps
# ``porchside --help`` from creating the secret-key file in the data folder.
DISCOVERY_SECRET = "plugin-discovery-only-" + "0" * 16


class CommandError(click.ClickException):
    """A command failed for a reason the user can act on; shown as one line."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file: Any = None) -> None:
        click.echo(f"porchside: {self.format_message()}", err=True)


def run(work: Awaitable[T]) -> T:
    """Run a command's async work, turning database trouble into one clear line."""
    try:
        return asyncio.run(work)
    except OperationalError as exc:
        raise CommandError(f"the database is not ready ({exc}); run `porchside migrate` first") from None
    except (ConnectionError, socket.gaierror, RedisConnectionError) as exc:
        raise CommandError(
            f"cannot connect ({exc}); check PORCHSIDE_DATABASE_URL and PORCHSIDE_REDIS_URL"
        ) from None
    except CLIError as exc:  # Tortoise's own migration tooling
        raise CommandError(str(exc)) from None


@dataclass(frozen=True)
class CliState:
    """What every command shares: extra plugins, and how to reach settings and the database.

    :param extra_plugins: ``(name, plugin)`` pairs registered besides the
        installed ones, as tests and embedding applications do.
    """

    extra_plugins: tuple[tuple[str, object], ...] = ()

    def settings(self, **overrides: Any) -> Settings:
        try:
            return Settings.from_env(**overrides)
        except ConfigError as exc:
            raise CommandError(str(exc), exit_code=2) from None

    def plugin_host(self, settings: Settings) -> PluginHost:
        try:
            return PluginHost().load(
                allowed=settings.plugins, extra=self.extra_plugins, load_entry_points=settings.load_entry_points
            )
        except PluginError as exc:
            raise CommandError(str(exc), exit_code=2) from None

    def db_config(self, settings: Settings, host: PluginHost | None = None) -> dict:
        return tortoise_config(settings, (host or self.plugin_host(settings)).model_apps())

    @asynccontextmanager
    async def database(self, settings: Settings) -> AsyncIterator[Services]:
        """Open the database and the services (cache, storage) for the block."""
        host = self.plugin_host(settings)
        config = self.db_config(settings, host)
        services = Services.build(settings, host)
        try:
            await open_database(config)
            yield services
        finally:
            # The database is released even if closing the cache fails: an
            # open SQLite connection would keep the process from exiting.
            try:
                await services.close()
            except (RedisConnectionError, OSError):
                pass  # Redis is away: nothing to hand back, and the work itself is done
            finally:
                await release_database(config)


def _load_env_file(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """Set the variables of ``--env-file`` in this process (and so in its children, e.g. uvicorn workers)."""
    if value is None:
        return
    try:
        variables = read_env_file(value)
    except ConfigError as exc:
        raise CommandError(str(exc), exit_code=2) from None
    os.environ.update(variables)


def add_env_file_option(command: click.Command) -> click.Command:
    """Give ``command`` (and, for a group, each of its commands) the ``--env-file`` option."""
    if not any(param.name == "env_file" for param in command.params):
        command.params.insert(
            0,
            click.Option(
                ["--env-file"],
                type=click.Path(dir_okay=False),
                is_eager=True,  # before the command, and plugin discovery, read any setting
                expose_value=False,
                callback=_load_env_file,
                help="Read settings from this dotenv file (KEY=value lines); its values win over the environment.",
            ),
        )
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            add_env_file_option(sub)
    return command


class PorchsideGroup(click.Group):
    """The built-in commands plus the ones plugins declare.

    Plugins are loaded only when a name is not built in or the command list is
    shown, so ``porchside serve`` does not load them twice.
    """

    def _plugin_commands(self, ctx: click.Context) -> dict[str, click.Command]:
        if "porchside.plugin_commands" in ctx.meta:
            return ctx.meta["porchside.plugin_commands"]
        state: CliState = ctx.ensure_object(CliState)
        # Discovery only: production's checks run when the command itself reads the settings.
        host = state.plugin_host(state.settings(secret_key=DISCOVERY_SECRET, environment="development"))
        commands: dict[str, click.Command] = {}
        for declared in host.declared.cli_commands:
            command = declared.record
            if not isinstance(command, click.Command) or not command.name:
                raise CommandError(
                    f"plugin {declared.plugin!r}: porchside_cli_commands must return named click commands", 2
                )
            if command.name in self.commands or command.name in commands:
                raise CommandError(f"plugin {declared.plugin!r}: the command name {command.name!r} is already taken", 2)
            commands[command.name] = add_env_file_option(command)
        ctx.meta["porchside.plugin_commands"] = commands
        return commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*self.commands, *self._plugin_commands(ctx)])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self.commands.get(cmd_name) or self._plugin_commands(ctx).get(cmd_name)


# -- serving -------------------------------------------------------------------


def _serve(
    state: CliState, settings: Settings, host: str, port: int, workers: int, access_log: bool, log_format: str = "json",
    limit_concurrency: int | None = None,
) -> None:
    """Run uvicorn: the app object in this process, or one app per worker process.

    Logging is ours (:mod:`core.logs`), handed to uvicorn as its log config
    so every worker process sets it up and Porchside's INFO lines show.
    """
    import uvicorn

    from core.logs import logging_config
    from core.metrics import prepare_multiprocess

    options = dict(
        host=host, port=port, lifespan="on", access_log=access_log, proxy_headers=True,
        log_config=logging_config(settings.log_format or log_format), limit_concurrency=limit_concurrency,
    )
    if workers > 1 and settings.metrics_token:
        prepare_multiprocess()  # before the workers import prometheus-client
    if workers == 1:
        from core.app import create_app

        try:
            app = create_app(settings, plugins=state.extra_plugins)
        except PluginError as exc:
            raise CommandError(str(exc), exit_code=2) from None
        server = uvicorn.Server(uvicorn.Config(app, **options))
        try:
            server.run()
        except KeyboardInterrupt:
            pass
        if not server.started:
            raise CommandError("the server did not start; see the messages above")
        return
    from uvicorn.supervisors import Multiprocess

    if state.extra_plugins:
        raise CommandError("plugins registered in code reach one process only; serve them with --workers 1")
    state.plugin_host(settings)  # fail here, once, rather than in every worker
    # Each worker builds its own app from the same environment.
    config = uvicorn.Config("core.app:create_app", factory=True, workers=workers, **options)
    Multiprocess(config, sockets=[config.bind_socket()]).run()


WAIT_OPTION = click.option(
    "--wait", default=0, show_default=True, type=click.IntRange(min=0), metavar="SECONDS",
    help="Keep trying an unreachable database or Redis this long before giving up.",
)


def _warn(line: str) -> None:
    click.echo(f"porchside: {line}", err=True)


def _require_services(settings: Settings, wait: float) -> None:
    """Stop with one line naming each unreachable service (see :mod:`core.service_checks`)."""
    from core.service_checks import ServicesUnavailable, require_services

    try:
        require_services(settings, wait, warn=_warn)
    except ServicesUnavailable as exc:
        raise CommandError(str(exc)) from None


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 for all).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="TCP port.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=1),
              help="Worker processes; one per CPU core is a good start.")
@click.option("--access-log/--no-access-log", default=False, show_default=True, help="Log every request.")
@click.option("--limit-concurrency", type=click.IntRange(min=1), default=None,
              help="Requests in flight per worker before new ones get a quick 503 (docs/deployment.md sizes it).")
@WAIT_OPTION
@click.pass_obj
def serve(
    state: CliState, host: str, port: int, workers: int, access_log: bool, limit_concurrency: int | None, wait: float
) -> None:
    """Serve the portal of every tenant with uvicorn.

    The database, Redis and SMTP server are checked first: an unreachable
    database or Redis stops start-up with a line naming it (exit status 1);
    an unreachable SMTP server is a warning, since emails wait in the queue.
    """
    settings = state.settings()
    state.plugin_host(settings)  # a configuration error is named before any reachability problem
    _require_services(settings, wait)
    _serve(state, settings, host, port, workers, access_log, limit_concurrency=limit_concurrency)


@click.command()
@WAIT_OPTION
@click.pass_obj
def worker(state: CliState, wait: float) -> None:
    """Run background jobs: emails, AutoPay, webhooks, bulk invites.

    Checks the database, Redis and SMTP server first, like ``serve``; while
    running, it logs when the database or Redis goes away or comes back,
    and takes no jobs while the database is unreachable.
    """
    settings = state.settings()
    try:
        from core.queue.worker import run_worker
    except ModuleNotFoundError as exc:
        if exc.name not in ("core.queue", "core.queue.worker"):
            raise
        raise CommandError("the background worker is not part of this installation (core.queue.worker is missing)") from None
    from core.service_checks import ServicesUnavailable

    try:
        result = run_worker(settings, wait=wait, warn=_warn)
        if inspect.isawaitable(result):
            run(result)
    except ConfigError as exc:
        raise CommandError(str(exc), exit_code=2) from None
    except ServicesUnavailable as exc:
        raise CommandError(str(exc)) from None


# -- database ------------------------------------------------------------------


@click.command()
@click.pass_obj
def migrate(state: CliState) -> None:
    """Apply pending schema migrations of core and of every plugin."""
    settings = state.settings()
    applied: list[str] = []

    def progress(event: str, app_label: str, name: str) -> None:
        if event == "apply_done":
            applied.append(f"{app_label}.{name}")
            click.echo(f"  applied {app_label}.{name}")

    run(run_migrations(state.db_config(migration_settings(settings)), progress))
    click.echo(f"Applied {len(applied)} migration(s); the database is up to date." if applied
               else "No migrations to apply; the database is up to date.")


@click.command()
@click.argument("apps", nargs=-1)
@click.option("--name", help="A short name for the migration file, e.g. add_reviews.")
@click.pass_obj
def makemigrations(state: CliState, apps: tuple[str, ...], name: str | None) -> None:
    """Write migration files for model changes of APPS (default: all).

    Plugin authors run this after changing their models; each plugin's models
    form an app named after the plugin.
    """
    settings = migration_settings(state.settings())
    config = state.db_config(settings)
    unknown = sorted(set(apps) - set(config["apps"]))
    if unknown:
        raise CommandError(f"unknown app {', '.join(unknown)}; the apps are {', '.join(config['apps'])}")
    if apps and "core" not in apps:
        # Tortoise loads only the selected apps, and every plugin model links
        # to core's Tenant: core is loaded too, and gets a migration only if
        # core's own models changed.
        apps = ("core", *apps)
    run(make_migrations(config, name=name, app_labels=apps))


@click.command("seed-demo")
@click.pass_obj
def seed_demo_command(state: CliState) -> None:
    """Add the demo businesses to the configured database (once)."""
    settings = state.settings()
    for line in run(_seed(state, settings)):
        click.echo(line)


async def _seed(state: CliState, settings: Settings) -> list[str]:
    from core.demo import seed_demo
    from core.links import portal_url

    async with state.database(settings) as services:
        lines = []
        for seeded in await seed_demo(services.storage, services=services):
            done = "seeded" if seeded.created else "already there, left as it was"
            lines.append(f"{seeded.tenant.name}: {done} ({await portal_url(services, seeded.tenant)})")
        return lines


# -- the demo --------------------------------------------------------------------


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=DEMO_PORT, show_default=True, type=click.IntRange(1, 65535), help="TCP port.")
@click.option("--reset", is_flag=True, help="Delete the demo's data first and start afresh.")
@click.option("--no-stripe", is_flag=True, help="Do not start localstripe (card payments stay off).")
@click.pass_obj
def demo(state: CliState, host: str, port: int, reset: bool, no_stripe: bool) -> None:
    """Set up the demo businesses and serve them at http://<slug>.localhost:PORT.

    The demo keeps everything in the "demo" folder of the data folder
    (PORCHSIDE_DATA_DIR, default ./var): a SQLite database, uploaded files,
    an in-process cache and queue, and a dev outbox instead of real email.
    It never touches PORCHSIDE_DATABASE_URL or PORCHSIDE_REDIS_URL.

    When localstripe is installed (a development dependency) and
    PORCHSIDE_STRIPE_API_BASE is not set, a local Stripe stand-in runs on
    127.0.0.1 beside the demo (its state in the demo folder) and the demo
    businesses take test card payments through it.
    """
    _require_free_port(host, port)  # before minutes of migrating and seeding, and before --reset deletes anything
    base = state.settings(
        environment="development",  # the demo never touches a real installation
        base_domain="localhost",
        public_scheme="http",
        public_port=port,
        redis_url=None,
        smtp_url=None,
        dev_outbox=True,
    )
    folder = base.data_dir / "demo"
    if reset and folder.exists():
        shutil.rmtree(folder)
        click.echo(f"Removed the previous demo data in {folder}")
    settings = replace(base, data_dir=folder, database_url=f"sqlite://{folder / 'porchside.sqlite3'}")
    # uvicorn raises a SIGTERM again once it has shut down; with the default
    # handler that ends the process before `finally` can stop localstripe.
    # As an exception it unwinds through `finally` (SIGINT already does).
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    local_stripe = None if no_stripe else _demo_stripe(folder)
    try:
        if local_stripe is not None:
            settings = replace(settings, stripe_api_base=local_stripe.api_base, stripe_js_url=local_stripe.js_url)
        banner = run(_prepare_demo(state, settings))
        if local_stripe is not None:
            banner += (
                f"\nCard payments: localstripe (a local Stripe stand-in) at {local_stripe.api_base}; "
                "test card 4242 4242 4242 4242, any future date and CVC."
            )
        click.echo(banner)
        _serve(state, settings, host, port, workers=1, access_log=False, log_format="text")
    finally:
        if local_stripe is not None:
            local_stripe.stop()


DEMO_STRIPE_PORT = 8420


def _require_free_port(host: str, port: int) -> None:
    """Stop at once when another process listens on ``host:port``, as uvicorn would after the demo's set-up.

    The probe binds as uvicorn does (``SO_REUSEADDR``: a port whose last
    connections are closing is free) and lets go at once.
    """
    import errno

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except socket.gaierror:
        return  # uvicorn names a bad host itself
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise CommandError(f"cannot listen on {host}:{port}: address already in use; choose another with --port") from None


def _exit_on_sigterm(signum: int, frame: object) -> None:
    """SIGTERM as ``SystemExit``, so the demo's child processes are stopped on the way out."""
    raise SystemExit(128 + signum)


def _demo_stripe(folder):
    """A started localstripe for the demo, or None (not installed, or the user chose a Stripe API base)."""
    import os

    from core.devstripe import LocalStripe, available, free_port

    if "PORCHSIDE_STRIPE_API_BASE" in os.environ or not available():
        return None
    folder.mkdir(parents=True, exist_ok=True)
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", DEMO_STRIPE_PORT))
            port = DEMO_STRIPE_PORT
        except OSError:
            port = free_port()
    try:
        return LocalStripe(port, state_file=str(folder / "localstripe.pickle")).start()
    except RuntimeError as exc:
        click.echo(f"porchside: card payments are off in this demo: {exc}", err=True)
        return None


async def _prepare_demo(state: CliState, settings: Settings) -> str:
    """Migrate and seed the demo database; return the banner to print."""
    from core.demo import seed_demo

    await run_migrations(state.db_config(settings))
    async with state.database(settings) as services:
        seeded = await seed_demo(services.storage, services=services)
        return await _demo_banner(services, seeded)


async def _demo_banner(services: Services, seeded: list[SeededTenant]) -> str:
    from core.demo.seed import DEMO_PASSWORD
    from core.links import portal_url

    lines = [f"Porchside demo: data in {services.settings.data_dir} (SQLite, in-process cache and queue)", ""]
    for item in seeded:
        spec, tenant = item.spec, item.tenant
        customers = ", ".join(
            f"{email} ({count} accounts)" if count > 1 else email for email, count in spec.customer_emails()
        )
        staff = ", ".join(f"{member.email} ({member.role})" for member in spec.staff)
        lines += [
            f"{tenant.name}, a {spec.trade}{'' if item.created else ' (already seeded)'}",
            f"  portal:      {await portal_url(services, tenant)}",
            f"  dev outbox:  {await portal_url(services, tenant, '/_dev/outbox')}",
            f"  customers:   {customers}",
            f"  staff:       {staff}",
            f"  console:     {await portal_url(services, tenant, '/console')}",
            "",
        ]
    lines += [
        "Sign in with a customer's email; the sign-in email lands in the dev outbox.",
        f"Every demo customer and staff member can also use the password {DEMO_PASSWORD!r}.",
        "A tour of the demo data is in docs/demo.md. Press Ctrl+C to stop.",
    ]
    return "\n".join(lines)


# -- tenants -------------------------------------------------------------------


@click.group()
def tenant() -> None:
    """Create, list, disable and enable businesses; export one to an archive and import it elsewhere."""


@tenant.command("create")
@click.argument("slug")
@click.argument("name")
@click.option("--owner-email", help="Email of the business's owner, who gets a staff account and an invitation.")
@click.option("--owner-name", help="The owner's name (default: taken from the email).")
@click.option("--no-owner", is_flag=True, help="Create it without an owner; invite one later with `tenant invite-owner`.")
@click.option("--language", default="en", show_default=True,
              help="The default language of the portal, the console and emails: en, es or fr.")
@click.option("--timezone", default="America/New_York", show_default=True,
              help="An IANA time zone, e.g. America/Phoenix: the business's dates and times.")
@click.option("--currency", default="USD", show_default=True,
              help="An ISO 4217 code, e.g. CAD; it cannot change once the business has an invoice.")
@click.pass_obj
def tenant_create(
    state: CliState, slug: str, name: str, owner_email: str | None, owner_name: str | None, no_owner: bool,
    language: str, timezone: str, currency: str,
) -> None:
    """Create a business whose portal is at SLUG.<base domain>.

    The business, its owner and the owner's invitation email are stored in
    one transaction: all or nothing. If Redis does not answer, the email
    waits in the database and a running worker sends it later. Money and
    dates follow the language with the United States' conventions (en_US,
    es_US; fr uses French ones); change the locale with `tenant set --locale`.
    """
    from core.regional import RegionalError, check_currency, check_language, check_timezone, locale_with_language

    try:
        regional = {
            "locale": locale_with_language("en_US", check_language(language)),
            "timezone": check_timezone(timezone),
            "currency": check_currency(currency),
        }
    except RegionalError as exc:
        raise CommandError(str(exc)) from None
    if owner_email is None and not no_owner:
        raise CommandError("a business needs an owner to sign in: add --owner-email EMAIL (or --no-owner)")
    if owner_email is not None:
        owner_email = _clean_email(owner_email, "owner's email")
    settings = state.settings()
    click.echo(run(_create_tenant(state, settings, slug, name, owner_email, owner_name, regional)))


def _clean_email(email: str, what: str) -> str:
    from core.mail.addresses import clean_address
    from core.mail.errors import MailError

    try:
        return clean_address(email, what).lower()
    except MailError as exc:
        raise CommandError(str(exc)) from None


async def _create_tenant(
    state: CliState, settings: Settings, slug: str, name: str, owner_email: str | None, owner_name: str | None,
    regional: dict[str, str] | None = None,
) -> str:
    from tortoise.transactions import in_transaction

    from core.console.bootstrap import StaffError, invite_staff
    from core.links import portal_url
    from core.mail.compose import deferred_delivery, queue_deferred
    from tenants.context import use_tenant
    from tenants.service import TenantError, create_tenant

    async with state.database(settings) as services:
        try:
            with deferred_delivery() as emails:
                async with in_transaction():
                    created = await create_tenant(slug, name, **(regional or {}))
                    if owner_email:
                        with use_tenant(created):
                            # The owner gets an email with a link to choose a password.
                            await invite_staff(services, owner_email, owner_name or "", "owner", invited_by="porchside cli")
        except (TenantError, StaffError) as exc:
            raise CommandError(f"cannot create {slug!r}: {exc}") from None
        waiting = await queue_deferred(services, emails)
        lines = [f"Created {created.name} at {await portal_url(services, created)}"
                 + (f"; owner: {owner_email} (invited)" if owner_email else "; no owner yet"),
                 f"Locale {created.locale}, time zone {created.timezone}, currency {created.currency}."]
        return "\n".join(lines + waiting)


@tenant.command("invite-owner")
@click.argument("slug")
@click.argument("email")
@click.option("--name", help="The owner's name (default: taken from the email).")
@click.pass_obj
def tenant_invite_owner(state: CliState, slug: str, email: str, name: str | None) -> None:
    """Invite EMAIL as an owner of the business SLUG, or send a pending owner a new invitation.

    For a business created without an owner, or an owner whose invitation
    expired or was lost. Someone who already chose a password is refused:
    they sign in, or reset their password from the sign-in page.
    """
    email = _clean_email(email, "owner's email")
    click.echo(run(_invite_owner(state, state.settings(), slug, email, name)))


async def _invite_owner(state: CliState, settings: Settings, slug: str, email: str, name: str | None) -> str:
    from tortoise.transactions import in_transaction

    from core.console.bootstrap import StaffError, invite_staff
    from core.console.staff_links import send_staff_link
    from core.mail.compose import deferred_delivery, queue_deferred
    from core.models.staff import StaffUser
    from tenants.context import use_tenant

    async with state.database(settings) as services:
        found = await _find_tenant(slug)
        with use_tenant(found), deferred_delivery() as emails:
            async with in_transaction():
                staff = await StaffUser.get_or_none(email=email)
                if staff is None:
                    try:
                        await invite_staff(services, email, name or "", "owner", invited_by="porchside cli")
                    except StaffError as exc:
                        raise CommandError(f"cannot invite {email}: {exc}") from None
                    done = f"Invited {email} as an owner of {found.name}."
                elif staff.password_hash:
                    raise CommandError(
                        f"{email} already has a password for {found.name}; they sign in, or reset it from the sign-in page"
                    )
                else:
                    if staff.role != "owner" or not staff.active:
                        staff.role, staff.active = "owner", True
                        await staff.save(update_fields=["role", "active"])
                    await send_staff_link(services, "staff_invite", staff, created_by="porchside cli")
                    done = f"Sent {email} a new invitation as an owner of {found.name}."
        return "\n".join([done, *await queue_deferred(services, emails)])


async def _find_tenant(slug: str):
    from tenants.models import Tenant

    found = await Tenant.get_or_none(slug=slug.strip().lower())
    if found is None:
        raise CommandError(f"no business has the address {slug!r}; see porchside tenant list")
    return found


@tenant.command("set")
@click.argument("slug")
@click.option("--name", help="The business's name, as customers see it.")
@click.option("--timezone", help="An IANA time zone, e.g. America/Chicago.")
@click.option("--currency", help="An ISO 4217 code, e.g. USD; only while the business has no invoice.")
@click.option("--locale", help="A locale, e.g. en_US or fr_CA: dates, numbers and money formats.")
@click.option("--language", help="The default language (en, es or fr); the locale keeps its country where it can (en_US -> es_US).")
@click.pass_obj
def tenant_set(
    state: CliState, slug: str, name: str | None, timezone: str | None, currency: str | None, locale: str | None,
    language: str | None = None,
) -> None:
    """Change the name, default language, time zone, currency or locale of the business SLUG (`tenant update` is the same)."""
    from core.regional import check_language
    from tenants.settings import TenantSettingError, clean_tenant_settings

    try:
        changes = clean_tenant_settings(name=name, timezone=timezone, currency=currency, locale=locale)
        if language is not None:
            changes["language"] = check_language(language)
    except TenantSettingError as exc:
        raise CommandError(str(exc)) from None
    if not changes:
        raise CommandError("nothing to change: give --name, --language, --timezone, --currency or --locale")
    click.echo(run(_set_tenant(state, state.settings(), slug, changes)))


tenant.add_command(tenant_set, "update")


async def _set_tenant(state: CliState, settings: Settings, slug: str, changes: dict[str, str]) -> str:
    from core.regional import locale_with_language
    from tenants.settings import TenantSettingError, apply_tenant_settings

    async with state.database(settings) as services:
        found = await _find_tenant(slug)
        if "language" in changes:
            language = changes.pop("language")
            changes["locale"] = locale_with_language(changes.get("locale", found.locale), language)
        try:
            changed = await apply_tenant_settings(found, changes, services.resolver)
        except TenantSettingError as exc:
            raise CommandError(f"cannot change {found.slug!r}: {exc}") from None
        if not changed:
            return f"{found.name} ({found.slug}): nothing changed."
        return f"{found.name} ({found.slug}): " + ", ".join(f"{field} is now {value}" for field, value in changed.items())


@tenant.command("export")
@click.argument("slug")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the archive (default: SLUG-<UTC time>.tar.gz here).")
@click.option("--include-secrets", is_flag=True,
              help="Also write plugin secrets and webhook signing secrets, DECRYPTED: keep the archive like a password file.")
@click.pass_obj
def tenant_export(state: CliState, slug: str, output: Path | None, include_secrets: bool) -> None:
    """Write one business's complete data and files to a versioned archive (.tar.gz).

    For backups, moving a business to another installation, and a customer's
    data-access request. The archive holds manifest.json (format version,
    row counts, file checksums), one JSON-lines file per table and the
    business's stored files. Secrets are encrypted with this installation's
    key, so they are left out (and listed in the manifest for re-entry)
    unless --include-secrets is given.
    """
    click.echo(run(_export_tenant(state, state.settings(), slug, output, include_secrets)))


async def _export_tenant(state: CliState, settings: Settings, slug: str, output: Path | None, include_secrets: bool) -> str:
    from datetime import datetime, timezone

    from core import __version__
    from tenants.archive import ArchiveError, export_tenant

    async with state.database(settings) as services:
        found = await _find_tenant(slug)
        path = output or Path(f"{found.slug}-{datetime.now(timezone.utc):%Y%m%d-%H%M%S}.tar.gz")
        try:
            manifest = await export_tenant(
                found, path, storage=services.storage, plugin_apps=services.plugins.model_apps(),
                secret_key=settings.secret_key, include_secrets=include_secrets, version=__version__,
            )
        except ArchiveError as exc:
            raise CommandError(str(exc), exit_code=2) from None
        rows = sum(table["rows"] for table in manifest["tables"])
        lines = [f"Exported {found.name} ({found.slug}): {rows} rows, {len(manifest['files'])} files to {path}"]
        for item in manifest["secrets"]["omitted"]:
            lines.append(f"left out (enter again after import): {item['table']} {item['public_id']} {', '.join(item['fields'])}")
        return "\n".join(lines)


@tenant.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--slug", "new_slug", help="The business's address here (default: the one in the archive).")
@click.pass_obj
def tenant_import(state: CliState, path: Path, new_slug: str | None) -> None:
    """Create the business of an archive made by `tenant export`, all or nothing.

    Rows keep their public ids (so a business is imported once per
    installation) and get new internal ids; files are restored. Refused,
    changing nothing (exit 2), when the archive's format version is unknown,
    a checksum does not match, or the address or a public id exists here.
    """
    click.echo(run(_import_tenant(state, state.settings(), path, new_slug)))


async def _import_tenant(state: CliState, settings: Settings, path: Path, new_slug: str | None) -> str:
    from tenants.archive import ArchiveError, import_tenant

    async with state.database(settings) as services:
        try:
            result = await import_tenant(
                path, storage=services.storage, plugin_apps=services.plugins.model_apps(),
                secret_key=settings.secret_key, slug=new_slug,
            )
        except ArchiveError as exc:
            raise CommandError(f"import refused: {exc}", exit_code=2) from None
        await services.resolver.invalidate(result.tenant)
        lines = [f"Imported {result.tenant.name} ({result.tenant.slug}): {result.rows} rows, {result.files} files."]
        for item in result.omitted_secrets:
            lines.append(f"not in the archive, enter again: {item['table']} {item['public_id']} {', '.join(item['fields'])}")
        return "\n".join(lines)


@tenant.command("list")
@click.pass_obj
def tenant_list(state: CliState) -> None:
    """List every business with its address and state."""
    settings = state.settings()
    rows = run(_tenant_rows(state, settings))
    if not rows:
        click.echo("No businesses yet. Create one with: porchside tenant create SLUG NAME")
        return
    click.echo(_table(("SLUG", "NAME", "URL", "PORTAL", "ACTIVE"), rows))


async def _tenant_rows(state: CliState, settings: Settings) -> list[tuple[str, ...]]:
    from core.links import portal_url
    from tenants.models import Tenant

    async with state.database(settings) as services:
        return [
            (
                t.slug,
                t.name,
                await portal_url(services, t),
                "on" if t.portal_enabled else "off",
                "yes" if t.is_active else "no",
            )
            for t in await Tenant.all().order_by("slug")
        ]


def _table(headers: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> str:
    rows = [headers, *rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(headers))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)


@tenant.command("disable")
@click.argument("slug")
@click.pass_obj
def tenant_disable(state: CliState, slug: str) -> None:
    """Take a business offline: its addresses answer 404 until enabled again."""
    click.echo(run(_set_active(state, state.settings(), slug, False)))


@tenant.command("enable")
@click.argument("slug")
@click.pass_obj
def tenant_enable(state: CliState, slug: str) -> None:
    """Bring a disabled business back online."""
    click.echo(run(_set_active(state, state.settings(), slug, True)))


async def _set_active(state: CliState, settings: Settings, slug: str, active: bool) -> str:
    from tenants.models import Tenant
    from tenants.service import set_active

    async with state.database(settings) as services:
        found = await Tenant.get_or_none(slug=slug.strip().lower())
        if found is None:
            raise CommandError(f"no business has the address {slug!r}; see porchside tenant list")
        await set_active(found, active, services.resolver)
        return f"{found.name} ({found.slug}) is {'enabled' if active else 'disabled'}."


@click.command()
@click.argument("slug")
@click.argument("emails", nargs=-1, required=True)
@click.option("--invited-by", default="cli", show_default=True, help="Recorded in the audit log as the sender.")
@click.pass_obj
def invite(state: CliState, slug: str, emails: tuple[str, ...], invited_by: str) -> None:
    """Email portal invites to customers' EMAILS of the business SLUG.

    Each address must be on a contact of one of the business's customer
    accounts; others are reported and skipped. Waits until the emails have
    been handed to the mail server (or the dev outbox).
    """
    click.echo(run(_invite(state, state.settings(), slug, emails, invited_by)))


async def _invite(state: CliState, settings: Settings, slug: str, emails: tuple[str, ...], invited_by: str) -> str:
    from core.auth.links import send_invite
    from core.mail import MailError
    from core.models.mail import OutboundEmail
    from tenants.context import use_tenant
    from tenants.models import Tenant

    async with state.database(settings) as services:
        found = await Tenant.get_or_none(slug=slug.strip().lower())
        if found is None:
            raise CommandError(f"no business has the address {slug!r}; see porchside tenant list")
        lines = []
        with use_tenant(found):
            before = set(await OutboundEmail.filter(status="queued").values_list("id", flat=True))
            for email in emails:
                try:
                    sent = await send_invite(services, email, invited_by=invited_by)
                except MailError as exc:
                    lines.append(f"failed   {email}: {exc}")
                    continue
                lines.append(f"{'invited ' if sent else 'skipped '} {email}{'' if sent else ': no customer account uses this address'}")
            await services.queue.start_worker()
            try:
                deadline = asyncio.get_running_loop().time() + 60
                while asyncio.get_running_loop().time() < deadline:
                    waiting = await OutboundEmail.filter(status="queued").exclude(id__in=list(before)).count()
                    if not waiting:
                        break
                    await asyncio.sleep(0.2)
                else:
                    lines.append("some emails are still queued; a running worker will send them")
            finally:
                await services.queue.stop_worker()
        return "\n".join(lines)


@click.group()
def plugin() -> None:
    """Write plugins."""


@plugin.command("new")
@click.argument("name")
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write the package into (default: ./porchside-NAME); it must be empty or missing.")
def plugin_new(name: str, folder: Path | None) -> None:
    """Write a new plugin package NAME (lower case, e.g. pool_logs) to start from.

    It holds the porchside entry point, hooks, a model and its migration, a
    portal tab and page, a console page, a setting, an event handler, tests
    with Porchside's fixtures and a README. Install it with pip install -e.
    """
    from core.scaffold import PluginNames, ScaffoldError, write_plugin

    try:
        target = folder or Path.cwd() / PluginNames.of(name).dist
        written = write_plugin(name, target)
    except ScaffoldError as exc:
        raise CommandError(str(exc)) from None
    click.echo(f"Wrote {len(written)} files to {target}:")
    for path in written:
        click.echo(f"  {path.relative_to(target)}")
    click.echo(f"Next: pip install -e {target}, then turn it on in the console's Plugins page; pytest {target} runs its tests.")


# -- the group -------------------------------------------------------------------

BUILTIN_COMMANDS: tuple[click.Command, ...] = (
    demo,
    serve,
    worker,
    migrate,
    makemigrations,
    seed_demo_command,
    tenant,
    invite,
    plugin,
)


def make_cli(extra_plugins: Iterable[tuple[str, object]] = ()) -> click.Group:
    """The ``porchside`` command group; ``extra_plugins`` are registered besides the installed ones."""
    group = PorchsideGroup(
        name="porchside",
        help="Porchside: a customer portal for field-service businesses.",
        context_settings={"obj": CliState(tuple(extra_plugins)), "help_option_names": ["-h", "--help"]},
    )
    for command in BUILTIN_COMMANDS:
        group.add_command(add_env_file_option(command))
    add_env_file_option(group)
    return click.version_option(package_name="porchside", prog_name="porchside")(group)


def main() -> None:
    """Entry point of the ``porchside`` script (ends the process: see :mod:`core.quick_exit`)."""
    from core.quick_exit import exit_now

    try:
        make_cli()(prog_name="porchside")
    except SystemExit as done:
        exit_now(done.code)
    exit_now(0)


if __name__ == "__main__":
    main()
