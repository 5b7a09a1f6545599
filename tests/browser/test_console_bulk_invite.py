"""Customers, bulk portal invites, view-as, notifications and the audit log in Chromium (issue 5).

Sunny Pools' owner signs in with the demo password. The bulk invite runs
as in Skimmer's steps 8-10: tick two customers on the customers list,
confirm, send, and watch the progress page finish on its own
(``console_invites.js`` polls and reloads). Every page passes the browser
checks (:func:`page_problems`). The invites go to the dev outbox of the
shared demo server; Pat Morgan, whom other tests sign in as, is never
invited or viewed as.
"""

from __future__ import annotations

import re
from typing import Iterator

import pytest

from core.demo.seed import DEMO_PASSWORD
from tests.browser.page_checks import PageWatch, page_problems
from tests.browser.portal_pages import DemoTenant, expect_heading

pytestmark = pytest.mark.browser

SUNNY = DemoTenant("sunny-pools", "Sunny Pools", "Pat Morgan")
OWNER = "maria@sunny-pools.example"
CHOSEN = ("Desert Palms HOA", "Lily Chen")


@pytest.fixture(scope="module")
def sunny_console(portal_browser) -> Iterator[tuple[object, PageWatch]]:
    """A tab signed in to Sunny Pools' console as its owner, in a context of its own (viewing
    the portal as a customer happens in its session), and the tab's watch.

    The module's tests load their pages in this one tab, one after another.
    """
    context = portal_browser.new_context()
    page = context.new_page()
    page.goto(portal_browser.server.url(SUNNY.slug, "/console/customers/"))
    expect_heading(page, "Staff sign-in")
    page.get_by_label("Work email").fill(OWNER)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect_heading(page, "Customers")
    yield page, PageWatch(page)
    context.close()


def tab(sunny_console):
    """The module's tab; its watch then holds only what happens from here on."""
    page, watch = sunny_console
    watch.take()
    return page, watch


def test_bulk_invite_from_the_customers_list(sunny_console, portal_browser):
    page, watch = tab(sunny_console)
    problems: list[str] = []

    def check(label: str) -> None:
        problems.extend(page_problems(page, watch, label))

    page.goto(portal_browser.server.url(SUNNY.slug, "/console/customers/"))
    expect_heading(page, "Customers")
    check("customers list")

    # The "select all" box exists only with the script; it ticks every row.
    select_all = page.get_by_role("checkbox", name="Select every customer on this page")
    select_all.check()
    assert page.get_by_role("checkbox", name="Select Pat Morgan").is_checked()
    select_all.uncheck()
    for name in CHOSEN:
        page.get_by_role("checkbox", name=f"Select {name}").check()
    page.get_by_role("button", name="Send portal invite to selected").click()

    expect_heading(page, "Send portal invite")
    assert page.get_by_text("4 addresses").is_visible()
    assert page.get_by_text("of 2 customers will receive the invite").is_visible()
    check("invite confirm page")
    page.get_by_role("button", name="Send 4 invites").click()

    expect_heading(page, "Portal invites")
    # The script follows the background job and reloads once it is done.
    page.get_by_role("heading", name="Finished", level=2).wait_for(timeout=30_000)
    assert page.get_by_role("status").filter(has_text="4 sent, 0 skipped, 0 failed").is_visible()
    for address in ("billing@desertpalms.example.org", "ken.park@example.org", "lily.chen@example.com", "david.chen@example.com"):
        row = page.get_by_role("row").filter(has_text=address)
        assert row.get_by_text("Sent", exact=True).is_visible(), address
    assert page.get_by_role("row").filter(has_text="pat@example.com").count() == 0
    check("invite progress page, finished")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/console/customers/invites/", "Invite history"),
        ("/console/customers/import/", "Import customers from CSV"),
        ("/console/notifications/", "Notifications"),
        ("/console/notifications/preferences", "Notification emails"),
        ("/console/audit/", "Audit log"),
    ],
)
def test_people_pages_pass_the_browser_checks(sunny_console, portal_browser, path, heading):
    page, watch = tab(sunny_console)
    page.goto(portal_browser.server.url(SUNNY.slug, path))
    expect_heading(page, heading)
    problems = page_problems(page, watch, path)
    assert not problems, "\n".join(problems)


def test_view_portal_as_a_customer_then_end(sunny_console, portal_browser):
    page, watch = tab(sunny_console)
    problems: list[str] = []
    page.goto(portal_browser.server.url(SUNNY.slug, "/console/customers/?q=Lily"))
    page.get_by_role("link", name="Lily Chen").click()
    expect_heading(page, "Lily Chen")
    problems += page_problems(page, watch, "customer page")
    page.get_by_role("button", name="View portal as this customer (lily.chen@example.com)").click()
    banner = page.get_by_role("region", name="Viewing as a customer")
    banner.wait_for()
    assert re.search(r"viewing the portal as Lily Chen \(Lily Chen\), read only", banner.inner_text())
    problems += page_problems(page, watch, "portal home, viewed as a customer")
    banner.get_by_role("button", name="End").click()
    expect_heading(page, "Lily Chen")
    assert re.search(r"/console/customers/acct_[\w-]+$", page.url), page.url
    assert not problems, "\n".join(problems)


def test_message_this_customer_from_a_job_page(sunny_console, portal_browser):
    """porchside_console_actions in Chromium: the marketing plugin's button on a job page opens the job's thread."""
    page, _ = tab(sunny_console)
    page.goto(portal_browser.server.url(SUNNY.slug, "/console/jobs/"))
    page.locator("table tbody tr td a").first.click()
    page.get_by_role("group", name="Job actions").get_by_role("link", name="Message this customer").click()
    page.wait_for_url(re.compile(r"/console/messages/thr_"))
    assert page.get_by_role("heading", level=1).first.inner_text().startswith("Messages with ")
