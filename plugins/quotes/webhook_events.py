"""The quotes plugin's webhook event types, made from the ``quote.decided`` event it announces."""

from __future__ import annotations

from core.i18n import lazy_gettext
from core.webhooks.events import WebhookEventType
from plugins.quotes.models import APPROVED, CHANGES_REQUESTED, REJECTED
from plugins.quotes.notify import DECIDED

EVENT_TYPES = [
    WebhookEventType("quote.approved", lazy_gettext("A customer approved a quote in the portal."), sources=(DECIDED,), match={"decision": APPROVED}, order=40),
    WebhookEventType("quote.rejected", lazy_gettext("A customer rejected a quote."), sources=(DECIDED,), match={"decision": REJECTED}, order=41),
    WebhookEventType("quote.changes_requested", lazy_gettext("A customer asked for changes to a quote."), sources=(DECIDED,), match={"decision": CHANGES_REQUESTED}, order=42),
]
