"""Set-up shared by the AutoPay, receipt, notification and refund tests.

Cards on file are made with the Stripe SDK on localstripe and mirrored in
:class:`~plugins.payments.models.StripeCustomer` / :class:`SavedCard` rows,
as the portal's Payment methods page leaves them. Payments are made with
the real :mod:`plugins.payments.settle` functions, so what the tests see
is what a customer's payment produces.
"""

from __future__ import annotations

import secrets
from datetime import datetime

import pytest

from core.services import use_services

from plugins.payments.autopay import AutopayRun, run_autopay
from plugins.payments.models import ON_SESSION, PaymentAttempt, SavedCard, StripeCustomer
from plugins.payments.settle import create_intent, open_attempt, sync_attempt
from plugins.payments.testing import VISA, card_payment_method
from plugins.payments.tests import spy
from tenants.context import use_tenant


@pytest.fixture(name="app")
async def smtp_app(make_app, localstripe, smtp_server):
    """The payments tests' ``app``, delivering email to the ``smtp_server`` fixture (import it as a fixture)."""
    async with make_app(
        plugins=[("payments_spy", spy)], stripe_api_base=localstripe.api_base, stripe_js_url=localstripe.js_url,
        smtp_url=smtp_server.url, dev_outbox=False,
    ) as started:
        yield started


def services_of(app):
    return app.extensions["porchside"]


async def card_on_file(app, tenant, account, stripe_client, number: str = VISA, autopay: bool = True) -> StripeCustomer:
    """A Stripe customer for ``account`` with one card (the default), AutoPay on unless told otherwise."""
    customer = await stripe_client.v1.customers.create_async({"name": account.name})
    method = await card_payment_method(stripe_client, number, customer=customer.id)
    await stripe_client.v1.customers.update_async(customer.id, {"invoice_settings": {"default_payment_method": method.id}})
    with use_tenant(tenant):
        row = await StripeCustomer.create(account=account, stripe_id=customer.id, default_payment_method=method.id, autopay=autopay)
        await SavedCard.create(
            account=account, stripe_id=method.id, brand=method.card.brand, last4=method.card.last4,
            exp_month=12, exp_year=2034, is_default=True,
        )
    return row


async def autopay(app, tenant, now: datetime | None = None, invoices: list[str] | None = None) -> AutopayRun:
    """One AutoPay run in ``tenant``, as the scheduled job makes it (no request, no app context)."""
    services = services_of(app)
    with use_tenant(tenant), use_services(services):
        return await run_autopay(services, now=now, invoices=invoices)


async def pay_by_card(app, tenant, account, invoices, stripe_client, number: str = VISA, started_by: str = "pat@example.com") -> PaymentAttempt:
    """Pay ``invoices`` of ``account`` in one card payment, as the portal does (one PaymentIntent)."""
    services = services_of(app)
    customer = await stripe_client.v1.customers.create_async({"name": account.name})
    method = await card_payment_method(stripe_client, number, customer=customer.id)
    async with app.app_context():
        with use_tenant(tenant):
            attempt = await open_attempt(account, invoices, kind=ON_SESSION, started_by=started_by, key=secrets.token_urlsafe(16))
            intent = await create_intent(attempt, customer=customer.id, payment_method=method.id, confirm=True, services=services)
            return await sync_attempt(attempt, intent, services=services)
