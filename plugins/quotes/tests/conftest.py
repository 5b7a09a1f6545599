"""Fixtures of the quotes plugin's tests, built on core.testing's (what any plugin author has)."""

from __future__ import annotations

import pytest

from core.console.testing import sign_in_staff
from core.models.staff import StaffUser
from core.testing import TenantClient
from plugins.quotes.tests.quote_data import PAT, SAM


@pytest.fixture
async def pat(tenant, make_customer):
    """Pat's account at Acme, with a second address (Sam) that sees no invoices."""
    return await make_customer(tenant, "Pat Morgan", emails=[PAT, SAM], no_invoices=[SAM])


@pytest.fixture
async def pat_client(client, pat) -> TenantClient:
    await client.sign_in_as(PAT)
    return client


@pytest.fixture
async def creator(tenant, client_for) -> StaffUser:
    """The staff member who creates the quotes (signed in on a client of their own)."""
    return await sign_in_staff(client_for(tenant), "maria@acme.test", role="staff", name="Maria Delgado")


@pytest.fixture
async def staff_client(tenant, client_for, creator) -> TenantClient:
    client = client_for(tenant)
    await sign_in_staff(client, creator.email)
    return client
