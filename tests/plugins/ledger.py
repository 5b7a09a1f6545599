"""Ledger: the run-time hooks (start-up, events, notifications), a CLI command and a task.

On by default. Its event hook takes only ``event`` (an implementation may
accept any subset of a hook's arguments); its notify hook is async.
"""

from __future__ import annotations

import click

from core import hookimpl
from core.records import PluginInfo, Task

# What the hooks saw; tests clear these.
started: list[str] = []
events: list[str] = []
notified: list[tuple[str, str, int]] = []


@click.command("ledger-export")
@click.argument("tenant_slug")
def export(tenant_slug: str) -> None:
    """Print where a tenant's ledger would be exported."""
    click.echo(f"ledger of {tenant_slug}")


async def rollup(**kwargs) -> int:
    return len(events)


@hookimpl
def porchside_plugin_info():
    return PluginInfo(name="ledger", label="Ledger", default_enabled=True)


@hookimpl
def porchside_startup(app):
    started.append(app.name)


@hookimpl
def porchside_event(event):
    events.append(event.name)
    return "ledger"


@hookimpl
async def porchside_notify(tenant, notification, recipients):
    notified.append((tenant.slug, notification.title, len(recipients)))
    return "ledger"


@hookimpl
def porchside_cli_commands():
    return [export]


@hookimpl
def porchside_tasks():
    return [Task(name="ledger.rollup", func=rollup, cron="0 3 * * *")]
