"""Fixtures of the marketing plugin's tests, built on core.testing's (what any plugin author has)."""

from __future__ import annotations

import pytest

from core.console.testing import sign_in_staff
from core.testing import TenantClient

PAT = "pat@example.com"


@pytest.fixture
async def pat(tenant, make_customer):
    """Pat's account at Acme."""
    return await make_customer(tenant, "Pat Morgan", emails=[PAT])


@pytest.fixture
async def pat_client(client, pat) -> TenantClient:
    await client.sign_in_as(PAT)
    return client


@pytest.fixture
async def staff_client(tenant, client_for) -> TenantClient:
    """Maria, a staff member of Acme, signed in on a client of her own."""
    staff = client_for(tenant)
    await sign_in_staff(staff, "maria@acme.test", role="staff", name="Maria Delgado")
    return staff
