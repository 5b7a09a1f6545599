"""Changing the portal's web address in Chromium (issue 18, item 1).

The form posts on the old host; a redirect to the new host would be blocked
by the Content-Security-Policy's ``form-action 'self'``, so the answer is a
page on the old host that names the new address and links to the console
sign-in there. The test follows that link as the owner would, signs in and
finds the settings saying the address changed, then moves Pipeworks back,
as the demo server is shared with the rest of the suite.
"""

from __future__ import annotations

import pytest

from core.demo.seed import DEMO_PASSWORD
from tests.browser.page_checks import PageWatch, page_problems
from tests.browser.portal_pages import expect_heading

pytestmark = pytest.mark.browser

OWNER = "owen@pipeworks.example"
NEW_SLUG = "pipeworks-moved"


def sign_in(page) -> None:
    expect_heading(page, "Staff sign-in")
    page.get_by_label("Work email").fill(OWNER)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def move(page, server, old: str, new: str, watch: PageWatch, *, signed_in_there: bool = False) -> list[str]:
    """Change the address from ``old`` to ``new`` and follow the page's link; return page problems.

    ``signed_in_there``: the browser still holds a session of the new host
    (it was this tenant's address before), so its sign-in page goes straight on.
    """
    page.goto(server.url(old, "/console/settings/portal"))
    expect_heading(page, "Customer portal")
    page.get_by_label("Your portal's address").fill(new)
    page.get_by_role("button", name="Change address").click()
    expect_heading(page, "The portal has a new web address")
    new_host = f"{new}.localhost:{server.port}"
    # Still on the old host: nothing was blocked, and the page says where to go.
    assert page.url.startswith(server.origin(old) + "/")
    page.get_by_role("status").filter(has_text=f"The portal now answers at {new_host}").wait_for()
    problems = page_problems(page, watch, f"address moved to {new}")
    page.get_by_role("link", name=f"Sign in at {new_host}").click()
    if not signed_in_there:
        expect_heading(page, "Staff sign-in")
        assert page.url.startswith(server.origin(new) + "/console/sign-in")
        sign_in(page)
    expect_heading(page, "Customer portal")
    assert page.url.startswith(server.origin(new) + "/console/settings/portal")
    page.get_by_role("status").filter(has_text="The portal has a new web address.").wait_for()
    assert page.get_by_label("Your portal's address").input_value() == new
    return problems


def test_a_new_web_address_is_confirmed_and_leads_to_the_new_sign_in(portal_browser):
    server = portal_browser.server
    context = portal_browser.new_context()  # axe served, desktop size
    page = context.new_page()
    watch = PageWatch(page)
    try:
        page.goto(server.url("pipeworks", "/console/sign-in"))
        sign_in(page)
        expect_heading(page, "Hello, Owen Price")
        problems = move(page, server, "pipeworks", NEW_SLUG, watch)
        # The old address now redirects to the new one.
        page.goto(server.url("pipeworks", "/contact"))
        assert page.url.startswith(server.origin(NEW_SLUG) + "/contact")
        # Back again, the same way (the rest of the suite expects "pipeworks").
        problems += move(page, server, NEW_SLUG, "pipeworks", watch, signed_in_there=True)
        assert not problems, "\n".join(problems)
    finally:
        context.close()
