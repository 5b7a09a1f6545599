"""Fixtures of the readings plugin's tests.

Core's fixtures (``app``, ``tenant``, ``client``, ``make_customer``,
``in_tenant``...) come from Porchside's pytest plugin; the readings plugin
is found through its entry point, so it must be installed
(``pip install ./examples/readings``), as in CI, where the tests import the
installed package, never this source tree.
"""

from __future__ import annotations

import pytest


@pytest.fixture
async def pool(tenant, make_customer, in_tenant):
    """Pat's pool at acme: three completed visits with readings (the last one with chlorine low and pH high)."""
    from readings_testdata import add_readings, make_pool

    pool = await make_pool(tenant, make_customer, in_tenant)
    first, second, last = pool.visits
    await add_readings(tenant, in_tenant, first, c=(pool.chlorine, 2500), p=(pool.ph, 7400), t=(pool.temperature, 78000))
    await add_readings(tenant, in_tenant, second, c=(pool.chlorine, 1800), p=(pool.ph, 7600))
    await add_readings(tenant, in_tenant, last, c=(pool.chlorine, 400), p=(pool.ph, 8125), t=(pool.temperature, 80500))
    return pool


@pytest.fixture
async def pat_client(client, pool):
    from readings_testdata import PAT

    await client.sign_in_as(PAT)
    return client
