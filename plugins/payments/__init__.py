"""Payments plugin: Stripe card payments, paying many invoices, cards on file and AutoPay.

Registered through the ``porchside`` entry-point group like any third-party
plugin; it reaches core only through the hooks in :mod:`core.hookspecs`.
Its parts, each a module that hands its records to the hooks below:

* :mod:`~plugins.payments.connect`: the tenant's Stripe keys, "test
  connection", the per-tenant Stripe client (P1), and the webhook endpoint
  (:mod:`~plugins.payments.webhooks`, P6);
* :mod:`~plugins.payments.portal`: "Pay with card", paying several invoices,
  payment methods and the AutoPay switch in the portal (P2-P5);
* :mod:`~plugins.payments.autopay`: the scheduled off-session charges (P5);
* :mod:`~plugins.payments.console`: refunds and disputes for staff (P7);
* :mod:`~plugins.payments.notify`: receipts, failure emails and staff
  notifications, through the event hook (P7, P8).

``docs/payments.md`` says what customers and staff see, and where
localstripe differs from Stripe.
"""

from __future__ import annotations

from pathlib import Path

from core import hookimpl
from core.i18n import lazy_gettext
from core.console.permissions import MONEY
from core.plugin_parts import gather_records
from core.records import ModelApp, PluginInfo, StaticDir
from plugins.payments import api, autopay, connect, console, contributions, notify, portal, settings, webhooks

HERE = Path(__file__).parent
PARTS = (connect, webhooks, contributions, portal, autopay, console, notify, settings, api)
gather_records(globals(), PARTS)


@hookimpl
def porchside_plugin_info():
    return PluginInfo(
        name="payments",
        label=lazy_gettext("Payments"),
        version="0.1.0",
        description=lazy_gettext("Stripe card payments, saved cards and AutoPay."),
        default_enabled=True,
        settings_permission=MONEY,  # Stripe keys and AutoPay move money: owner and admin only
    )


@hookimpl
def porchside_model_apps():
    return [ModelApp(label="payments", modules=("plugins.payments.models",), migrations="plugins.payments.migrations")]


@hookimpl
def porchside_template_dirs():
    return [HERE / "templates"]


@hookimpl
def porchside_static_dirs():
    return [StaticDir(name="payments", path=HERE / "static")]


@hookimpl
async def porchside_event(tenant, event):
    return await notify.handle_event(tenant, event)


@hookimpl
async def porchside_demo_seed(tenant, services, today):
    return await connect.seed_demo(tenant, services, today)


@hookimpl
def porchside_webhook_event_types():
    from plugins.payments.webhook_events import EVENT_TYPES

    return EVENT_TYPES
