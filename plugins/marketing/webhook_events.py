"""The marketing plugin's webhook event types, made from the events it announces."""

from __future__ import annotations

from core.webhooks.events import WebhookEventType
from plugins.marketing.messages.notify import RECEIVED, SENT
from plugins.marketing.requests.service import CREATED

EVENT_TYPES = [
    WebhookEventType("message.created", "A message was posted in a thread, by a customer or by staff.", sources=(RECEIVED, SENT), order=60),
    WebhookEventType(CREATED, "A customer sent a service request from the portal.", order=61),
]
