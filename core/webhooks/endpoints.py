"""Managing endpoints: one set of rules for the API resource and the console page.

Creating an endpoint checks its URL with the SSRF guard (the DNS check is
repeated before every delivery, since a name can change) and its event
types against the ones the business can subscribe to, and returns the
``whsec_`` secret once. Resending a delivery puts it back in the queue with
its ``webhook-id`` unchanged, so the receiver can tell it already has it.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

from core.models.webhooks import FAILED, PENDING, SUCCEEDED, WebhookDelivery, WebhookEndpoint
from core.tenant_state import tenant_changed
from core.webhooks.delivery import enqueue_attempt
from core.webhooks.events import available_types
from core.webhooks.secrets import encrypt, new_secret
from core.webhooks.targets import TargetRefused, resolve_target

if TYPE_CHECKING:
    from core.services import Services

MAX_ENDPOINTS = 20
MAX_TYPES = 50


class EndpointRefused(ValueError):
    """Bad input for an endpoint; ``field`` names it, ``code`` is stable for the API."""

    def __init__(self, field: str, code: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.code = code
        self.message = message


async def check_url(services: "Services", url: str) -> str:
    url = url.strip()
    try:
        await resolve_target(url, services.settings.webhooks_allow_private, services.settings.dns_nameservers)
    except TargetRefused as refused:
        raise EndpointRefused("url", "url_refused", str(refused)) from None
    return url


async def check_types(services: "Services", event_types: list[str]) -> list[str]:
    known = {t.name for t in await available_types(services)}
    chosen = list(dict.fromkeys(event_types))
    if not chosen:
        raise EndpointRefused("event_types", "event_types_empty", "Choose at least one event type.")
    if len(chosen) > MAX_TYPES:
        raise EndpointRefused("event_types", "too_many", f"Choose at most {MAX_TYPES} event types.")
    unknown = [name for name in chosen if name not in known]
    if unknown:
        raise EndpointRefused("event_types", "unknown_event_type", f"Unknown event type {unknown[0]!r}; the types are listed in the docs.")
    return chosen


async def create_endpoint(
    services: "Services", url: str, event_types: list[str], created_by: str, description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """A new enabled endpoint of the current tenant and its secret (shown once).

    :raises EndpointRefused: a refused URL, unknown types, or too many endpoints.
    """
    url = await check_url(services, url)
    types = await check_types(services, event_types)
    if await WebhookEndpoint.all().count() >= MAX_ENDPOINTS:
        raise EndpointRefused("url", "too_many_endpoints", f"A business can have at most {MAX_ENDPOINTS} webhook endpoints.")
    secret = new_secret()
    endpoint = await WebhookEndpoint.create(
        url=url, event_types=types, description=description.strip()[:200], created_by=created_by[:254],
        secret_encrypted=encrypt(secret, services.settings.secret_key),
    )
    return endpoint, secret


async def set_enabled(endpoint: WebhookEndpoint, enabled: bool) -> bool:
    """Enable (clearing the failure streak) or disable; False when it already was."""
    now = datetime.now(timezone.utc)
    if enabled:
        values = dict(enabled=True, disabled_reason="", disabled_at=None, consecutive_failures=0, failing_since=None, updated_at=now)
    else:
        values = dict(enabled=False, disabled_reason="Disabled by staff.", disabled_at=now, updated_at=now)
    changed = await WebhookEndpoint.filter(id=endpoint.id, enabled=not enabled).update(**values)
    if changed:
        await tenant_changed(endpoint.tenant_id)  # a bulk update: no signal (core.tenant_state)
    await endpoint.refresh_from_db()
    return bool(changed)


async def resend(services: "Services", delivery: WebhookDelivery, seen_attempts: int | None = None) -> bool:
    """Send a finished delivery again, same ``webhook-id``; False when it is already on its way.

    A conditional update from succeeded or failed to pending decides; with
    ``seen_attempts`` (the count the person saw on the page) it also
    requires that no attempt was made since, so a double click sends once
    even when the first resend was already delivered in between.
    """
    now = datetime.now(timezone.utc)
    query = WebhookDelivery.filter(id=delivery.id, status__in=(SUCCEEDED, FAILED))
    if seen_attempts is not None:
        query = query.filter(attempts=seen_attempts)
    changed = await query.update(status=PENDING, next_attempt_at=now, updated_at=now)
    if not changed:
        return False
    await delivery.refresh_from_db()
    await enqueue_attempt(services, delivery)
    return True
