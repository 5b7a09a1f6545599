"""The demo portal in Chromium: sign in by link, walk every page, download files (issue 4, K9).

Runs against ``porchside demo`` (both demo businesses, as Pat Morgan, who
may see invoices).

Each page must load with status 200 and its heading, log no console error
and not scroll sideways at 360 px in each business; it must pass axe-core
without a violation at desktop and phone width in the first business whose
data has it (the same template with the other business's data adds nothing
for axe but its two runs) (:func:`page_problems`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.page_checks import PageWatch, page_problems
from tests.browser.portal_pages import (
    DEMO_EMAIL,
    DEMO_TENANTS,
    DOWNLOADS,
    NO_INVOICES_EMAIL,
    PAGES,
    DemoTenant,
    Download,
    PortalPage,
    expect_heading,
    first_link,
    follow_emailed_link,
    outbox_emails,
    page_named,
    sign_in_by_link,
    walk,
)

pytestmark = pytest.mark.browser

by_slug = {"ids": [t.slug for t in DEMO_TENANTS]}
AXE_IN = {page.name: next(t for t in DEMO_TENANTS if page.only_in in (None, t.slug)) for page in PAGES}


@pytest.mark.parametrize("tenant", DEMO_TENANTS, **by_slug)
def test_sign_in_by_link(portal_browser, tenant: DemoTenant):
    """A person signs in with the emailed link; every page on the way passes the checks."""
    context = portal_browser.new_context()
    page = context.new_page()
    watch = PageWatch(page)
    problems: list[str] = []
    try:
        sign_in_by_link(
            page, portal_browser.server, tenant, on_step=lambda label: problems.extend(page_problems(page, watch, label))
        )
        header = page.get_by_role("banner")
        assert header.get_by_text(tenant.name).first.is_visible()
        # The header names the account: as text, or as the switcher's choice
        # when the address has several accounts.
        switcher = header.get_by_role("combobox", name="Account")
        shown = switcher.locator("option:checked").inner_text() if switcher.count() else header.inner_text()
        assert tenant.account in shown
        assert page.get_by_role("button", name="Sign out").is_visible()
        assert not problems, "\n".join(problems)
    finally:
        context.close()


@pytest.mark.parametrize(("tenant", "portal_page"), walk(PAGES), ids=[f"{t.slug}-{p.name}" for t, p in walk(PAGES)])
def test_page(portal_browser, tenant: DemoTenant, portal_page: PortalPage):
    """The page loads for the demo contact (or a visitor) and passes every check."""
    path = portal_browser.path_of(tenant, portal_page)
    page, watch = portal_browser.tab(portal_browser.context(tenant, DEMO_EMAIL if portal_page.signed_in else None))
    response = page.goto(portal_browser.server.url(tenant.slug, path))
    assert response is not None and response.status == 200, f"{path} answered {response and response.status}"
    heading = page.get_by_role("heading", level=1).first.inner_text()
    assert re.search(portal_page.heading, heading), f"{path}: unexpected h1 {heading!r} (at {page.url})"
    # axe-core reads the template: once per page, in the first business whose data has it.
    problems = page_problems(page, watch, f"{tenant.slug} {path}", axe=tenant == AXE_IN[portal_page.name])
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("tenant", "download"), walk(DOWNLOADS), ids=[f"{t.slug}-{d.name}" for t, d in walk(DOWNLOADS)])
def test_download(portal_browser, tenant: DemoTenant, download: Download):
    """The page's download link gives a file of the right kind, as a browser download."""
    address = portal_browser.address(tenant, download.found_on)
    page, watch = portal_browser.tab(portal_browser.context(tenant))
    page.goto(portal_browser.server.url(tenant.slug, address))
    href = first_link(page, download.link)
    with page.expect_download() as started:
        page.locator(f'a[href="{href}"]').first.click()
    file = started.value
    assert file.failure() is None, f"{href}: {file.failure()}"
    data = Path(file.path()).read_bytes()
    assert data.startswith(download.magic) and len(data) > len(download.magic), f"{href} gave {data[:40]!r}"
    assert file.suggested_filename.endswith(download.suffix), f"{href} is named {file.suggested_filename!r}"
    assert not watch.take()


def test_contact_without_invoices_sees_no_billing(portal_browser):
    """I4: an address without "send invoices" gets no invoice tab, and invoice pages are 404."""
    tenant = DEMO_TENANTS[0]
    invoice = portal_browser.path_of(tenant, page_named("invoice"))  # one of Pat's, on the same account
    page, watch = portal_browser.tab(portal_browser.context(tenant, NO_INVOICES_EMAIL))
    page.goto(portal_browser.server.url(tenant.slug, "/"))
    expect_heading(page, f"Welcome to {tenant.name}")
    tabs = page.get_by_role("navigation", name="Portal").get_by_role("link").all_inner_texts()
    assert "Work history" in tabs and "Invoices" not in tabs and "Statement" not in tabs, tabs
    assert not page.locator(f"a[href^='/invoices']").count()
    problems = page_problems(page, watch, "home without invoices")
    axed: set[str] = set()  # the 404 pages' documents axe-core has read
    for path in ("/invoices", invoice, "/statement"):
        response = page.goto(portal_browser.server.url(tenant.slug, path))
        assert response is not None and response.status == 404, f"{path}: {response and response.status}"
        watch.take()  # the browser logs the 404 itself as a console error
        # axe-core's findings depend only on the document (at each width): a 404 page the same,
        # to the byte, as one it already read is not read again. Console and width are checked on each.
        document = page.content()
        problems += page_problems(page, watch, f"404 page for {path}", axe=document not in axed)
        axed.add(document)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("tenant", DEMO_TENANTS, **by_slug)
def test_reset_password_page(portal_browser, tenant: DemoTenant):
    """Forgot password -> email -> the page to choose a new one, each passing the checks."""
    context = portal_browser.new_context()
    page = context.new_page()
    watch = PageWatch(page)
    problems: list[str] = []

    def check(label: str) -> None:
        problems.extend(page_problems(page, watch, label))

    try:
        subject = f"Choose a new password for {tenant.name}"
        seen = outbox_emails(page, portal_browser.server, tenant, DEMO_EMAIL, subject)
        page.goto(portal_browser.server.url(tenant.slug, "/forgot-password"))
        page.get_by_label("Email address").fill(DEMO_EMAIL)
        page.get_by_role("button", name="Send me a link").click()
        expect_heading(page, "Check your email")
        follow_emailed_link(page, portal_browser.server, tenant, DEMO_EMAIL, subject, "/reset-password/", check, seen=seen)
        expect_heading(page, "Choose a new password")
        assert page.get_by_label("Username").input_value() == DEMO_EMAIL
        check("choose a new password")
        assert not problems, "\n".join(problems)
    finally:
        context.close()
