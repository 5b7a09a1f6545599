"""Outgoing webhooks from card payments (issue 12): a customer pays by card, the business's system hears it, signed.

End to end against localstripe: the customer adds a card and pays an
invoice in the portal; a loopback receiver gets ``payment.succeeded`` and
``invoice.paid``, verified by the ``standardwebhooks`` reference package.
"""

from __future__ import annotations

import pytest
from standardwebhooks import Webhook

from core.testing import eventually, jobs_settled
from plugins.payments.testing import VISA
from plugins.payments.tests import spy
from plugins.payments.tests.test_portal import add_card, pay, pay_form
from tests.webhook_receiver import WebhookReceiver, subscribe


@pytest.fixture
async def app(make_app, localstripe):
    """The payments test app, allowed to send webhooks to the loopback receiver."""
    async with make_app(
        plugins=[("payments_spy", spy)], stripe_api_base=localstripe.api_base, stripe_js_url=localstripe.js_url,
        webhooks_allow_private=True,
    ) as started:
        yield started


@pytest.fixture
async def receiver():
    server = await WebhookReceiver().start()
    try:
        yield server
    finally:
        await server.stop()


async def test_paying_an_invoice_by_card_sends_signed_invoice_paid(app, connected, pat, pat_client, portal_data, localstripe, receiver, client_for):
    tenant = connected
    secret = await subscribe(client_for(tenant), tenant, receiver, ["invoice.paid", "payment.succeeded", "autopay.changed"])

    invoice = await portal_data.invoice(pat, lines=[("Pool service", 1000, 12345)])
    _, key = await pay_form(pat_client, f"/payments/pay?invoice={invoice.public_id}")
    card = await add_card(pat_client, localstripe, tenant, VISA)
    response = await pay(pat_client, invoice, card["card"], key)
    assert response.status_code == 302

    def by_type():
        return {Webhook(secret).verify(body, sent)["type"]: Webhook(secret).verify(body, sent) for _, sent, body in receiver.received}

    received = await eventually(lambda: by_type() if {"invoice.paid", "payment.succeeded"} <= set(by_type()) else None)
    paid = received["invoice.paid"]["data"]
    assert paid["id"] == invoice.public_id and paid["number"] == invoice.number and paid["total_minor"] == 12345
    succeeded = received["payment.succeeded"]["data"]
    assert succeeded["amount_minor"] == 12345 and succeeded["card_last4"] == "4242"

    # AutoPay switched on in the portal is heard too.
    await jobs_settled(app)
    before = len(receiver.received)
    switched = await pat_client.submit("/payment-methods/autopay", {"autopay": "on"})
    assert switched.status_code == 302
    await eventually(lambda: len(receiver.received) > before)
    _, sent, body = receiver.received[-1]
    autopay = Webhook(secret).verify(body, sent)
    assert autopay["type"] == "autopay.changed" and autopay["data"]["enabled"] is True and autopay["data"]["id"] == pat.public_id
