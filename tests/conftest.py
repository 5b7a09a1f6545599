"""Core's tests use the fixtures shipped in :mod:`core.testing` (a pytest11 plugin).

Fixtures only core's own tests need live here.
"""

from __future__ import annotations

import pytest

from tests.dns_server import LoopbackDns, prove_domain


@pytest.fixture
async def loopback_dns():
    """A real DNS server on 127.0.0.1 answering TXT queries from ``records``."""
    server = await LoopbackDns().start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def verified_domain(app, loopback_dns):
    """``await verified_domain(tenant, host, primary=False)``: a custom domain verified through DNS."""

    async def factory(tenant, host: str, primary: bool = False):
        return await prove_domain(app, loopback_dns, tenant, host, primary)

    return factory
