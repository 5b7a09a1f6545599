"""Quotes in Chromium (issue 6): Pat approves a quote with a typed signature; the creator hears of it.

Runs against ``porchside demo``. It decides Sunny Pools' "Pool heater
replacement", which the page walk of ``test_portal_pages.py`` does not open
(it takes the newest quote awaiting a decision), so the two suites can run
in either order.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.page_checks import page_problems
from tests.browser.portal_pages import DEMO_EMAIL, DEMO_TENANTS, expect_heading

pytestmark = pytest.mark.browser

SUNNY_POOLS = DEMO_TENANTS[0]
QUOTE_TITLE = "Pool heater replacement"
CREATOR = "maria@sunny-pools.example"


def test_approve_a_quote_with_a_typed_signature(portal_browser):
    server = portal_browser.server
    page, watch = portal_browser.new_page(SUNNY_POOLS)
    problems: list[str] = []
    try:
        page.goto(server.url(SUNNY_POOLS.slug, "/quotes?status=open"))
        expect_heading(page, "Quotes")
        row = page.get_by_role("row").filter(has_text=QUOTE_TITLE)
        number = row.get_by_role("rowheader").inner_text().split()[0]
        row.get_by_role("link", name=re.compile(r"^Review")).click()
        expect_heading(page, re.compile(rf"^Quote {number} .*Awaiting your decision"))

        page.get_by_role("link", name="Approve", exact=True).click()
        expect_heading(page, "Approve quote")
        problems += page_problems(page, watch, "the approval form")
        # Without a name the server refuses, and says why, next to the field.
        page.get_by_role("button", name="Approve quote").click()
        expect_heading(page, "Approve quote")
        assert page.get_by_text("Type your full name to sign your approval.").first.is_visible()
        field = page.get_by_label("Type your full name to sign")
        assert field.get_attribute("aria-invalid") == "true"
        problems += page_problems(page, watch, "the refused approval")
        problems = [p for p in problems if "status of 400" not in p]  # the refusal we asked for

        field.fill("Pat Morgan")
        page.get_by_role("button", name="Approve quote").click()
        expect_heading(page, re.compile(rf"^Quote {number} .*Approved"))
        assert page.get_by_text("Thank you: you approved this quote.").is_visible()
        assert page.get_by_text("Signed “Pat Morgan”", exact=False).first.is_visible()
        assert page.get_by_role("link", name="Approve", exact=True).count() == 0
        problems += page_problems(page, watch, "the approved quote")

        # The staff member who created it, and Pat, got emails (the demo's outbox).
        page.goto(server.url(SUNNY_POOLS.slug, "/_dev/outbox"))
        expect_heading(page, "Dev outbox")
        outbox = page.get_by_role("row")
        assert outbox.filter(has_text=CREATOR).filter(has_text=f"Pat Morgan approved quote {number}").count() == 1
        assert outbox.filter(has_text=DEMO_EMAIL).filter(has_text=f"You approved quote {number}").count() == 1
        assert not problems, "\n".join(problems)
    finally:
        page.close()
