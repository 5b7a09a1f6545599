"""Test helpers of the payments plugin (for its own tests and for other plugins').

Everything here talks to a real localstripe (the ``localstripe`` fixture of
:mod:`core.testing`); nothing fakes Stripe.

* :func:`connect_tenant_for_tests` saves test keys for a tenant, as staff
  would on the Plugins page.
* :func:`stripe_client_for` is a Stripe client on the same localstripe, for a
  test to look at what the app did or to set things up.
* :func:`card_payment_method` turns a test card number into a PaymentMethod.
* :func:`localstripe_http` is a plain HTTP client to localstripe, for what a
  browser's Stripe.js sends there (confirming a card, 3-D Secure).
* :func:`signed_event` / :func:`post_event` build a Stripe event and sign it
  exactly as Stripe does, for the events localstripe never sends (refunds,
  disputes) and for replays, stale and forged deliveries.
* :class:`WebhookRelay` (fixture ``stripe_webhook_relay``) receives
  localstripe's real webhook deliveries on 127.0.0.1 and forwards them,
  body and ``Stripe-Signature`` untouched, to the app with each connected
  tenant's Host header, like a reverse proxy in front of the portal
  (tenant hosts such as ``acme.localhost`` do not resolve here).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import ssl
import time
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import httpx
import stripe

from core.devstripe import LocalStripe
from plugins.payments.settings import PLUGIN, forget_settings
from plugins.payments.stripe_api import build_client

WEBHOOK_PATH = "/payments/webhooks/stripe"
TEST_SECRET_KEY = "sk_test_porchside_tests"
TEST_WEBHOOK_SECRET = "whsec_test"
HANDLED_EVENTS = ("payment_intent.succeeded", "payment_intent.payment_failed", "charge.refunded", "charge.dispute.created")

# Test cards (localstripe and Stripe alike).
VISA = "4242424242424242"
DECLINED_AT_CHARGE = "4000000000000341"  # attaches, then every charge is declined
DECLINED = "4000000000000002"  # declined when attached to a customer
THREE_D_SECURE = "4000002500003155"  # requires_action, even off-session on localstripe


async def connect_tenant_for_tests(
    app,
    tenant,
    localstripe: LocalStripe | None = None,
    webhook_secret: str = TEST_WEBHOOK_SECRET,
    **settings: Any,
) -> None:
    """Save Stripe test keys (and ``settings``, e.g. ``autopay_charge_on="issue"``) for ``tenant``.

    The app must have been made with ``stripe_api_base=localstripe.api_base``.
    """
    from core.plugin_state import save_plugin_settings
    from tenants.context import use_tenant

    services = app.extensions["porchside"]
    values = {
        "publishable_key": f"pk_test_{tenant.slug}",
        "secret_key": TEST_SECRET_KEY,
        "webhook_secret": webhook_secret,
        **{k: str(v) for k, v in settings.items()},
    }
    async with app.app_context():
        with use_tenant(tenant):
            await save_plugin_settings(PLUGIN, values, services.plugins, services.settings.secret_key)
            forget_settings()


def stripe_client_for(localstripe: LocalStripe, secret_key: str = TEST_SECRET_KEY) -> stripe.StripeClient:
    """A Stripe client on the test localstripe (async calls: ``client.v1.x.y_async``)."""
    return build_client(secret_key, localstripe.api_base)


async def card_payment_method(client: stripe.StripeClient, number: str = VISA, customer: str | None = None, exp_year: int = 2034):
    """A card PaymentMethod from a test number, attached to ``customer`` when given."""
    method = await client.v1.payment_methods.create_async(
        {"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": exp_year, "cvc": "123"}}
    )
    if customer:
        method = await client.v1.payment_methods.attach_async(method.id, {"customer": customer})
    return method


@cache
def _tls() -> ssl.SSLContext:
    return ssl.create_default_context()


def localstripe_http(localstripe: LocalStripe) -> httpx.AsyncClient:
    """An HTTP client on ``localstripe.api_base``, as a browser's Stripe.js reaches it (``async with``).

    It shares one TLS context: a new ``httpx.AsyncClient()`` loads the CA
    bundle again, 20 ms of CPU per client, for calls that never leave loopback.
    """
    return httpx.AsyncClient(base_url=localstripe.api_base, verify=_tls())


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header for ``payload``, computed as Stripe does (v1 = HMAC-SHA256)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signature}"


def make_event(type: str, obj: dict, event_id: str | None = None, created: int | None = None) -> dict:
    """A Stripe event (API shape) of ``type`` about ``obj``."""
    return {
        "id": event_id or f"evt_test_{secrets.token_hex(8)}",
        "object": "event",
        "api_version": "2024-06-20",
        "created": created or int(time.time()),
        "livemode": False,
        "pending_webhooks": 1,
        "type": type,
        "data": {"object": obj},
    }


def signed_event(event: dict, secret: str = TEST_WEBHOOK_SECRET, timestamp: int | None = None) -> tuple[bytes, dict]:
    """The body and headers Stripe would POST for ``event``."""
    body = json.dumps(event).encode()
    return body, {"Stripe-Signature": sign(body, secret, timestamp), "Content-Type": "application/json"}


async def post_event(client, event: dict, secret: str = TEST_WEBHOOK_SECRET, timestamp: int | None = None):
    """POST ``event``, signed with ``secret``, to the webhook endpoint through a :class:`~core.testing.TenantClient`."""
    body, headers = signed_event(event, secret, timestamp)
    return await client.post(WEBHOOK_PATH, data=body, headers=headers)


@dataclass
class Delivery:
    host: str
    type: str
    event_id: str
    status: int
    body: Any


@dataclass
class WebhookRelay:
    """localstripe -> 127.0.0.1 relay -> the app, with each tenant's Host header.

    ``add(tenant)`` makes the relay forward every event to that tenant's
    endpoint too (localstripe, like a Stripe platform, sends every event to
    every endpoint, so each tenant must ignore the others'). ``deliveries``
    lists what the app answered.
    """

    app: Any
    localstripe: LocalStripe
    secret: str = TEST_WEBHOOK_SECRET
    hosts: list[str] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    url: str = ""
    _runner: Any = None

    def add(self, tenant_or_host) -> None:
        host = tenant_or_host if isinstance(tenant_or_host, str) else f"{tenant_or_host.slug}.localhost"
        if host not in self.hosts:
            self.hosts.append(host)

    async def start(self) -> "WebhookRelay":
        from aiohttp import web

        from core.devstripe import free_port

        async def relay(request: web.Request) -> web.Response:
            body = await request.read()
            headers = {
                "Stripe-Signature": request.headers.get("Stripe-Signature", ""),
                "Content-Type": request.headers.get("Content-Type", "application/json"),
            }
            try:
                event = json.loads(body)
            except ValueError:
                event = {}
            for host in list(self.hosts):
                response = await self.app.test_client().post(WEBHOOK_PATH, data=body, headers={"Host": host, **headers})
                try:
                    answer = await response.get_json()
                except Exception:
                    answer = None
                self.deliveries.append(Delivery(host, event.get("type", ""), event.get("id", ""), response.status_code, answer))
            return web.Response(text="relayed")

        application = web.Application()
        application.router.add_post("/relay", relay)
        self._runner = web.AppRunner(application, access_log=None)
        await self._runner.setup()
        port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}/relay"
        # One registration per localstripe, replaced by each test's relay.
        self.localstripe.register_webhook("porchside-test-relay", self.url, self.secret, list(HANDLED_EVENTS))
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def received(self, event_type: str | None = None, host: str | None = None) -> list[Delivery]:
        return [d for d in self.deliveries if (event_type is None or d.type == event_type) and (host is None or d.host == host)]
