"""The Stripe client of the current tenant.

Each tenant brings its own Stripe account (its own secret key), so there is
no process-wide ``stripe.api_key``: :func:`stripe_client` builds a
:class:`stripe.StripeClient` for the tenant's key, pointed at
``PORCHSIDE_STRIPE_API_BASE`` (Stripe itself by default, localstripe in
tests and the demo). Stripe Connect can later swap the key for the
platform's key plus ``stripe_account`` here, without touching callers.

Clients are cached per event loop, tenant, key and API base: HTTPX
connection pools belong to one event loop, and a changed key gets a new
client at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import weakref

import stripe
from plugins.payments.settings import PaymentSettings, _services, payment_settings
from tenants.context import current_tenant_id


class NotConnected(Exception):
    """The current tenant has not saved its Stripe keys: payments are not offered."""


_clients: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple, stripe.StripeClient]]" = weakref.WeakKeyDictionary()


def build_client(secret_key: str, api_base: str) -> stripe.StripeClient:
    """A Stripe client for ``secret_key`` at ``api_base`` using the async HTTPX transport."""
    return stripe.StripeClient(
        secret_key,
        base_addresses={"api": api_base},
        http_client=stripe.HTTPXClient(),
        max_network_retries=1,
    )


def client_for_key(secret_key: str, api_base: str) -> stripe.StripeClient:
    """The cached client of this event loop for ``secret_key`` at ``api_base``."""
    loop = asyncio.get_running_loop()
    per_loop = _clients.setdefault(loop, {})
    cache_key = (hashlib.sha256(secret_key.encode()).hexdigest(), api_base)
    client = per_loop.get(cache_key)
    if client is None:
        client = per_loop[cache_key] = build_client(secret_key, api_base)
    return client


async def stripe_client(services=None) -> stripe.StripeClient:
    """The current tenant's Stripe client.

    :raises NotConnected: the tenant has no Stripe keys saved.
    """
    services = _services(services)
    settings: PaymentSettings = await payment_settings(services)
    if not settings.connected:
        raise NotConnected("Stripe is not connected for this business.")
    current_tenant_id()  # a client is always used inside a tenant's scope
    return client_for_key(settings.secret_key, services.settings.stripe_api_base)


async def is_connected(services=None) -> bool:
    """Whether the current tenant saved its Stripe keys (read once per request)."""
    return (await payment_settings(services)).connected


def stripe_js_url(services=None) -> str:
    """Where the browser loads Stripe.js from (localstripe's stand-in in tests and the demo)."""
    return _services(services).settings.stripe_js_url


def api_base(services=None) -> str:
    return _services(services).settings.stripe_api_base


def is_local_stripe(services=None) -> bool:
    """Whether the API base is on this machine (localstripe), never Stripe itself."""
    from urllib.parse import urlsplit

    host = urlsplit(api_base(services)).hostname or ""
    return host in ("127.0.0.1", "localhost", "::1")
