"""AutoPay: the scheduled job that charges cards on file off-session (P5).

Every 15 minutes (``payments.autopay``, once per tenant with the plugin on;
see :mod:`core.queue.cron`), and at once when an invoice is issued in a
tenant that charges on issue, :func:`run_autopay`:

1. does nothing unless the tenant is connected to Stripe;
2. takes the accounts with AutoPay on whose default card is still on file
   (:class:`~plugins.payments.models.StripeCustomer`,
   :class:`~plugins.payments.models.SavedCard`: no API call);
3. takes their open invoices with a balance that are due by the tenant's
   rule: issued on or before today ("charge on issue") or due on or before
   today ("charge on due date"; an invoice without a due date counts from
   its issue date), today being the business's calendar day;
4. follows the retry plan per invoice: try 1 at once, try *n + 1* only
   ``autopay_retry_days`` after try *n* was made, at most
   ``1 + autopay_retries`` tries. An invoice whose last try waits for the
   customer (the bank asked for authentication) or is still processing,
   or that a try already paid, is left alone;
5. charges each one as its own attempt: :func:`~plugins.payments.settle.open_attempt`
   with ``autopay_key = "<invoice public id>:<try number>"`` (unique per
   tenant: a second run, a retried job or a second worker finds the row and
   charges nothing; an invoice another live attempt holds, e.g. the
   customer paying it in the portal right now, is ``refused``), then a
   claim on the row (a conditional UPDATE only one caller wins), then a
   PaymentIntent confirmed off-session with the default card and the
   attempt's derived Stripe idempotency key, then
   :func:`~plugins.payments.settle.sync_attempt`, which records the payment
   and announces ``payment.succeeded``, ``payment.failed`` or
   ``payment.requires_action``. :mod:`plugins.payments.notify` turns those
   into receipts, staff notifications and the customer's "pay or confirm"
   email.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from tortoise.expressions import F, Q

from core.models.billing import Invoice
from core.records import Task
from plugins.payments.models import (
    AUTOPAY,
    CREATED,
    FAILED,
    PROCESSING,
    REQUIRES_ACTION,
    SUCCEEDED,
    AttemptInvoice,
    PaymentAttempt,
    SavedCard,
    StripeCustomer,
)
from plugins.payments.settings import CHARGE_ON_ISSUE, PaymentSettings, payment_settings
from tenants.context import current_tenant

if TYPE_CHECKING:
    from core.services import Services
    from tenants.models import Tenant

log = logging.getLogger("porchside.plugins.payments")

TASK = "payments.autopay"
CRON = "*/15 * * * *"
STARTED_BY = "autopay"
# A try whose row exists but never reached Stripe (the job died in between)
# counts as made after this long, so the retry plan goes on.
STALE_AFTER = timedelta(hours=1)
# Statuses that mean "leave this invoice alone for now".
WAITING = (REQUIRES_ACTION, PROCESSING)


@dataclass
class AutopayRun:
    """What one run did, by invoice number."""

    charged: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    needs_action: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # not due for a try now (waiting, retry plan used up)
    refused: list[str] = field(default_factory=list)  # open_attempt refused (settled meanwhile...)

    def as_dict(self) -> dict[str, list[str]]:
        return {name: list(getattr(self, name)) for name in ("charged", "failed", "needs_action", "skipped", "refused")}


def autopay_key(invoice: Invoice, number: int) -> str:
    return f"{invoice.public_id}:{number}"


def attempt_key(invoice: Invoice, number: int) -> str:
    """The attempt's idempotency key at Stripe."""
    return f"autopay:{invoice.public_id}:{number}"


def try_number(attempt: PaymentAttempt) -> int:
    try:
        return int((attempt.autopay_key or "").rsplit(":", 1)[1])
    except (IndexError, ValueError):
        return 0


def next_try(attempts: list[PaymentAttempt], settings: PaymentSettings, now: datetime) -> int | None:
    """The number of the try to make now for an invoice with these AutoPay ``attempts``, or None."""
    made = 0
    last: datetime | None = None
    for attempt in attempts:
        if attempt.status == SUCCEEDED or attempt.status in WAITING:
            return None
        if attempt.status == CREATED and now - attempt.created_at < STALE_AFTER:
            return None  # being charged right now by another run
        made = max(made, try_number(attempt))
        last = attempt.created_at if last is None else max(last, attempt.created_at)
    if made >= 1 + settings.autopay_retries:
        return None
    if last is not None and now < last + timedelta(days=settings.autopay_retry_days):
        return None
    return made + 1


async def _due_invoices(settings: PaymentSettings, customers: dict[int, StripeCustomer], today, only: list[str] | None) -> list[Invoice]:
    query = Invoice.filter(status="open", account_id__in=list(customers), total_minor__gt=F("paid_minor"))
    if settings.autopay_charge_on == CHARGE_ON_ISSUE:
        query = query.filter(issued_on__lte=today)
    else:
        query = query.filter(Q(due_on__lte=today) | Q(due_on__isnull=True, issued_on__lte=today))
    if only:
        query = query.filter(public_id__in=only)
    return list(await query.order_by("due_on", "id"))


async def _autopay_customers() -> dict[int, StripeCustomer]:
    """Accounts with AutoPay on and their default card still on file, by account id."""
    customers = list(
        await StripeCustomer.filter(autopay=True, account__archived=False).exclude(default_payment_method="")
    )
    if not customers:
        return {}
    on_file = set(
        await SavedCard.filter(account_id__in=[c.account_id for c in customers]).values_list("account_id", "stripe_id")
    )
    return {c.account_id: c for c in customers if (c.account_id, c.default_payment_method) in on_file}


async def run_autopay(services: "Services", *, now: datetime | None = None, invoices: list[str] | None = None) -> AutopayRun:
    """Charge the current tenant's eligible invoices once each (see the module's description).

    :param now: the moment to judge "due" and the retry plan by (tests).
    :param invoices: only these invoice public ids (an invoice just issued).
    """
    from plugins.payments.stripe_api import is_connected

    run = AutopayRun()
    if not await is_connected(services):
        return run
    settings = await payment_settings(services)
    tenant = current_tenant()
    now = now or datetime.now(timezone.utc)
    today = now.astimezone(ZoneInfo(tenant.timezone)).date()
    customers = await _autopay_customers()
    if not customers:
        return run
    due = await _due_invoices(settings, customers, today, invoices)
    if not due:
        return run
    tries: dict[int, list[PaymentAttempt]] = defaultdict(list)
    for line in await AttemptInvoice.filter(invoice_id__in=[i.id for i in due], attempt__kind=AUTOPAY).select_related("attempt"):
        tries[line.invoice_id].append(line.attempt)
    for invoice in due:
        number = next_try(tries[invoice.id], settings, now)
        if number is None:
            run.skipped.append(invoice.number)
            continue
        outcome = await charge_invoice(invoice, customers[invoice.account_id], number, services)
        getattr(run, outcome).append(invoice.number)
    if any((run.charged, run.failed, run.needs_action)):
        log.info("AutoPay in %s: %s", tenant.slug, run.as_dict())
    return run


async def charge_invoice(invoice: Invoice, customer: StripeCustomer, number: int, services: "Services") -> str:
    """Make try ``number`` for ``invoice`` with the customer's default card.

    :return: ``charged``, ``failed``, ``needs_action``, ``skipped`` (another
        run holds this try) or ``refused``.
    """
    from plugins.payments.settle import AttemptRefused, create_intent, open_attempt, sync_attempt

    await customer.fetch_related("account")
    try:
        attempt = await open_attempt(
            customer.account, [invoice], kind=AUTOPAY, started_by=STARTED_BY,
            key=attempt_key(invoice, number), autopay_key=autopay_key(invoice, number),
        )
    except AttemptRefused as exc:
        log.info("AutoPay try %s of invoice %s refused: %s", number, invoice.public_id, exc)
        return "refused"
    method = customer.default_payment_method
    # The claim: only one caller moves the row from "no card, no intent" to "this card".
    claimed = await PaymentAttempt.filter(id=attempt.id, status=CREATED, stripe_id__isnull=True, payment_method="").update(payment_method=method)
    if not claimed:
        return "skipped"
    attempt.payment_method = method
    try:
        # A declined card does not raise: the intent carries last_payment_error.
        intent = await create_intent(
            attempt, customer=customer.stripe_id, payment_method=method, off_session=True, confirm=True, services=services
        )
    except AttemptRefused:
        return "skipped"  # taken over as abandoned by a newer attempt: that one charges
    except Exception:
        # Nothing reached Stripe, or Stripe answers the same key with the same intent: the job may retry.
        await PaymentAttempt.filter(id=attempt.id, stripe_id__isnull=True).update(payment_method="")
        raise
    attempt = await sync_attempt(attempt, intent, services=services)
    if attempt.status == SUCCEEDED:
        return "charged"
    if attempt.status == REQUIRES_ACTION:
        return "needs_action"
    if attempt.status == FAILED:
        return "failed"
    return "skipped"


async def charge_on_issue(tenant: "Tenant", invoice_public_id: str, services: "Services") -> bool:
    """An invoice was issued: with "charge on issue", run AutoPay for it now. True if queued."""
    from plugins.payments.stripe_api import is_connected

    if not invoice_public_id or not await is_connected(services):
        return False
    if (await payment_settings(services)).autopay_charge_on != CHARGE_ON_ISSUE:
        return False
    queued = await services.queue.enqueue(TASK, tenant=tenant, key=f"issued:{invoice_public_id}", invoices=[invoice_public_id])
    return queued is not None


async def autopay_task(services: "Services", invoices: list[str] | None = None) -> dict[str, list[str]]:
    """The scheduled job (and the one queued on issue), inside the tenant's scope."""
    return (await run_autopay(services, invoices=invoices)).as_dict()


TASKS = [Task(name=TASK, func=autopay_task, cron=CRON, retries=3)]
