"""porchside demo with the plugin installed: pool chemistry at Sunny Pools, pressure and temperature at Pipeworks."""

from __future__ import annotations

import pytest

pytest.importorskip("porchside_readings", reason="porchside-readings is not installed: pip install ./examples/readings")

import re

from core.demo import seed_demo
from core.models.jobs import Visit
from porchside_readings.models import Measure, Reading
from tenants.context import use_tenant


async def test_both_demo_businesses_get_measures_and_readings(app, client_for):
    services = app.extensions["porchside"]
    seeded = {item.tenant.slug: item.tenant for item in await seed_demo(services.storage, services=services)}
    expected = {
        "sunny-pools": ["Free chlorine", "pH", "Total alkalinity", "Cyanuric acid", "Salt", "Water temperature"],
        "pipeworks": ["Water pressure", "Hot water temperature"],
    }
    for slug, names in expected.items():
        with use_tenant(seeded[slug]):
            assert [m.name for m in await Measure.all().order_by("position")] == names
            completed = await Visit.filter(completed_at__isnull=False).count()
            assert completed and await Reading.all().count() == completed * len(names)
            [row] = await Visit.filter(completed_at__isnull=False, job__account__contacts__emails__email="pat@example.com").order_by("-completed_at").limit(1).select_related("job__account")
        client = client_for(f"{slug}.localhost")
        await client.sign_in_as("pat@example.com", account=row.job.account)
        html = await (await client.get(f"/service-history/{row.public_id}")).get_data(as_text=True)
        assert 'id="section-readings_visit-title"' in html and '<svg role="img"' in html, slug
        assert re.search(r"✓ In range|▼ Low|▲ High", html), slug
