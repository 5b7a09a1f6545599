"""The owner moves the business to another time zone and the console follows (issue 17, "Done when").

Sunny Pools' owner opens Settings > Business in Chromium, picks
America/New_York and saves; the job page that showed its visit in Phoenix
time now shows it two hours later, as Babel writes it for New York. The
owner moves the business back at the end, so the demo the suite shares is
left in Phoenix.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime

from tests.browser.console_pages import OWNER, SUNNY

pytestmark = pytest.mark.browser


def scheduled_start(server, public_id: str) -> datetime:
    with server.database() as db:
        (value,) = db.execute("SELECT scheduled_start FROM job WHERE public_id = ?", (public_id,)).fetchone()
    return datetime.fromisoformat(value)


def move_business_to(page, server, zone: str) -> None:
    page.goto(server.url(SUNNY.slug, "/console/settings/business"))
    page.get_by_label("Time zone", exact=True).select_option(zone)
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert page.get_by_label("Time zone", exact=True).input_value() == zone


def test_the_owner_changes_the_time_zone_and_the_console_follows(portal_browser):
    server = portal_browser.server
    page = portal_browser.console_context(SUNNY, OWNER).new_page()
    in_phoenix = True  # the demo's zone; put back at the end unless the last save was Phoenix
    try:
        page.goto(server.url(SUNNY.slug, "/console/jobs/"))
        job_path = page.locator("main a[href^='/console/jobs/job_']").first.get_attribute("href")
        start = scheduled_start(server, job_path.rsplit("/", 1)[1])
        shown = {}
        for zone in ("America/New_York", "America/Phoenix"):
            in_phoenix = False
            move_business_to(page, server, zone)
            in_phoenix = zone == "America/Phoenix"
            page.goto(server.url(SUNNY.slug, job_path))
            shown[zone] = page.locator("main").inner_text()
        for zone, text in shown.items():
            expected = format_datetime(start.astimezone(ZoneInfo(zone)), "short", locale="en_US")
            assert expected in text, f"{job_path} in {zone}: {expected!r} not shown"
        assert format_datetime(start.astimezone(ZoneInfo("America/Phoenix")), "short", locale="en_US") not in shown["America/New_York"]
    finally:
        if not in_phoenix:
            move_business_to(page, server, "America/Phoenix")
        page.close()
