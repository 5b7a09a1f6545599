"""Feedback: a plugin that declares webhook event types (``porchside_webhook_event_types``).

``feedback.posted`` is sent for every announced ``feedback.posted``;
``feedback.flagged`` only for a ``feedback.moderated`` event whose
``action`` is ``flag``. Off by default, so a test can show its types are
subscribable only where it is enabled.
"""

from __future__ import annotations

from core import hookimpl
from core.records import PluginInfo
from core.webhooks.events import WebhookEventType


@hookimpl
def porchside_plugin_info():
    return PluginInfo(name="feedback", label="Feedback", default_enabled=False)


@hookimpl
def porchside_webhook_event_types():
    return [
        WebhookEventType("feedback.posted", "A customer posted feedback."),
        WebhookEventType("feedback.flagged", "Staff flagged feedback.", sources=("feedback.moderated",), match={"action": "flag"}),
    ]
