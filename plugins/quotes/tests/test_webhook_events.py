"""Outgoing webhooks from quotes (issue 12): a customer's decision reaches the business's system, signed."""

from __future__ import annotations

import pytest
from standardwebhooks import Webhook

from core.testing import eventually, jobs_settled
from plugins.quotes.tests.quote_data import make_quote
from tests.webhook_receiver import WebhookReceiver, subscribe


@pytest.fixture
async def app(make_app):
    async with make_app(webhooks_allow_private=True) as started:
        yield started


async def test_approving_and_rejecting_quotes_send_their_own_types(app, tenant, pat, pat_client, client_for):
    receiver = await WebhookReceiver().start()
    try:
        secret = await subscribe(client_for(tenant), tenant, receiver, ["quote.approved", "quote.rejected"])
        approved, rejected = await make_quote(tenant, pat), await make_quote(tenant, pat)
        ok = await pat_client.submit(f"/quotes/{approved.public_id}/approve", {"revision": "1", "signature": "Pat Morgan"})
        no = await pat_client.submit(f"/quotes/{rejected.public_id}/reject", {"revision": "1"})
        assert ok.status_code == no.status_code == 302

        await eventually(lambda: len(receiver.received) >= 2)
        await jobs_settled(app)
        payloads = {p["type"]: p["data"] for p in (Webhook(secret).verify(body, sent) for _, sent, body in receiver.received)}
        assert set(payloads) == {"quote.approved", "quote.rejected"} and len(receiver.received) == 2
        assert payloads["quote.approved"]["id"] == approved.public_id and payloads["quote.approved"]["decision"] == "approved"
        assert payloads["quote.rejected"]["id"] == rejected.public_id
    finally:
        await receiver.stop()
