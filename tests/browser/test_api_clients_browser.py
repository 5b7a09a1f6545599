"""Console "API clients" in Chromium (issue 12, item 3).

Sunny Pools' owner signs in with the demo password, opens "API clients"
from the console's Settings menu, creates a client with two permissions, copies the
secret from the one-time page, gets a token with it at ``/oauth/token``,
sees the page refuse to show it again, rotates it and revokes the client
(left revoked: the demo server is shared with the rest of the suite).
Every page passes the browser checks (:func:`page_problems`: no console
errors, so nothing is blocked by the Content-Security-Policy; axe-core at
desktop and phone width; no sideways scrolling).
"""

from __future__ import annotations

import base64
import secrets
from typing import Iterator

import httpx
import pytest

from core.demo.seed import DEMO_PASSWORD
from tests.browser.page_checks import PageWatch, page_problems
from tests.browser.portal_pages import DemoTenant, expect_heading

pytestmark = pytest.mark.browser

SUNNY = DemoTenant("sunny-pools", "Sunny Pools", "Pat Morgan")
OWNER = "maria@sunny-pools.example"


@pytest.fixture(scope="module")
def sunny_console(portal_browser) -> Iterator[object]:
    """A browser context signed in to Sunny Pools' console as its owner."""
    context = portal_browser.new_context()
    page = context.new_page()
    page.goto(portal_browser.server.url(SUNNY.slug, "/console/"))
    expect_heading(page, "Staff sign-in")
    page.get_by_label("Work email").fill(OWNER)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect_heading(page, "Hello, Maria Delgado")
    page.close()
    yield context
    context.close()


def token_status(server, client_id: str, secret: str) -> int:
    """``POST /oauth/token`` on Sunny Pools' host, as an integrator's script would."""
    pair = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    response = httpx.post(
        f"http://127.0.0.1:{server.port}/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Host": f"{SUNNY.slug}.localhost:{server.port}", "Authorization": f"Basic {pair}"},
    )
    return response.status_code


def test_create_copy_rotate_and_revoke_a_client(sunny_console, portal_browser):
    server = portal_browser.server
    page = sunny_console.new_page()
    watch = PageWatch(page)
    problems: list[str] = []
    name = f"Books Sync {secrets.token_hex(3)}"

    def check(label: str) -> None:
        problems.extend(page_problems(page, watch, label))

    try:
        page.goto(server.url(SUNNY.slug, "/console/"))
        nav = page.get_by_role("navigation", name="Console")
        nav.locator("summary", has_text="Settings").click()
        nav.get_by_role("link", name="API clients").click()
        expect_heading(page, "API clients")
        check("API clients list")

        page.get_by_role("link", name="New API client").click()
        expect_heading(page, "New API client")
        check("new API client form")
        page.get_by_label("Name").fill(name)
        page.get_by_role("checkbox", name="customers: read").check()
        page.get_by_role("checkbox", name="contacts: write").check()
        page.get_by_role("button", name="Create API client").click()

        expect_heading(page, f"API client created: {name}")
        assert page.get_by_text("you will not see it again").is_visible()
        client_id = page.get_by_role("textbox", name="Client id").input_value()
        secret = page.get_by_role("textbox", name="Client secret").input_value()
        assert client_id.startswith("ci_") and secret.startswith("cs_")
        # The Copy button exists only with console.js, which the CSP lets run.
        page.get_by_role("button", name="Copy client secret").click()
        page.get_by_role("status").filter(has_text="Copied").or_(
            page.get_by_role("status").filter(has_text="to copy")
        ).first.wait_for()
        check("secret shown once")
        assert token_status(server, client_id, secret) == 200

        page.reload()
        expect_heading(page, "API client secret")
        assert page.get_by_text("already shown").is_visible()
        assert secret not in page.content()

        page.get_by_role("link", name="Back to API clients").click()
        expect_heading(page, "API clients")
        row = page.get_by_role("row").filter(has_text=client_id)
        assert name in row.inner_text() and "customers:read" in row.inner_text()
        row.get_by_role("link", name=f"Rotate the secret of {name}").click()
        expect_heading(page, f"Rotate the secret of {name}")
        check("rotate confirmation")
        page.get_by_role("button", name="Rotate secret").click()
        expect_heading(page, f"Secret rotated: {name}")
        new_secret = page.get_by_role("textbox", name="Client secret").input_value()
        assert new_secret != secret
        assert token_status(server, client_id, secret) == 401
        assert token_status(server, client_id, new_secret) == 200

        page.get_by_role("link", name="Back to API clients").click()
        page.get_by_role("row").filter(has_text=client_id).get_by_role("link", name=f"Revoke {name}").click()
        expect_heading(page, f"Revoke {name}")
        check("revoke confirmation")
        page.get_by_role("button", name="Revoke client").click()
        expect_heading(page, "API clients")
        assert page.get_by_text("The client is revoked").is_visible()
        assert "Revoked" in page.get_by_role("row").filter(has_text=client_id).inner_text()
        check("API clients list after revoking")
        assert token_status(server, client_id, new_secret) == 401
    finally:
        page.close()
    assert not problems, "\n".join(problems)
