"""A test plugin that records every event it hears (``porchside_event``), per tenant.

The payments tests' ``app`` loads it, so a test reads ``spy.events`` to see
what was announced (the ``events`` fixture clears it first).
"""

from __future__ import annotations

from core import hookimpl
from core.records import PluginInfo

events: list = []  # (tenant slug, Event)


@hookimpl
def porchside_plugin_info():
    return PluginInfo(name="payments_spy", label="Payments spy", default_enabled=True)


@hookimpl
def porchside_event(tenant, event):
    events.append((tenant.slug, event))


def named(name: str, slug: str | None = None) -> list:
    return [event for s, event in events if event.name == name and (slug is None or s == slug)]
