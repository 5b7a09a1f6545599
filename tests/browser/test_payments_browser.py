"""Card payments in Chromium (issue 7): Pat pays invoices through the Stripe.js stand-in.

Runs against ``porchside demo``, which starts localstripe and connects both
demo businesses to it; the pages load localstripe's Stripe.js stand-in (a
card element made of plain inputs) from its own origin under the portal's
CSP. Pat pays an *open* invoice in each business; the page walk of
``test_portal_pages.py`` opens the *overdue* ones, so the suites may run in
either order.

* Sunny Pools: a new Visa (4242 4242 4242 4242) is saved with a SetupIntent
  and charged; the result page shows it and the invoice is paid.
* Pipeworks: a 3-D Secure card (4000 0025 0000 3155): authentication when
  saving it and again when paying, through the stand-in's "Complete
  authentication" dialog and the result page's "Confirm with your bank".
"""

from __future__ import annotations

import re

import pytest

from tests.browser.page_checks import page_problems
from tests.browser.portal_pages import DEMO_TENANTS, expect_heading

pytestmark = pytest.mark.browser

SUNNY_POOLS, PIPEWORKS = DEMO_TENANTS


def open_an_open_invoice(page, server, tenant) -> str:
    """Go to the first open (not overdue) invoice of Pat; return its number."""
    page.goto(server.url(tenant.slug, "/invoices?status=open"))
    expect_heading(page, "Invoices")
    link = page.get_by_role("rowheader").get_by_role("link").first
    number = link.inner_text().strip()
    link.click()
    expect_heading(page, f"Invoice {number}")
    return number


def enter_card(page, number: str) -> None:
    """Type a card into the Stripe.js stand-in's inputs (localstripe's card element)."""
    box = page.locator("[data-card-element]")
    box.locator("input[placeholder=number]").fill(number)
    box.locator("input[placeholder=exp_month]").fill("12")
    box.locator("input[placeholder=exp_year]").fill("34")
    box.locator("input[placeholder=cvc]").fill("123")
    box.locator("input[placeholder=postal_code]").fill("85282")


def test_pay_an_invoice_with_a_new_card(portal_browser):
    server = portal_browser.server
    page, watch = portal_browser.new_page(SUNNY_POOLS)
    problems: list[str] = []
    try:
        number = open_an_open_invoice(page, server, SUNNY_POOLS)
        page.get_by_role("link", name="Pay with card").click()
        expect_heading(page, f"Pay invoice {number}")
        amount = page.locator(".details dd strong").inner_text()
        assert re.fullmatch(r"\$[\d,]+\.\d\d", amount), amount
        # The stand-in's inputs are there and Stripe.js loaded under the CSP.
        page.get_by_label("A new card").check()
        page.locator("[data-card-element] input[placeholder=number]").wait_for()
        problems += page_problems(page, watch, "the pay page")

        enter_card(page, "4242424242424242")
        page.get_by_role("button", name=f"Pay {amount}").click()
        expect_heading(page, "Payment received")
        assert page.get_by_text(f"Thank you: {amount} was charged to your Visa ending 4242").is_visible()
        row = page.get_by_role("row").filter(has_text=number)
        assert row.get_by_text("Paid", exact=True).is_visible()
        problems += page_problems(page, watch, "the payment result")

        # The invoice is paid, offers no payment any more, and Payments lists the card payment.
        row.get_by_role("link", name=number).click()
        expect_heading(page, f"Invoice {number}")
        assert page.get_by_role("link", name="Pay with card").count() == 0
        page.goto(server.url(SUNNY_POOLS.slug, "/payments"))
        expect_heading(page, "Payments")
        assert page.get_by_text("Visa ending 4242").first.is_visible()
        # The new card was saved beside the demo's.
        page.goto(server.url(SUNNY_POOLS.slug, "/payment-methods"))
        expect_heading(page, "Payment methods")
        assert page.locator(".saved-card").count() >= 1
        problems += page_problems(page, watch, "payment methods")
        assert not problems, "\n".join(problems)
    finally:
        page.close()


def test_three_d_secure_card_is_saved_and_confirmed_with_the_bank(portal_browser):
    server = portal_browser.server
    page, watch = portal_browser.new_page(PIPEWORKS)
    problems: list[str] = []
    try:
        number = open_an_open_invoice(page, server, PIPEWORKS)
        page.get_by_role("link", name="Pay with card").click()
        expect_heading(page, f"Pay invoice {number}")
        page.get_by_label("A new card").check()
        enter_card(page, "4000002500003155")
        amount = page.locator(".details dd strong").inner_text()
        page.get_by_role("button", name=f"Pay {amount}").click()
        # Saving the card: the bank's dialog of the stand-in.
        page.get_by_role("button", name="Complete authentication").click()
        # Paying: the bank asks again; the result page offers to confirm.
        expect_heading(page, "Confirm your payment")
        problems += page_problems(page, watch, "the confirmation page")
        page.get_by_role("button", name="Confirm with your bank").click()
        page.get_by_role("button", name="Complete authentication").click()
        expect_heading(page, "Payment received")
        assert page.get_by_role("row").filter(has_text=number).get_by_text("Paid", exact=True).is_visible()
        problems += page_problems(page, watch, "the payment result")
        assert not problems, "\n".join(problems)
    finally:
        page.close()
