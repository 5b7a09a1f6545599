"""The portal's language switcher walked in Chromium (issue 17, item 3).

A visitor on the sign-in page picks Español with the footer's form: the
same page comes back in Spanish (``<html lang="es">``, the choice selected),
with no accessibility problem at desktop or phone width, and the choice
holds on the next page. The same form works with JavaScript off. The
visitor's choice lives in its own browser context (a cookie), so the demo
shared with the rest of the suite stays English for everyone else.
"""

from __future__ import annotations

import pytest

from tests.browser.page_checks import PageWatch, page_problems

pytestmark = pytest.mark.browser

SLUG = "sunny-pools"


def choose(page, code: str) -> None:
    page.locator("#language-switch").select_option(code)
    page.locator("form.language-switcher button[type=submit]").click()
    page.wait_for_function(f"document.documentElement.lang === {code!r}")


def test_a_visitor_switches_the_portal_to_spanish(portal_browser):
    server = portal_browser.server
    context = portal_browser.new_context()
    page = context.new_page()
    watch = PageWatch(page)
    try:
        page.goto(server.url(SLUG, "/sign-in?next=/invoices"))
        assert page.locator("html").get_attribute("lang") == "en"
        # The switcher is labelled for assistive technology.
        assert page.get_by_label("Language").count() == 1
        choose(page, "es")
        # The same page, now in Spanish, the choice shown as selected.
        assert page.url == server.url(SLUG, "/sign-in?next=/invoices")
        assert page.locator("#language-switch").input_value() == "es"
        problems = page_problems(page, watch, "sign-in page in Spanish")
        # The choice holds on the next page of this browser.
        page.goto(server.url(SLUG, "/contact"))
        assert page.locator("html").get_attribute("lang") == "es"
        choose(page, "en")
        assert page.url == server.url(SLUG, "/contact")
        assert not problems, "\n".join(problems)
    finally:
        context.close()


def test_the_switcher_works_without_javascript(portal_browser):
    server = portal_browser.server
    context = portal_browser.browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(server.url(SLUG, "/sign-in"))
        page.locator("#language-switch").select_option("fr")
        page.locator("form.language-switcher button[type=submit]").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "fr"
        assert page.url == server.url(SLUG, "/sign-in")
    finally:
        context.close()
