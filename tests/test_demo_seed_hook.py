"""The ``porchside_demo_seed`` hook: plugins add their demo data after core's, once per business."""

from __future__ import annotations

from datetime import date

import pytest

from core.demo import seed_demo
from core.demo.pipeworks import PIPEWORKS
from core.models.jobs import Note
from tenants.context import use_tenant
from tests.plugins import warranty


@pytest.fixture(autouse=True)
def _forget_what_the_plugin_saw():
    warranty.seeded.clear()


async def test_demo_seed_hook_runs_once_per_new_business_inside_its_scope(make_app):
    """porchside_demo_seed: called with the tenant, the services and the demo's day, after core's rows."""
    async with make_app(plugins=[("warranty", warranty)]) as app:
        services = app.extensions["porchside"]
        day = date(2031, 3, 10)
        [seeded] = await seed_demo(services.storage, specs=(PIPEWORKS,), today=day, services=services)
        assert warranty.seeded == [("pipeworks", day, services)]
        with use_tenant(seeded.tenant):
            # Inside the tenant's scope, with core's jobs already there.
            assert await Note.filter(body=warranty.DEMO_NOTE).count() == 1

        # Seeding again leaves the business alone: the hook is not called again.
        again = await seed_demo(services.storage, specs=(PIPEWORKS,), today=day, services=services)
        assert [item.created for item in again] == [False]
        assert len(warranty.seeded) == 1


async def test_demo_seed_hook_is_not_called_without_services(make_app):
    """porchside_demo_seed: core's seeding alone (no services given) seeds core's rows only."""
    async with make_app(plugins=[("warranty", warranty)]) as app:
        services = app.extensions["porchside"]
        await seed_demo(services.storage, specs=(PIPEWORKS,))
        assert warranty.seeded == []
