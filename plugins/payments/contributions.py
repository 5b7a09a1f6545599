"""What the payments plugin adds to core's portal pages, as records of the public hooks.

* **Pay with card** on an open invoice with a balance (``porchside_actions``,
  target ``invoice``);
* **Pay invoices by card** on the invoice list, to pay several at once
  (target ``invoices``);
* the **Payment methods** tab: cards on file and the AutoPay switch
  (``porchside_nav_tabs``), after Payments.

Nothing shows until the tenant connected Stripe (:func:`payments_offered`),
nor to an address that may not see invoices (I4); core shows no actions to
staff viewing the portal read-only. Predicates ask the database at most once
each; the connection is read once per request.
"""

from __future__ import annotations

from quart import url_for

from core.i18n import lazy_gettext
from core.models.billing import Invoice
from core.portal.access import billing_visible
from core.portal.context import Portal
from core.records import Action, NavTab
from plugins.payments.stripe_api import is_connected

# Tabs, actions and routes follow the portal's "invoices" section, like
# the invoices they pay.
SECTION = "invoices"


async def payments_offered(portal: Portal) -> bool:
    """The customer may pay here: signed in, sees invoices, the tenant is connected to Stripe."""
    return portal.account is not None and billing_visible(portal) and await is_connected()


def payable(invoice: Invoice) -> bool:
    """An invoice a card payment may settle: open with something left to pay."""
    return invoice.status == "open" and invoice.balance_minor > 0


def payable_invoices(account_id: int):
    """The account's invoices that can be paid now, oldest due first."""
    from tortoise.expressions import F

    return (
        Invoice.filter(account_id=account_id, status="open", total_minor__gt=F("paid_minor"))
        .order_by("due_on", "issued_on", "number")
    )


async def invoice_payable(invoice: Invoice, portal: Portal) -> bool:
    return payable(invoice) and await payments_offered(portal)


async def several_payable(account, portal: Portal) -> bool:
    if not await payments_offered(portal):
        return False
    return await payable_invoices(portal.account.id).exists()


def pay_url(invoice: Invoice) -> str:
    return url_for("card_payments.pay", invoice=invoice.public_id)


def pay_many_url(account) -> str:
    return url_for("card_payments.pay_many")


NAV_TABS = [
    NavTab(
        id="payment_methods",
        label=lazy_gettext("Payment methods"),
        endpoint="card_payments.methods",
        order=45,
        section=SECTION,
        is_shown=payments_offered,
        icon="card",
    )
]
ACTIONS = [
    Action(id="payments_pay", label=lazy_gettext("Pay with card"), target="invoice", href=pay_url, order=10, is_shown=invoice_payable, style="primary"),
    Action(id="payments_pay_many", label=lazy_gettext("Pay invoices by card"), target="invoices", href=pay_many_url, order=10, is_shown=several_payable, style="primary"),
]
