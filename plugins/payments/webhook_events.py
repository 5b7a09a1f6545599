"""The payments plugin's webhook event types, made from the events it announces."""

from __future__ import annotations

from core.i18n import lazy_gettext
from core.webhooks.events import WebhookEventType
from plugins.payments.settle import EVENT_FAILED, EVENT_SUCCEEDED

AUTOPAY_CHANGED = "autopay.changed"  # announced by the portal's AutoPay switch

EVENT_TYPES = [
    WebhookEventType(EVENT_SUCCEEDED, lazy_gettext("A card payment succeeded."), order=50),
    WebhookEventType(EVENT_FAILED, lazy_gettext("A card payment failed (declined, or authentication failed)."), order=51),
    WebhookEventType(AUTOPAY_CHANGED, lazy_gettext("A customer turned AutoPay on or off (data.enabled)."), order=52),
]
