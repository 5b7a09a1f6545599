"""A live conversation in two browsers (issue 8, M1/M2): staff answer, the customer's open thread shows it.

Runs against ``porchside demo``: Pat (``pat@example.com``) has Sunny Pools'
job "Green-to-clean pool recovery" open in one browser context; Maria, the
owner, signs in to the console in another, opens the same thread from the
inbox and answers. The answer appears in Pat's page without a reload (the
event stream), once; then Pat answers and Maria's open page shows it. Both
pages pass the usual checks (no console errors, axe-core, no sideways
scrolling).
"""

from __future__ import annotations

import re
import secrets

import pytest

from core.demo.seed import DEMO_PASSWORD
from tests.browser.page_checks import PageWatch, page_problems
from tests.browser.portal_pages import DEMO_TENANTS, expect_heading

pytestmark = pytest.mark.browser

SUNNY_POOLS = DEMO_TENANTS[0]
OWNER = "maria@sunny-pools.example"
JOB_TITLE = "Green-to-clean pool recovery"


def test_a_staff_reply_appears_in_the_customers_open_thread(portal_browser):
    server = portal_browser.server
    customer, customer_watch = portal_browser.new_page(SUNNY_POOLS)
    staff_context = portal_browser.new_context()
    staff = staff_context.new_page()
    staff_watch = PageWatch(staff)
    problems: list[str] = []
    try:
        customer.goto(server.url(SUNNY_POOLS.slug, "/messages"))
        expect_heading(customer, "Messages")
        customer.get_by_role("link", name=re.compile(JOB_TITLE)).click()
        expect_heading(customer, re.compile(r"^Messages about job "))
        problems += page_problems(customer, customer_watch, "the customer's thread")
        thread = customer.locator("ol.messages")
        before = thread.locator("li.message").count()

        staff.goto(server.url(SUNNY_POOLS.slug, "/console/messages/"))
        expect_heading(staff, "Staff sign-in")
        staff.get_by_label("Work email").fill(OWNER)
        staff.get_by_label("Password").fill(DEMO_PASSWORD)
        staff.get_by_role("button", name="Sign in").click()
        expect_heading(staff, "Messages")
        problems += page_problems(staff, staff_watch, "the console inbox")
        staff.get_by_role("row").filter(has_text=JOB_TITLE).get_by_role("link").first.click()
        expect_heading(staff, re.compile(r"^Messages with "))
        problems += page_problems(staff, staff_watch, "the console thread")

        reply = f"Tyler can come on Thursday at 9 ({secrets.token_hex(3)})."
        staff.get_by_label("Your message").fill(reply)
        staff.get_by_role("button", name="Send message").click()
        staff.get_by_text("Message sent.").wait_for()

        # Pat's page was not reloaded: the reply arrives through the stream, once.
        customer.locator("li.message", has_text=reply).wait_for(timeout=15_000)
        assert customer.locator("li.message", has_text=reply).count() == 1
        assert thread.locator("li.message").count() == before + 1

        answer = f"Thursday is perfect, thanks ({secrets.token_hex(3)})."
        customer.get_by_label("Your message").fill(answer)
        customer.get_by_role("button", name="Send message").click()
        customer.get_by_text("Your message was sent.").wait_for()
        staff.locator("li.message", has_text=answer).wait_for(timeout=15_000)
        assert staff.locator("li.message", has_text=answer).count() == 1
        problems += page_problems(customer, customer_watch, "the customer's thread after sending")
        assert not problems, "\n".join(problems)
    finally:
        customer.close()
        staff.close()
        staff_context.close()
