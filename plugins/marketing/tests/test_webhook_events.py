"""Outgoing webhooks from the marketing plugin (issue 12): messages and service requests reach the business's system."""

from __future__ import annotations

import pytest
from standardwebhooks import Webhook

from core.testing import eventually, jobs_settled
from plugins.marketing.tests.messages.helpers import make_job, send
from plugins.marketing.tests.requests.helpers import new_request, request_id_of
from tests.webhook_receiver import WebhookReceiver, subscribe


@pytest.fixture
async def app(make_app):
    async with make_app(webhooks_allow_private=True) as started:
        yield started


async def test_a_customer_message_and_a_service_request_are_sent_signed(app, tenant, pat, pat_client, client_for):
    receiver = await WebhookReceiver().start()
    try:
        secret = await subscribe(client_for(tenant), tenant, receiver, ["message.created", "request.created"])
        job = await make_job(tenant, pat)
        await send(pat_client, f"/jobs/{job.public_id}/messages", "Is the pump still under warranty?")
        request_id = request_id_of(await new_request(pat_client, tenant))

        await eventually(lambda: len(receiver.received) >= 2)
        await jobs_settled(app)
        payloads = {p["type"]: p["data"] for p in (Webhook(secret).verify(body, sent) for _, sent, body in receiver.received)}
        assert set(payloads) == {"message.created", "request.created"} and len(receiver.received) == 2
        assert payloads["message.created"]["id"].startswith("thr_") and payloads["message.created"]["actor"] == "customer:pat@example.com"
        assert payloads["request.created"]["id"] == request_id
    finally:
        await receiver.stop()
