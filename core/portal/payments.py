"""Payments in the portal (I6): what the account paid, filtered and sorted.

Every payment of the signed-in account, by any method (card payments made
through a payments plugin are rows here too), with the invoice it paid. An
address without "send invoices" (I4) gets no Payments tab and a 404 here
and on the CSV export: a list of payments tells what was billed, which is
exactly what I4 keeps from that address. Failed attempts are not payments
and do not show; pending ones show as "Processing".
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import wraps
from typing import Any, Callable

from quart import Blueprint, abort, g
from tortoise.queryset import QuerySet

from core.auth.current import login_required
from core.i18n import lazy_gettext
from core.models.billing import PAYMENT_METHODS, Payment
from core.models.customers import CustomerAccount
from core.portal.access import billing_visible, link_to, payments_visible
from core.portal.invoices import CUSTOMER_STATUSES, METHOD_LABELS, RECEIVED_STATUSES, customer_reference, method_label
from core.portal.pagination import DateRange, Sorter, choice_arg, paginate
from core.portal.views import render_portal
from core.web.rendering import tenant_today
from tenants.models import Tenant

blueprint = Blueprint("payments", __name__)
blueprint.portal_section = "payments"  # type: ignore[attr-defined]

SHOWN_STATUSES = (*RECEIVED_STATUSES, "pending")
STATUS_LABELS = {
    "succeeded": lazy_gettext("Received"),
    "partially_refunded": lazy_gettext("Partly refunded"),
    "refunded": lazy_gettext("Refunded"),
    "pending": lazy_gettext("Processing"),
    "disputed": lazy_gettext("Disputed"),
}
PERIODS = {
    "30d": lazy_gettext("Last 30 days"),
    "12m": lazy_gettext("Last 12 months"),
    "this_year": lazy_gettext("This year"),
    "last_year": lazy_gettext("Last year"),
}

SORTS = Sorter(
    {
        "date": ("received_at",),
        "amount": ("amount_minor", "received_at"),
        "method": ("method", "received_at"),
        "invoice": ("invoice__number", "received_at"),
    },
    default="-date",
)


def period_range(period: str, today: date) -> DateRange | None:
    """The days of a named period (``PERIODS``), or None for all time."""
    if period == "30d":
        return DateRange(today - timedelta(days=29), today)
    if period == "12m":
        return DateRange(today - timedelta(days=364), today)
    if period == "this_year":
        return DateRange(date(today.year, 1, 1), today)
    if period == "last_year":
        return DateRange(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))
    return None


def account_payments(account: CustomerAccount, tenant: Tenant, method: str = "", period: str = "") -> QuerySet[Payment]:
    """The payments ``account`` sees, narrowed to a method and a period (empty: all)."""
    query = Payment.filter(account_id=account.id, status__in=SHOWN_STATUSES)
    if method:
        query = query.filter(method=method)
    days = period_range(period, tenant_today(tenant))
    if days is not None:
        low, high = days.bounds(tenant)
        query = query.filter(received_at__gte=low, received_at__lt=high)
    return query


def requested_payments(account: CustomerAccount, tenant: Tenant) -> tuple[str, str, QuerySet[Payment]]:
    """The ``?method=`` and ``?period=`` asked for (empty: any) and the payments they leave."""
    method = choice_arg("method", PAYMENT_METHODS)
    period = choice_arg("period", tuple(PERIODS))
    return method, period, account_payments(account, tenant, method, period)


def invoice_shown(payment: Payment, can_see_invoices: bool) -> bool:
    """Whether the payment's invoice may be named and linked for this viewer."""
    invoice = payment.invoice
    return can_see_invoices and invoice is not None and invoice.status in CUSTOMER_STATUSES


def payments_required(view: Callable) -> Callable:
    """404 unless this address may see the account's payments (I4, issue 14).

    Under :func:`~core.auth.current.login_required`, so a signed-out visitor
    is sent to sign in first.
    """

    @wraps(view)
    async def wrapper(*args: Any, **kwargs: Any):
        if not payments_visible(g.portal):
            abort(404)
        return await view(*args, **kwargs)

    return wrapper


@blueprint.get("/payments", endpoint="list")
@login_required
@payments_required
async def payment_list():
    portal = g.portal
    sort = SORTS.parse()
    method, period, query = requested_payments(portal.account, portal.tenant)
    page = await paginate(query.select_related("invoice").order_by(*sort.order_by))
    show_invoices = billing_visible(portal)
    rows = [
        (payment, method_label(payment), customer_reference(payment), invoice_shown(payment, show_invoices))
        for payment in page.items
    ]
    return await render_portal(
        "portal/payments.html",
        page=page,
        rows=rows,
        sort=sort,
        method=method,
        period=period,
        methods=[(value, METHOD_LABELS[value]) for value in PAYMENT_METHODS],
        periods=list(PERIODS.items()),
        status_labels=STATUS_LABELS,
        filtered=bool(method or period),
        csv_url=link_to("exports.payments_csv", method=method or None, period=period or None),
        paid_invoices_url=link_to("invoices.list", status="paid") if show_invoices else None,
    )
