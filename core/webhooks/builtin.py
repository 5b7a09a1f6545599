"""Core's webhook event types, tasks and API resource, declared through the public hooks like a plugin's."""

from __future__ import annotations

from core import hookimpl
from core.i18n import lazy_gettext
from core.records import Task
from core.webhooks.delivery import DELIVER_TASK, SWEEP_TASK, deliver_task, sweep_task
from core.webhooks.events import WebhookEventType

CORE_TYPES = [
    WebhookEventType("customer.signed_in", lazy_gettext("A customer signed in to the portal."), order=10),
    WebhookEventType("invoice.issued", lazy_gettext("An invoice was issued."), order=20),
    WebhookEventType("invoice.viewed", lazy_gettext("A customer opened an invoice in the portal."), order=21),
    WebhookEventType("invoice.paid", lazy_gettext("An invoice was paid in full (by card, or a payment staff recorded)."), order=22),
    WebhookEventType("invoice.voided", lazy_gettext("An invoice was voided."), order=23),
    WebhookEventType("payment.recorded", lazy_gettext("A payment was booked against an invoice."), order=30),
]


@hookimpl
def porchside_webhook_event_types():
    return CORE_TYPES


@hookimpl
def porchside_api_resources():
    from core.api import webhook_endpoints

    return [webhook_endpoints.RESOURCE]


@hookimpl
def porchside_tasks():
    # The job itself never retries through the queue's back-off: the delivery
    # schedules its own next attempt. Two retries cover a row not yet committed.
    return [
        Task(name=DELIVER_TASK, func=deliver_task, retries=2),
        Task(name=SWEEP_TASK, func=sweep_task, cron="*/5 * * * *", retries=0),
    ]
