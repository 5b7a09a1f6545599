"""The readings example plugin in Chromium: a demo visit page shows the readings and their chart, accessibly.

Runs against ``porchside demo`` with ``porchside-readings`` installed (CI
installs it from ``examples/readings``): Pat opens the newest visit of
Service history at Sunny Pools and its job's Readings tab.
"""

from __future__ import annotations

import re
from importlib.util import find_spec

import pytest

from core.testing import _unavailable
from tests.browser.page_checks import page_problems
from tests.browser.portal_pages import DEMO_TENANTS, expect_heading, first_link

pytestmark = pytest.mark.browser

SUNNY_POOLS = DEMO_TENANTS[0]


@pytest.fixture(autouse=True)
def readings_installed():
    if find_spec("porchside_readings") is None:
        _unavailable("porchside-readings is not installed: pip install ./examples/readings")


def test_visit_page_shows_readings_with_marks_and_an_accessible_chart(portal_browser):
    server = portal_browser.server
    page, watch = portal_browser.new_page(SUNNY_POOLS)
    try:
        page.goto(server.url(SUNNY_POOLS.slug, "/service-history"))
        expect_heading(page, "Service history")
        charts = page.get_by_role("img", name=re.compile(r"over time$"))
        assert charts.count() == 6  # one per pool measure over the dates shown
        page.goto(server.url(SUNNY_POOLS.slug, first_link(page, r"^/service-history/vis_")))
        section = page.get_by_role("region", name="Readings")
        table = section.get_by_role("table", name="Readings taken at this visit")
        assert table.get_by_role("row").count() == 7  # a header and six measures
        assert table.get_by_role("rowheader", name="Free chlorine").is_visible()
        marks = table.locator(".reading-mark").all_inner_texts()
        assert marks and all(re.fullmatch(r"[✓▼▲] (In range|Low|High)", m.strip()) for m in marks)
        chart = section.get_by_role("img", name=re.compile(r"^Free chlorine \(ppm\) over time"))
        assert chart.is_visible()
        box = chart.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 60  # drawn, not collapsed
        # The chart's values are a table too, one click away.
        section.get_by_text("Free chlorine: the values").first.click()
        assert section.get_by_role("table", name="Free chlorine readings").is_visible()
        problems = page_problems(page, watch, "a visit with readings")

        job_tab = first_link(page, r"^/jobs/job_")
        page.goto(server.url(SUNNY_POOLS.slug, job_tab + "/readings"))
        expect_heading(page, "Readings")
        assert page.get_by_role("img", name=re.compile(r"over time$")).count() == 6
        problems += page_problems(page, watch, "a job's readings tab")
        assert not problems, "\n".join(problems)
    finally:
        page.close()
