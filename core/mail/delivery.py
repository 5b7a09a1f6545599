"""The ``mail.deliver`` task: send one stored email, retried until it goes or fails for good.

Each attempt is counted on the email (``attempts``, ``last_error``) and
logged. A temporary failure (server down, timeout, 4xx) raises so the queue
retries with back-off; on the last attempt, or when the server refuses the
recipient or the message for good (5xx), the email ends ``failed`` with its
error kept: never lost silently. With no SMTP server configured and the dev
outbox on, delivery only marks the email sent: it stays readable at
``/_dev/outbox``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from core.mail.message import build_message
from core.mail.smtp import is_permanent, send_message
from core.metrics import count_email
from core.models.mail import OutboundEmail
from core.queue import JobInfo, NoRetry
from core.storage import StorageError
from tenants.context import current_tenant, use_tenant
from tenants.models import Tenant

if TYPE_CHECKING:
    from core.services import Services

log = logging.getLogger("porchside.mail")

DELIVER_TASK = "mail.deliver"

# Attempts after the first; with the default back-off (10 s doubling up to
# 30 min) the last one comes about an hour and a half after the first.
DELIVERY_RETRIES = 10


class EmailNotStored(LookupError):
    """The email is not in the database (yet: its transaction may not be committed)."""


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


async def deliver_email(email_id: str, services: "Services", job: JobInfo) -> None:
    """Deliver the email with public id ``email_id`` of the current tenant."""
    email = await OutboundEmail.get_or_none(public_id=email_id)
    if email is None:
        raise EmailNotStored(f"email {email_id} is not stored")
    if email.status != "queued":
        return  # already sent or failed: a repeated job does nothing
    settings = services.settings
    email.attempts += 1
    if settings.smtp_url is None:
        if settings.dev_outbox:
            await _mark_sent(email)
            log.info("email %s (%s) kept in the dev outbox", email.public_id, email.kind)
        else:
            email.status = "failed"
            email.last_error = "no SMTP server is configured (PORCHSIDE_SMTP_URL) and the dev outbox is off"
            await email.save(update_fields=["attempts", "status", "last_error"])
            count_email("failed")
            log.error("email %s to %s not sent: %s", email.public_id, email.to, email.last_error)
        return
    try:
        message = await build_message(services, email, current_tenant())
        await send_message(settings.smtp_url, message)
    except Exception as exc:
        permanent = isinstance(exc, StorageError) or is_permanent(exc)
        email.last_error = _describe(exc)
        if permanent or job.final:
            email.status = "failed"
        await email.save(update_fields=["attempts", "status", "last_error"])
        count_email("failed" if email.status == "failed" else "retry")
        if email.status == "failed":
            log.error("email %s to %s failed for good after %d attempt(s): %s", email.public_id, email.to, email.attempts, email.last_error)
        else:
            log.warning("email %s to %s: attempt %d failed, will retry: %s", email.public_id, email.to, email.attempts, email.last_error)
        if permanent:
            raise NoRetry(email.last_error) from exc
        raise
    await _mark_sent(email)
    log.info("email %s (%s) sent to %s", email.public_id, email.kind, email.to)


async def _mark_sent(email: OutboundEmail) -> None:
    email.status = "sent"
    email.sent_at = datetime.now(timezone.utc)
    await email.save(update_fields=["attempts", "status", "sent_at"])
    count_email("sent")


async def requeue_waiting(services: "Services") -> int:
    """Queue again every email still ``queued``, in every active tenant.

    For the in-process queue, whose jobs die with the process: run at start,
    it delivers what the last run stored but did not send. The job key is the
    email's public id, so an email already queued is not queued twice.

    :return: how many emails were queued.
    """
    count = 0
    for tenant in await Tenant.filter(disabled_at__isnull=True).order_by("id"):
        with use_tenant(tenant):
            waiting = await OutboundEmail.filter(status="queued").values_list("public_id", flat=True)
        for public_id in waiting:
            if await services.queue.enqueue(DELIVER_TASK, tenant=tenant, key=public_id, email_id=public_id):
                count += 1
    if count:
        log.info("queued %d email(s) left unsent by the last run", count)
    return count
