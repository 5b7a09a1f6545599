"""The marketing plugin's webhook event types, made from the events it announces."""

from __future__ import annotations

from core.i18n import lazy_gettext
from core.webhooks.events import WebhookEventType
from plugins.marketing.messages.notify import RECEIVED, SENT
from plugins.marketing.requests.service import CREATED

EVENT_TYPES = [
    WebhookEventType("message.created", lazy_gettext("A message was posted in a thread, by a customer or by staff."), sources=(RECEIVED, SENT), order=60),
    WebhookEventType(CREATED, lazy_gettext("A customer sent a service request from the portal."), order=61),
]
