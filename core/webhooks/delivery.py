"""Sending webhooks: one job per attempt, retries for three days, disabling an endpoint that keeps failing.

:func:`queue_deliveries` stores one :class:`~core.models.webhooks.WebhookDelivery`
per subscribed endpoint and queues its first attempt (``webhooks.deliver``).
An attempt is a POST of the stored body, signed afresh (new
``webhook-timestamp``, same ``webhook-id``), to the vetted address
(:mod:`core.webhooks.targets`): redirects are not followed, the timeouts
are short, and only a short excerpt of the answer is kept. A 2xx answer
delivers it; anything else schedules the next attempt after
:data:`RETRY_DELAYS` (5 s, 5 min, 30 min, 2 h, 5 h, then every 10 h: the
last about three days after the first), each its own job with a key, so a
job run twice makes one attempt. ``webhooks.sweep`` (every five minutes)
runs deliveries whose job was lost (:func:`run_due` does the same on
demand) and forgets finished deliveries after 30 days. An endpoint whose deliveries have all failed for
:data:`DISABLE_AFTER` is disabled, and the business's owners get an email.
"""

from __future__ import annotations

import functools
import logging
import ssl
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

import httpx
from cryptography.fernet import InvalidToken

from core.metrics import count_webhook
from core.models.staff import StaffUser
from core.models.webhooks import FAILED, PENDING, SUCCEEDED, WebhookDelivery, WebhookEndpoint
from core.tenant_state import tenant_changed, tenant_states
from core.webhooks.secrets import decrypt
from core.webhooks.signing import signed_headers
from core.webhooks.targets import Target, TargetRefused, resolve_target

if TYPE_CHECKING:
    from core.services import Services

log = logging.getLogger("porchside.webhooks")

DELIVER_TASK = "webhooks.deliver"
SWEEP_TASK = "webhooks.sweep"
# Seconds before attempt 2, 3, ...: Standard Webhooks' schedule, stretched to three days.
RETRY_DELAYS = (5, 300, 1800, 7200, 18000, 36000, 36000, 36000, 36000, 36000, 36000, 36000)
DISABLE_AFTER = timedelta(days=3)
CONNECT_TIMEOUT = 5.0
TIMEOUT = 10.0
EXCERPT = 500
# How long one attempt holds a delivery before another worker may try it.
LEASE = timedelta(minutes=2)
USER_AGENT = "Porchside-Webhooks/1"
# Finished deliveries stay in the console's log this long.
KEEP_LOG = timedelta(days=30)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def subscribed(endpoint: WebhookEndpoint, event_type: str) -> bool:
    return event_type in (endpoint.event_types or [])


async def queue_deliveries(services: "Services", event_type: str, body: str) -> int:
    """One delivery of ``body`` per enabled endpoint of the current tenant subscribed to ``event_type``."""
    from tenants.context import current_tenant_id

    snapshot = await tenant_states(services.cache).snapshot(current_tenant_id())
    if snapshot is not None and not snapshot.webhooks_enabled:
        return 0  # most businesses have no endpoint: no query per event
    endpoints = [e for e in await WebhookEndpoint.filter(enabled=True) if subscribed(e, event_type)]
    for endpoint in endpoints:
        delivery = await WebhookDelivery.create(endpoint=endpoint, event_type=event_type, body=body, next_attempt_at=_now())
        await enqueue_attempt(services, delivery)
    return len(endpoints)


async def enqueue_attempt(services: "Services", delivery: WebhookDelivery, delay: float = 0) -> None:
    """Queue the next attempt of ``delivery``; the key makes a repeated call queue it once."""
    from tenants.context import current_tenant

    try:
        await services.queue.enqueue(
            DELIVER_TASK, tenant=current_tenant(), key=f"{delivery.public_id}:{delivery.attempts}",
            delay=delay, delivery=delivery.public_id, attempt=delivery.attempts,
        )
    except Exception:  # the sweep picks it up
        log.exception("webhook delivery %s could not be queued; the sweep will send it", delivery.public_id)


async def deliver_task(delivery: str, attempt: int, services: "Services") -> None:
    """The ``webhooks.deliver`` job: attempt ``delivery`` if it is still at ``attempt`` attempts and due."""
    row = await WebhookDelivery.get_or_none(public_id=delivery)
    if row is None:
        # Its transaction may not be committed yet: let the queue retry.
        raise LookupError(f"webhook delivery {delivery} is not stored")
    await attempt_delivery(services, row, expected=attempt)


async def _claim(row: WebhookDelivery, expected: int) -> bool:
    """Hold the delivery for this attempt (a conditional update: one worker wins)."""
    now = _now()
    return bool(
        await WebhookDelivery.filter(
            id=row.id, status=PENDING, attempts=expected, next_attempt_at__lte=now
        ).update(next_attempt_at=now + LEASE)
    )


async def attempt_delivery(services: "Services", row: WebhookDelivery, expected: int | None = None) -> bool:
    """Make one attempt of ``row`` if it is due and nobody else is making it; True when one was made."""
    expected = row.attempts if expected is None else expected
    if not await _claim(row, expected):
        return False
    await row.refresh_from_db()
    endpoint = await WebhookEndpoint.get_or_none(id=row.endpoint_id)  # type: ignore[attr-defined]
    if endpoint is None or not endpoint.enabled:
        await WebhookDelivery.filter(id=row.id).update(
            status=FAILED, next_attempt_at=None, last_error="The endpoint is disabled.", updated_at=_now()
        )
        return True
    code, error, excerpt = await send(services, endpoint, row)
    await _record(services, endpoint, row, code, error, excerpt)
    return True


async def send(services: "Services", endpoint: WebhookEndpoint, row: WebhookDelivery) -> tuple[int | None, str, str]:
    """POST the delivery once: ``(status code or None, error, answer excerpt)``; never raises."""
    settings = services.settings
    try:
        secret = decrypt(endpoint.secret_encrypted, settings.secret_key)
    except InvalidToken:
        return None, "The signing secret no longer decrypts (the secret key changed); rotate it.", ""
    try:
        target = await resolve_target(endpoint.url, settings.webhooks_allow_private, settings.dns_nameservers)
    except TargetRefused as refused:
        return None, str(refused), ""
    headers = signed_headers(secret, row.public_id, int(_now().timestamp()), row.body)
    return await _post(target, headers, row.body)


@functools.cache
def _tls() -> ssl.SSLContext:
    """The TLS settings of every delivery, made once: httpx's default (certifi's CAs, names checked).

    A client's own context loads the CA bundle again, most of a delivery's CPU.
    """
    return httpx.create_ssl_context(verify=True, trust_env=False)


async def _post(target: Target, headers: dict[str, str], body: str) -> tuple[int | None, str, str]:
    headers = {**headers, "host": target.host_header(), "user-agent": USER_AGENT}
    timeout = httpx.Timeout(TIMEOUT, connect=CONNECT_TIMEOUT)
    # trust_env off: no proxy from the environment may carry the request elsewhere.
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False, verify=_tls()) as client:
        try:
            request = client.build_request(
                "POST", target.connect_url(), content=body.encode(), headers=headers,
                extensions={"sni_hostname": target.host},
            )
            response = await client.send(request, stream=True)
            try:
                excerpt = b""
                async for chunk in response.aiter_raw():
                    excerpt += chunk
                    if len(excerpt) >= EXCERPT:
                        break
            finally:
                await response.aclose()
        except httpx.TimeoutException:
            return None, "Timed out: the endpoint must answer within 10 seconds.", ""
        except httpx.HTTPError as exc:
            return None, f"Could not connect: {type(exc).__name__}: {exc}"[:300], ""
    text = excerpt[:EXCERPT].decode("utf-8", "replace")
    code = response.status_code
    if 300 <= code < 400:
        return code, "Answered with a redirect, which is not followed; subscribe the final URL.", text
    if not 200 <= code < 300:
        return code, f"Answered {code}; a 2xx answer is expected.", text
    return code, "", text


async def _record(
    services: "Services", endpoint: WebhookEndpoint, row: WebhookDelivery, code: int | None, error: str, excerpt: str
) -> None:
    now = _now()
    attempts = row.attempts + 1
    values = dict(attempts=attempts, last_attempt_at=now, last_status_code=code, last_error=error[:300],
                  last_response_excerpt=excerpt[:EXCERPT], updated_at=now)
    if not error:
        await WebhookDelivery.filter(id=row.id).update(status=SUCCEEDED, delivered_at=now, next_attempt_at=None, **values)
        await WebhookEndpoint.filter(id=endpoint.id).update(consecutive_failures=0, failing_since=None)
        count_webhook("out", "endpoint", "delivered")
        return
    count_webhook("out", "endpoint", "failed")
    log.info("webhook %s to %s failed on attempt %d: %s", row.public_id, endpoint.public_id, attempts, error)
    more = attempts <= len(RETRY_DELAYS)
    delay = RETRY_DELAYS[attempts - 1] if more else 0
    await WebhookDelivery.filter(id=row.id).update(
        status=PENDING if more else FAILED, next_attempt_at=now + timedelta(seconds=delay) if more else None, **values
    )
    failing_since = endpoint.failing_since or now
    await WebhookEndpoint.filter(id=endpoint.id).update(
        consecutive_failures=endpoint.consecutive_failures + 1, failing_since=failing_since
    )
    if now - failing_since >= DISABLE_AFTER:
        await disable_failing(services, endpoint, f"Every delivery failed for 3 days (last: {error})"[:300])
    elif more:
        row.attempts = attempts
        await enqueue_attempt(services, row, delay=delay)


async def disable_failing(services: "Services", endpoint: WebhookEndpoint, reason: str) -> None:
    """Disable an endpoint that keeps failing, once, and tell the business's owners by email."""
    from core.audit import record
    from core.links import portal_url
    from core.mail import MailError, send_email
    from tenants.context import current_tenant

    now = _now()
    if not await WebhookEndpoint.filter(id=endpoint.id, enabled=True).update(
        enabled=False, disabled_reason=reason, disabled_at=now, updated_at=now
    ):
        return  # already disabled (another worker, or staff)
    await tenant_changed(endpoint.tenant_id)  # a bulk update: no signal (core.tenant_state)
    await WebhookDelivery.filter(endpoint_id=endpoint.id, status=PENDING).update(
        status=FAILED, next_attempt_at=None, last_error="The endpoint was disabled.", updated_at=now
    )
    await record("webhook_endpoint.disabled", actor_type="system", actor="webhooks", target=endpoint.public_id, reason=reason)
    log.warning("webhook endpoint %s disabled: %s", endpoint.public_id, reason)
    url = await portal_url(services, current_tenant(), f"/console/webhooks/{endpoint.public_id}")
    for owner in await StaffUser.filter(role="owner", active=True):
        try:
            await send_email(
                services, to=owner.email, template="console/webhook_disabled", kind="webhook_disabled",
                context={"endpoint": endpoint, "reason": reason, "name": owner.name, "url": url},
            )
        except MailError:
            log.exception("the email about disabled endpoint %s could not be sent to %s", endpoint.public_id, owner.email)


async def run_due(services: "Services", limit: int = 100) -> int:
    """Attempt the current tenant's deliveries that are due (lost jobs, or a test moving the clock)."""
    rows = await WebhookDelivery.filter(status=PENDING, next_attempt_at__lte=_now()).order_by("next_attempt_at", "id").limit(limit)
    made = 0
    for row in rows:
        made += await attempt_delivery(services, row)
    return made


async def purge_old(keep: timedelta | None = None) -> int:
    """Drop the current tenant's finished deliveries older than :data:`KEEP_LOG` (the log is for recent trouble)."""
    cutoff = _now() - (keep or KEEP_LOG)
    return await WebhookDelivery.filter(created_at__lt=cutoff, status__in=(SUCCEEDED, FAILED)).delete()


async def sweep_task(services: "Services") -> None:
    """The ``webhooks.sweep`` cron task, per tenant: send what is due, forget what is old."""
    await run_due(services)
    await purge_old()
