"""The ``porchside_webhook_event_types`` hook: plugins declare webhook event types made from announced events."""

from __future__ import annotations

import types

import pytest
from standardwebhooks import Webhook

from core import hookimpl
from core.plugin_state import announce, set_enabled
from core.plugins import PluginError, PluginHost
from core.services import use_services
from core.testing import eventually, jobs_settled
from core.webhooks.events import WebhookEventType
from tenants.context import use_tenant
from tenants.service import create_tenant
from tests.api_helpers import bearer
from tests.plugins import feedback
from tests.webhook_receiver import WebhookReceiver

SCOPES = ["webhook_endpoints:read", "webhook_endpoints:write"]


async def test_a_plugins_types_are_sent_from_its_announced_events_only_where_it_is_enabled(make_app, client_for):
    """porchside_webhook_event_types: sources and match turn an announced event into a type; disabled plugin, no type."""
    receiver = await WebhookReceiver().start()
    try:
        async with make_app(plugins=[("feedback", feedback)], webhooks_allow_private=True) as app:
            services = app.extensions["porchside"]
            acme = await create_tenant("acme", "Acme Pool Care", contact_email="office@acme.test")
            http = client_for(acme, app)
            headers = await bearer(http, acme, SCOPES)
            body = {"url": receiver.url(), "event_types": ["feedback.flagged"]}
            refused = await http.post("/api/v1/webhook_endpoints", json=body, headers=headers)
            assert refused.status_code == 422 and (await refused.get_json())["code"] == "unknown_event_type"

            with use_tenant(acme), use_services(services):
                await set_enabled("feedback", True, services.plugins, services.cache)
            created = await http.post("/api/v1/webhook_endpoints", json=body, headers=headers)
            assert created.status_code == 201
            secret = (await created.get_json())["secret"]

            with use_tenant(acme), use_services(services):
                await announce("feedback.moderated", "fb_1", "staff:ann@acme.test", action="hide")
                await announce("feedback.moderated", "fb_2", "staff:ann@acme.test", action="flag")
            await eventually(lambda: receiver.received)
            await jobs_settled(app)
            assert len(receiver.received) == 1
            _, sent_headers, sent_body = receiver.received[0]
            payload = Webhook(secret).verify(sent_body, sent_headers)
            assert payload["type"] == "feedback.flagged"
            assert payload["data"] == {"id": "fb_2", "action": "flag", "actor": "staff:ann@acme.test"}
    finally:
        await receiver.stop()


def test_duplicate_or_badly_named_webhook_event_types_stop_start_up():
    """porchside_webhook_event_types: a name another plugin (or core) declared, or a bad name, names the plugin."""

    def plugin(record: WebhookEventType):
        module = types.ModuleType("webhook_plugin")
        module.porchside_webhook_event_types = hookimpl(lambda: [record])
        module.porchside_webhook_event_types.__name__ = "porchside_webhook_event_types"
        return module

    with pytest.raises(PluginError, match="duplicate webhook event type id 'invoice.paid'"):
        PluginHost().load(extra=[("copycat", plugin(WebhookEventType("invoice.paid", "Again.")))], load_entry_points=False)
    with pytest.raises(PluginError, match="plugin 'shouty': webhook event type 'Invoice Paid' must be dotted"):
        PluginHost().load(extra=[("shouty", plugin(WebhookEventType("Invoice Paid", "Bad.")))], load_entry_points=False)
