"""Core's tests use the fixtures shipped in :mod:`core.testing` (a pytest11 plugin).

Fixtures only core's own tests need live here, and the order in which
``--dist loadfile`` hands test files to the workers (:mod:`tests.longest_first`).
"""

from __future__ import annotations

import pytest

from tests.dns_server import LoopbackDns, prove_domain


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Longest test files first under ``--dist loadfile`` (the suite's default)."""
    if config.getvalue("dist") == "loadfile":
        from tests.longest_first import LongestFirstScheduling

        return LongestFirstScheduling(config, log)
    return None


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
