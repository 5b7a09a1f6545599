"""Bulk portal invites (S5, A5): who gets one, the batch, and the task that sends it.

Staff pick customers; every distinct address of their contacts gets one
invite (:func:`core.auth.links.send_invite`), and a contact without an
address is listed as skipped. Sending happens in the background, in rounds
of :data:`ROUND_SIZE` recipients, each round a queue job of its own (so a
batch of thousands never hits the job time limit and any worker can take
the next round).

Nobody is emailed twice, whatever is clicked or retried:

* the confirm form's one-time token is the batch's ``idempotency_key``
  (unique per tenant): a second submit finds the first batch;
* each round's job key is ``<batch>:<chain>:<round>``: the queue runs it once;
* each recipient is claimed with a conditional update (``pending`` ->
  ``sending``) before its email is sent; a row left ``sending`` by a crashed
  attempt is reported as failed rather than sent again.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from babel.support import LazyProxy
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Subquery
from tortoise.functions import Count
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from core.audit import record
from core.auth.links import send_invite
from core.console.invite_email import Invitee, as_default, invitees
from core.hookspecs import hookimpl
from core.i18n import gettext as _
from core.i18n import lazy_gettext, lazy_pgettext
from core.mail import MailError
from core.models.customers import Contact, ContactEmail, CustomerAccount, normalise_email
from core.models.invites import RECIPIENT_STATUSES, InviteBatch, InviteRecipient
from core.models.staff import StaffUser
from core.records import Task
from tenants.context import current_tenant

if TYPE_CHECKING:
    from core.services import Services

log = logging.getLogger("porchside.invites")

TASK_SEND_BATCH = "console.send_invite_batch"
ROUND_SIZE = 50
# Invites of a round prepared at once: each waits mostly on the database.
SENDING_AT_ONCE = 5
REASON_MAX = 300
# Why a recipient was skipped or failed, stored in English (the source
# language) and shown in the reader's by :func:`reason_text`.
NO_EMAIL = "No email address"
NO_ACCOUNT = "The address is no longer on an active customer account"
INTERRUPTED = "Sending was interrupted; it may not have gone out. Send again if the customer did not get it."
# A recipient's status as the batch page shows it.
STATUS_LABELS = {
    "pending": lazy_pgettext("invite status", "Waiting"),
    "sending": lazy_pgettext("invite status", "Sending"),
    "sent": lazy_pgettext("invite status", "Sent"),
    "skipped": lazy_pgettext("invite status", "Skipped"),
    "failed": lazy_pgettext("invite status", "Failed"),
}


def reason_text(reason: str) -> str:
    """A stored reason in the reader's language; a mail server's own words stay as they are."""
    known = {
        NO_EMAIL: _("No email address"),
        NO_ACCOUNT: _("The address is no longer on an active customer account"),
        INTERRUPTED: _("Sending was interrupted; it may not have gone out. Send again if the customer did not get it."),
    }
    if reason in known:
        return known[reason]
    if reason.startswith(INTERRUPTED + " ("):  # with the error's type, for support
        return known[INTERRUPTED] + reason[len(INTERRUPTED) :]
    return reason


@dataclass(frozen=True)
class Recipient:
    """One line of a batch before it is stored: an address (or none) and whose it is."""

    email: str
    name: str
    contact_id: int | None


async def recipients_for(accounts: QuerySet[CustomerAccount]) -> list[Recipient]:
    """Every distinct address of the contacts of ``accounts``, then each contact without one.

    Three queries whatever the number of accounts (the accounts are a
    subquery, never a list of ids).
    """
    account_ids = Subquery(accounts.order_by().values("id"))
    rows = await ContactEmail.filter(contact__account_id__in=account_ids).select_related("contact").order_by("id")
    out: list[Recipient] = []
    seen: set[str] = set()
    for row in rows:
        if row.email in seen:
            continue
        seen.add(row.email)
        out.append(Recipient(row.email, row.contact.full_name, row.contact_id))
    with_email = Subquery(ContactEmail.filter(contact__account_id__in=account_ids).values("contact_id"))
    bare = await Contact.filter(account_id__in=account_ids).exclude(id__in=with_email).order_by("id")
    out.extend(Recipient("", contact.full_name, contact.id) for contact in bare)
    return out


def text_fingerprint(subject: str, body: str) -> str:
    """A short hash of the invite text staff reviewed, to notice a change before sending."""
    return hashlib.sha256(f"{subject}\x00{body}".encode()).hexdigest()[:20]


def _round_key(batch: InviteBatch, chain: str, number: int) -> str:
    return f"{batch.public_id}:{chain}:{number}"


async def create_batch(
    services: "Services",
    *,
    idempotency_key: str,
    created_by: str,
    subject: str,
    body: str,
    recipients: list[Recipient],
) -> tuple[InviteBatch, bool]:
    """Store a batch and its recipients, then queue its first round.

    :return: ``(batch, created)``; ``created`` is False when a batch with
        this key exists already (a double submit), which is returned untouched.
    """
    existing = await InviteBatch.get_or_none(idempotency_key=idempotency_key)
    if existing is not None:
        return existing, False
    try:
        async with in_transaction() as conn:
            batch = await InviteBatch.create(
                idempotency_key=idempotency_key,
                created_by=created_by,
                subject=subject,
                body=body,
                total=len(recipients),
                skipped=sum(1 for r in recipients if not r.email),
                using_db=conn,
            )
            await InviteRecipient.bulk_create(
                [
                    InviteRecipient(
                        batch=batch,
                        email=r.email,
                        name=r.name[:200],
                        contact_id=r.contact_id,
                        status="pending" if r.email else "skipped",
                        reason="" if r.email else NO_EMAIL,
                    )
                    for r in recipients
                ],
                batch_size=500,
                using_db=conn,
            )
    except IntegrityError:
        # The same form, submitted twice at once: the other request won.
        existing = await InviteBatch.get_or_none(idempotency_key=idempotency_key)
        if existing is None:
            raise
        return existing, False
    await record("staff.invites_queued", actor_type="staff", actor=created_by, target=batch.public_id, total=batch.total)
    await services.queue.enqueue(TASK_SEND_BATCH, tenant=current_tenant(), key=_round_key(batch, "main", 0), batch_id=batch.public_id)
    return batch, True


async def resume_batch(services: "Services", batch: InviteBatch) -> bool:
    """Queue one more round for a batch that is not done (its job was lost); False if it is done.

    Safe beside a round still running: recipients are claimed one by one.
    """
    if batch.finished:
        return False
    chain = uuid.uuid4().hex
    await services.queue.enqueue(
        TASK_SEND_BATCH, tenant=current_tenant(), key=_round_key(batch, chain, 0), batch_id=batch.public_id, chain=chain
    )
    return True


async def batch_counts(batch: InviteBatch) -> dict[str, int]:
    """Recipients of ``batch`` by status, every status present (one query)."""
    rows = await (
        InviteRecipient.filter(batch_id=batch.id).group_by("status").annotate(n=Count("id")).values("status", "n")
    )
    counts = {status: 0 for status in RECIPIENT_STATUSES}
    for row in rows:
        counts[row["status"]] = row["n"]
    return counts


async def _store_counts(batch: InviteBatch) -> dict[str, int]:
    counts = await batch_counts(batch)
    await InviteBatch.filter(id=batch.id).update(sent=counts["sent"], skipped=counts["skipped"], failed=counts["failed"])
    return counts


def _now() -> datetime:
    return datetime.now(timezone.utc)


async def _settle(row_id: int, status: str, reason: str = "") -> None:
    await InviteRecipient.filter(id=row_id).update(status=status, reason=reason[:REASON_MAX], updated_at=_now())


@dataclass(frozen=True)
class _Round:
    """What every invite of a round shares, looked up once: the text and the addresses' accounts and names."""

    subject: str | LazyProxy
    body: str | LazyProxy
    invitees: dict[str, Invitee]

    @classmethod
    async def of(cls, batch: InviteBatch, rows: list[InviteRecipient]) -> "_Round":
        # Two queries a round instead of two an invite; as_default's look through every language, once.
        return cls(as_default(batch.subject), as_default(batch.body), await invitees([row.email for row in rows]))


async def _send_one(services: "Services", batch: InviteBatch, row: InviteRecipient, round_: "_Round") -> None:
    """Send the invite of one claimed row and record what happened to it."""
    try:
        sent = await send_invite(
            services, row.email, invited_by=batch.created_by, subject=round_.subject, body=round_.body,
            invitee=round_.invitees.get(normalise_email(row.email)),
        )
    except MailError as exc:
        await _settle(row.id, "failed", str(exc))
        return
    except Exception as exc:
        # Not knowing whether it went out, never send it again: report it.
        await _settle(row.id, "failed", f"{INTERRUPTED} ({type(exc).__name__})")
        raise
    await _settle(row.id, "sent" if sent else "skipped", "" if sent else NO_ACCOUNT)


async def send_batch_task(services: "Services", batch_id: str, chain: str = "main", round_no: int = 0) -> None:
    """Background task: send one round of a batch, then queue the next or finish it.

    ``chain`` names a sequence of rounds (``main``, or a resume's own), so
    each round's job key is used once.
    """
    batch = await InviteBatch.get_or_none(public_id=batch_id)
    if batch is None or batch.finished:
        return
    if batch.status == "queued":
        await InviteBatch.filter(id=batch.id, status="queued").update(status="running")
    pending = await InviteRecipient.filter(batch_id=batch.id, status="pending").order_by("id").limit(ROUND_SIZE)
    round_ = await _Round.of(batch, pending)
    slots = asyncio.Semaphore(SENDING_AT_ONCE)

    async def claim_and_send(row: InviteRecipient) -> None:
        async with slots:
            if await InviteRecipient.filter(id=row.id, status="pending").update(status="sending", updated_at=_now()):
                await _send_one(services, batch, row, round_)

    outcomes = await asyncio.gather(*(claim_and_send(row) for row in pending), return_exceptions=True)
    failure = next((o for o in outcomes if isinstance(o, BaseException)), None)
    if failure is not None:
        raise failure  # the queue retries the round; sent rows stay sent
    if await InviteRecipient.filter(batch_id=batch.id, status="pending").exists():
        await _store_counts(batch)
        await services.queue.enqueue(
            TASK_SEND_BATCH, tenant=current_tenant(), key=_round_key(batch, chain, round_no + 1),
            batch_id=batch_id, chain=chain, round_no=round_no + 1,
        )
        return
    await _finish(services, batch)


async def _finish(services: "Services", batch: InviteBatch) -> None:
    """Close a batch once: settle stale rows, store the counts, tell the sender, then mark it done.

    ``finished_at`` is claimed first (a conditional update), so two rounds
    ending together report once; ``done`` comes last, so a page that sees
    the batch done sees everything that goes with it.
    """
    await InviteRecipient.filter(batch_id=batch.id, status="sending").update(status="failed", reason=INTERRUPTED, updated_at=_now())
    if not await InviteBatch.filter(id=batch.id, finished_at__isnull=True).update(finished_at=_now()):
        await InviteBatch.filter(id=batch.id).update(status="done")  # another round reported it
        return
    counts = await _store_counts(batch)
    await record(
        "staff.invites_finished", actor_type="system", target=batch.public_id,
        sent=counts["sent"], skipped=counts["skipped"], failed=counts["failed"],
    )
    creator = await StaffUser.get_or_none(email=batch.created_by, active=True)
    if creator is not None:
        from core.notifications import notify_staff

        await notify_staff(
            services,
            kind="invites.finished",
            # Lazy: written in the sender's language (a background task has no reader of its own).
            title=lazy_gettext(
                "Portal invites finished: %(sent)d sent, %(skipped)d skipped, %(failed)d failed",
                sent=counts["sent"], skipped=counts["skipped"], failed=counts["failed"],
            ),
            link=f"/console/customers/invites/{batch.public_id}",
            staff=creator,
        )
    await InviteBatch.filter(id=batch.id).update(status="done")


@hookimpl
def porchside_tasks():
    return [Task(name=TASK_SEND_BATCH, func=send_batch_task, retries=3)]
