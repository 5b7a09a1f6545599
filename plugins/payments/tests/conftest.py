"""Fixtures of the payments plugin's tests: apps on localstripe, a connected tenant, real webhooks.

Built on :mod:`core.testing` and :mod:`plugins.payments.testing`. The ``app``
here talks to the session's localstripe, so every test of this folder may
use ``tenant``, ``client`` and the rest as usual.
"""

from __future__ import annotations

import pytest

from core.console.testing import sign_in_staff
from core.models.staff import StaffUser
from core.testing import TenantClient
from plugins.payments.testing import WebhookRelay, connect_tenant_for_tests, stripe_client_for
from plugins.payments.tests import spy
from tests.portal_data import PAT, PortalData


@pytest.fixture
async def app(make_app, localstripe):
    """A started app whose Stripe API base and Stripe.js are localstripe's (with the event spy)."""
    async with make_app(
        plugins=[("payments_spy", spy)], stripe_api_base=localstripe.api_base, stripe_js_url=localstripe.js_url
    ) as started:
        yield started


@pytest.fixture
def events():
    """The events announced during the test, as :mod:`plugins.payments.tests.spy` heard them."""
    spy.events.clear()
    yield spy
    spy.events.clear()


@pytest.fixture
async def connected(app, tenant, localstripe):
    """``tenant`` with Stripe test keys and the webhook secret ``whsec_test`` saved."""
    await connect_tenant_for_tests(app, tenant, localstripe)
    return tenant


@pytest.fixture
def stripe_test_client(localstripe):
    """A Stripe client on the same localstripe, to set up or inspect Stripe objects."""
    return stripe_client_for(localstripe)


@pytest.fixture
async def stripe_webhook_relay(app, localstripe):
    """Real webhook deliveries from localstripe, relayed to the app; ``relay.add(tenant)`` first."""
    relay = await WebhookRelay(app, localstripe).start()
    try:
        yield relay
    finally:
        await relay.stop()


@pytest.fixture
def portal_data(app, tenant) -> PortalData:
    return PortalData(app, tenant)


@pytest.fixture
async def pat(make_customer, tenant):
    """Pat Doe's account at acme; pat@example.com sees invoices."""
    return await make_customer(tenant, "Pat Doe", emails=[PAT])


@pytest.fixture
async def pat_client(client, pat) -> TenantClient:
    await client.sign_in_as(PAT)
    return client


@pytest.fixture
async def owner(tenant, in_tenant):
    """The business's owner (gets every staff notification by email)."""
    with in_tenant(tenant):
        return await StaffUser.create(email="owner@acme.test", name="Olive Owner", role="owner")


@pytest.fixture
async def staff_client(app, tenant, client_for):
    """A console client signed in as a staff member (role ``staff``, a technician: back-office rights only)."""
    client = client_for(tenant)
    await sign_in_staff(client, "sam@acme.test", role="staff", name="Sam Staff")
    return client


@pytest.fixture
async def admin_client(app, tenant, client_for):
    """A console client signed in as an admin (has ``money``: refunds, voids, Stripe settings)."""
    client = client_for(tenant)
    await sign_in_staff(client, "ada@acme.test", role="admin", name="Ada Admin")
    return client
