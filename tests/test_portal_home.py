"""The portal's home page: balance due, what comes next, plugin cards (issue 4, item 1)."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest

from core import hookimpl
from core.models.billing import Invoice
from core.plugin_state import set_enabled
from core.plugins import PluginError, PluginHost
from core.records import HomeCard
from core.web.rendering import tenant_today
from tenants.context import use_tenant
from tenants.service import create_tenant
from tests.plugins import noticeboard
from tests.portal_data import PAT, PortalData, page_of, pat, pat_client, portal_data, queries_of, set_sections  # noqa: F401 - fixtures


def card_ids(html: str) -> list[str]:
    return re.findall(r'data-card="([^"]+)"', html)


def card_text(html: str, card: str) -> str:
    match = re.search(rf'data-card="{card}">(.*?)</li>', html, re.S)
    assert match, f"no {card} card"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


async def test_home_shows_balance_due_next_visit_and_open_invoices(pat_client, pat, portal_data):
    full = await portal_data.full_account(pat)
    html = await page_of(pat_client, "/")
    assert card_ids(html) == ["balance", "next_visit"]
    # Open: $170 - $50 paid; overdue: $120. Drafts, void and paid invoices do not count.
    assert card_text(html, "balance").startswith("Balance due $240.00 due on 2 open invoices, 1 overdue.")
    assert 'class="card urgent" data-card="balance"' in html
    assert "Spring pool opening:" in card_text(html, "next_visit")
    assert f'href="/jobs/{full.upcoming_job.public_id}"' in html

    # Coming up: the job under way, then the opening; nothing completed or cancelled.
    upcoming = re.findall(r'class="item-title">([^<]+)<', html)
    assert upcoming == ["Heater repair", "Spring pool opening"]
    for invoice, state in ((full.invoices["overdue"], "Overdue"), (full.invoices["open"], "Open")):
        assert invoice.number in html
        assert re.search(rf"{invoice.number}.*?{state}", html, re.S)
    for hidden in ("draft", "void", "paid"):
        assert full.invoices[hidden].number not in html
    assert html.index(full.invoices["overdue"].number) < html.index(full.invoices["open"].number)  # oldest due first


async def test_home_of_a_new_customer_says_what_to_do(pat_client):
    html = await page_of(pat_client, "/")
    assert card_text(html, "balance").startswith("Balance due You have no open invoices. Thank you!")
    assert card_text(html, "next_visit").startswith("Next visit No visits are scheduled. Contact us to book")
    assert "Nothing is scheduled right now" in html and "You have no open invoices." in html


async def test_home_shows_work_under_way_when_nothing_is_scheduled(pat_client, pat, portal_data):
    await portal_data.job(pat, title="Heater repair", status="in_progress", days=-1)
    assert card_text(await page_of(pat_client, "/"), "next_visit").startswith("Next visit Heater repair is under way.")


async def test_address_without_send_invoices_sees_no_money(client, tenant, make_customer, app):
    account = await make_customer(tenant, "Shared House", emails=[PAT, "renter@example.com"], no_invoices=["renter@example.com"])
    full = await PortalData(app, tenant).full_account(account)
    await client.sign_in_as("renter@example.com")
    html = await page_of(client, "/")
    assert card_ids(html) == ["next_visit"]
    assert "Balance due" not in html and "Open invoices" not in html and full.invoices["open"].number not in html


async def test_sections_left_out_of_the_portal_leave_the_home_page(pat_client, pat, portal_data, tenant):
    await portal_data.full_account(pat)
    await set_sections(tenant, invoices=False, work_history=False)
    html = await page_of(pat_client, "/")
    assert card_ids(html) == []
    assert "Open invoices" not in html and "Coming up" not in html


async def test_home_costs_the_same_queries_for_a_small_and_a_large_account(pat_client, pat, portal_data, count_queries):
    await portal_data.job(pat, days=2)
    await portal_data.invoice(pat)
    few, _ = await queries_of(pat_client, "/", count_queries)
    for n in range(12):
        await portal_data.job(pat, days=3 + n)
        await portal_data.invoice(pat, due_in_days=n - 6)
    many, html = await queries_of(pat_client, "/", count_queries)
    assert "due on 13 open invoices" in html
    assert many.count == few.count, many.statements


async def test_home_balance_sums_every_currency_in_one_query_unless_one_is_owed_beyond_the_first_invoices(pat_client, pat, portal_data, tenant, count_queries):
    """The first open invoices carry their currencies' sums (window sums): one query.
    A currency owed only on invoices beyond them is summed by a second query, so
    the card never leaves money out."""
    for n in range(6):
        await portal_data.invoice(pat, due_in_days=n - 3)  # $100.00 each, three overdue
    euros = await portal_data.invoice(pat, due_in_days=30)  # due last: beyond the first five
    with use_tenant(tenant):
        await Invoice.filter(id=euros.id).update(currency="EUR")
    beyond, html = await queries_of(pat_client, "/", count_queries)
    expected = "Balance due €100.00 + $600.00 due on 7 open invoices, 3 overdue."
    assert card_text(html, "balance").startswith(expected)
    with use_tenant(tenant):
        await Invoice.filter(id=euros.id).update(due_on=tenant_today(tenant) - timedelta(days=10))  # now among the first
    among, html = await queries_of(pat_client, "/", count_queries)
    assert card_text(html, "balance").startswith(expected.replace("3 overdue", "4 overdue"))
    assert among.count == beyond.count - 1, among.statements


async def test_signed_out_visitors_are_sent_to_sign_in(client, tenant):
    response = await client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


# -- the porchside_home_cards hook ------------------------------------------------------


@pytest.fixture
async def board(make_app, make_customer, client_for):
    """An app with the noticeboard plugin, a tenant and Pat signed in: ``(app, tenant, client)``."""
    async with make_app(plugins=[("noticeboard", noticeboard)]) as app:
        tenant = await create_tenant("acme", "Acme Pool Care")
        await make_customer(tenant, "Pat Doe", emails=[PAT, "renter@example.com"], no_invoices=["renter@example.com"])
        client = client_for(tenant, app)
        await client.sign_in_as(PAT)
        yield app, tenant, client


async def test_plugin_home_cards_show_in_order_among_cores(board, caplog):
    """porchside_home_cards: async summaries awaited, endpoint and url links, ordered with
    core's cards; a card without a summary or one that fails is left out and logged."""
    caplog.set_level(logging.ERROR, logger="porchside.plugins")
    app, tenant, client = board
    html = await page_of(client, "/")
    assert card_ids(html) == ["newsletter", "balance", "renewal", "next_visit"]
    assert card_text(html, "renewal") == "Service plan Pat Doe: your service plan renews next month. Ask about renewal : Service plan"
    assert re.search(r'data-card="renewal">.*?href="/contact"', html, re.S)
    assert re.search(r'data-card="newsletter">.*?href="https://news.example/spring"', html, re.S)
    assert "Quiet" not in html and "Broken" not in html
    assert "plugin noticeboard failed in summary of home card 'broken'" in caplog.text


async def test_plugin_home_cards_follow_is_shown_section_and_enablement(board):
    """porchside_home_cards: is_shown(portal), the plugin's section and per-tenant enablement."""
    app, tenant, client = board
    renter = type(client)(app, client.host)
    await renter.sign_in_as("renter@example.com")
    assert card_ids(await page_of(renter, "/")) == ["renewal", "next_visit"]  # newsletter: billing contacts only

    await set_sections(tenant, noticeboard=False)
    assert card_ids(await page_of(client, "/")) == ["balance", "next_visit"]
    await set_sections(tenant, noticeboard=True)

    services = app.extensions["porchside"]
    with use_tenant(tenant):
        await set_enabled("noticeboard", False, services.plugins, services.cache)
    assert card_ids(await page_of(client, "/")) == ["balance", "next_visit"]


class TwoLinks:
    @hookimpl
    def porchside_home_cards(self):
        return [HomeCard(id="both", title="Both", summary=lambda portal: "x", endpoint="portal.home", url="/")]


class DuplicateCard:
    @hookimpl
    def porchside_home_cards(self):
        return [HomeCard(id="renewal", title="Again", summary=lambda portal: "x")]


def test_home_card_mistakes_stop_start_up():
    """porchside_home_cards: a card with both an endpoint and a url, or an id another plugin has."""
    with pytest.raises(PluginError, match="home card 'both' has both an endpoint and a url"):
        PluginHost().load(extra=[("twolinks", TwoLinks())], load_entry_points=False)
    with pytest.raises(PluginError, match="duplicate home card id 'renewal' from plugins 'dup' and 'noticeboard'"):
        PluginHost().load(extra=[("noticeboard", noticeboard), ("dup", DuplicateCard())], load_entry_points=False)
