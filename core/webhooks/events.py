"""Webhook event types and how an event becomes deliveries.

Event types are declared through the ``porchside_webhook_event_types`` hook
(:class:`WebhookEventType`); core declares its own in
:mod:`core.webhooks.builtin`, plugins theirs. Nothing new has to be called
where things happen: every :func:`core.plugin_state.announce` (the one
broadcast of an :class:`~core.records.Event`) is passed to :func:`publish`,
which turns it into the webhook types whose ``sources`` and ``match`` fit
and queues one delivery per subscribed endpoint. :func:`emit` sends a type
directly, for code that has no event to announce.

The body sent is ``{"type": ..., "timestamp": ..., "data": {...}}``; ``data``
holds ``id`` (the public id of the thing it is about), ``actor`` and the
event's details.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from babel.support import LazyProxy

    from core.plugins import PluginHost
    from core.records import Event
    from core.services import Services

log = logging.getLogger("porchside.webhooks")

TYPE_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


@dataclass(frozen=True)
class WebhookEventType:
    """A webhook event type endpoints may subscribe to.

    :param name: dotted, lower case (``invoice.paid``); unique across plugins.
    :param description: one sentence for the console's checkboxes; a
        ``lazy_gettext`` text is shown in the reader's language (the event
        type's ``name`` and the payloads stay as they are).
    :param sources: the announced event names it is made from
        (:func:`core.plugin_state.announce`); default: ``(name,)``.
    :param match: values the announced event's data must have
        (``{"decision": "approved"}`` turns ``quote.decided`` into
        ``quote.approved``).
    """

    name: str
    description: "str | LazyProxy"
    sources: tuple[str, ...] = ()
    match: dict[str, Any] = field(default_factory=dict)
    order: int = 100

    @property
    def id(self) -> str:
        return self.name

    def fits(self, event: "Event") -> bool:
        sources = self.sources or (self.name,)
        return event.name in sources and all(event.data.get(k) == v for k, v in self.match.items())


def declared_types(host: "PluginHost") -> list[tuple[str, WebhookEventType]]:
    """``(plugin, type)`` of every declared event type, core's first."""
    return [(item.plugin, item.record) for item in host.declared.webhook_event_types]


async def available_types(services: "Services") -> list[WebhookEventType]:
    """The types the current tenant can subscribe to: core's and its enabled plugins'."""
    from core.plugin_state import enabled_plugins
    from core.plugins import is_core

    enabled = await enabled_plugins(services.plugins, services.cache)
    return [t for plugin, t in declared_types(services.plugins) if is_core(plugin) or plugin in enabled]


def body_of(event_type: str, data: dict[str, Any], at: datetime | None = None) -> str:
    """The JSON body of one event, exactly as it is signed and sent."""
    moment = (at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    stamp = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return json.dumps({"type": event_type, "timestamp": stamp, "data": data}, separators=(",", ":"), default=str)


async def emit(event_type: str, data: dict[str, Any], *, services: "Services | None" = None) -> int:
    """Queue ``event_type`` with ``data`` to every enabled endpoint of the current tenant subscribed to it.

    :return: the number of deliveries queued. Never raises: a failure is
        logged, since what happened has happened.
    """
    from core.services import current_services
    from core.webhooks.delivery import queue_deliveries

    services = services or current_services()
    try:
        return await queue_deliveries(services, event_type, body_of(event_type, data))
    except Exception:
        log.exception("webhook event %s could not be queued", event_type)
        return 0


async def publish(event: "Event", services: "Services") -> int:
    """Every webhook type ``event`` makes, emitted (called by :func:`core.plugin_state.announce`)."""
    try:
        types = [t for _, t in declared_types(services.plugins) if t.fits(event)]
    except Exception:
        log.exception("webhook types of event %s could not be read", event.name)
        return 0
    sent = 0
    for kind in types:
        data = {"id": event.subject, **event.data, "actor": event.actor}
        sent += await emit(kind.name, data, services=services)
    return sent
