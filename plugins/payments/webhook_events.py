"""The payments plugin's webhook event types, made from the events it announces."""

from __future__ import annotations

from core.webhooks.events import WebhookEventType
from plugins.payments.settle import EVENT_FAILED, EVENT_SUCCEEDED

AUTOPAY_CHANGED = "autopay.changed"  # announced by the portal's AutoPay switch

EVENT_TYPES = [
    WebhookEventType(EVENT_SUCCEEDED, "A card payment succeeded.", order=50),
    WebhookEventType(EVENT_FAILED, "A card payment failed (declined, or authentication failed).", order=51),
    WebhookEventType(AUTOPAY_CHANGED, "A customer turned AutoPay on or off (data.enabled).", order=52),
]
