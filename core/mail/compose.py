"""``send_email``: render, store and queue an email, then return at once.

The page that sends an email never waits on SMTP: the email is stored as an
:class:`~core.models.mail.OutboundEmail` with status ``queued`` and a
delivery job keyed by its public id is enqueued (:mod:`core.mail.delivery`).

Inside :func:`deferred_delivery` the row is only stored (an outbox row)
and queued after the caller's transaction commits, so an operation that
must be all-or-nothing (``porchside tenant create``) never depends on Redis
answering. Inside it or not, an email that could not be queued stays
``queued`` and the worker's relay (:func:`~core.mail.delivery.requeue_waiting`)
queues it once Redis is back.
"""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

from core.mail.addresses import clean_address, header_text
from core.mail.delivery import DELIVER_TASK
from core.mail.errors import MailError
from core.mail.render import render_email
from core.models.mail import OutboundEmail
from tenants.context import current_tenant

if TYPE_CHECKING:
    from core.services import Services

log = logging.getLogger("porchside.mail")

# While set, send_email stores emails here instead of queueing them (see deferred_delivery).
_deferred: ContextVar[list | None] = ContextVar("porchside_deferred_emails", default=None)


@contextmanager
def deferred_delivery():
    """Collect the emails sent in the block as ``(tenant, email)`` pairs, stored but not queued.

    The caller queues them with :func:`queue_deferred` once its transaction
    has committed.
    """
    collected: list = []
    token = _deferred.set(collected)
    try:
        yield collected
    finally:
        _deferred.reset(token)


async def queue_deferred(services: "Services", collected: list) -> list[str]:
    """Queue the collected emails; return a line for each one that must wait for the relay."""
    waiting = []
    for tenant, email in collected:
        try:
            await services.queue.enqueue(DELIVER_TASK, tenant=tenant, key=email.public_id, email_id=email.public_id)
        except Exception as exc:
            # Still "queued" in the database: the worker's relay queues it once Redis answers.
            log.warning("email %s to %s stored, queued later: %s: %s", email.public_id, email.to, type(exc).__name__, exc)
            waiting.append(f"the email to {email.to} is stored and will be sent when the queue (Redis) answers: {type(exc).__name__}")
    return waiting


_CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9.+-]*/[a-z0-9][a-z0-9.+-]*$")


@dataclass(frozen=True)
class Attachment:
    """A file from the tenant's storage to attach (``services.storage`` key)."""

    filename: str
    content_type: str
    storage_key: str


def _attachment_record(item: Attachment | Mapping[str, Any]) -> dict[str, str]:
    if isinstance(item, Attachment):
        item = {"filename": item.filename, "content_type": item.content_type, "storage_key": item.storage_key}
    record = {name: str(item.get(name) or "") for name in ("filename", "content_type", "storage_key")}
    header_text(record["filename"], "attachment's file name")
    if not record["filename"] or not record["storage_key"]:
        raise MailError("An attachment needs a file name and a storage key.")
    if not _CONTENT_TYPE.match(record["content_type"].lower()):
        raise MailError(f"The attachment's type {record['content_type']!r} is not a content type like application/pdf.")
    return record


async def send_email(
    services: "Services",
    *,
    to: str,
    template: str,
    context: dict,
    kind: str,
    attachments: list[Attachment | Mapping[str, Any]] | None = None,
) -> OutboundEmail:
    """Render ``emails/<template>.txt`` and ``.html``, store the email and queue it.

    Must run inside a tenant scope: the tenant's name is the sender name, its
    contact email the Reply-To, its branding the layout, its primary host
    every link.

    :param kind: what the email is (``magic_link``, ``invoice``), for the
        outbox and for finding emails of one kind.
    :param attachments: :class:`Attachment` records or mappings with the same keys.
    :return: the stored email, still ``queued``.
    :raises MailError: a bad address, a subject or sender name with a line
        break, or a bad attachment; nothing is stored then.
    :raises NoTenantError: outside a tenant scope.
    """
    tenant = current_tenant()
    to = clean_address(to)
    header_text(tenant.name, "business name")
    if not kind or len(kind) > 60:
        raise MailError("An email needs a kind of at most 60 characters.")
    files = [_attachment_record(item) for item in attachments or []]
    rendered = await render_email(services, tenant, template, context, recipient=to)
    header_text(rendered.subject, "subject")
    if not rendered.subject:
        raise MailError(f"The subject of the {template!r} email is empty.")
    if len(rendered.subject) > 300:
        raise MailError("The subject is longer than 300 characters.")
    email = await OutboundEmail.create(
        kind=kind, to=to, subject=rendered.subject, text=rendered.text, html=rendered.html, attachments=files
    )
    collected = _deferred.get()
    if collected is not None:
        collected.append((tenant, email))
        return email
    try:
        await services.queue.enqueue(DELIVER_TASK, tenant=tenant, key=email.public_id, email_id=email.public_id)
    except Exception as exc:
        # Stored but not queued (Redis is away): the row stays "queued", an
        # outbox row the worker's relay (requeue_waiting, every minute) queues
        # once Redis answers; marking it failed would drop an email that is
        # only late.
        log.warning(
            "email %s to %s stored, queued later by the relay: %s: %s", email.public_id, to, type(exc).__name__, exc
        )
    return email
