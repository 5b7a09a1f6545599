"""The Quotes tab, a quote's page, its PDF, the job page (Q1, Q2, Q5): scoped to the account."""

from __future__ import annotations

import subprocess

from core.models.jobs import Job
from core.web.rendering import tenant_today
from plugins.quotes.decisions import Decision, decide
from plugins.quotes.tests.quote_data import PAT, expire, make_quote, reload, revision
from tenants.context import use_tenant


def text_of(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


async def decided(tenant, quote, kind: str, email: str = PAT) -> None:
    with use_tenant(tenant):
        await decide(quote, quote.revision, Decision(kind, email, signature_name="Pat Morgan"), tenant, tenant_today(tenant))


async def test_quotes_tab_lists_sent_quotes_and_never_drafts(tenant, pat, pat_client):
    sent = await make_quote(tenant, pat, title="Heater repair")
    draft = await make_quote(tenant, pat, title="Secret draft", send=False)

    home = await pat_client.get("/")
    assert 'href="/quotes"' in await home.get_data(as_text=True)
    page = await pat_client.get("/quotes")
    html = await page.get_data(as_text=True)
    assert page.status_code == 200
    assert sent.number in html and "Heater repair" in html
    assert "Secret draft" not in html and draft.number not in html
    assert (await pat_client.get(f"/quotes/{draft.public_id}")).status_code == 404


async def test_list_filters_by_status(tenant, pat, pat_client):
    waiting = await make_quote(tenant, pat, title="Waiting quote")
    approved = await make_quote(tenant, pat, title="Approved quote")
    await decided(tenant, approved, "approved")
    old = await make_quote(tenant, pat, title="Expired quote")
    await expire(tenant, old)
    rejected = await make_quote(tenant, pat, title="Rejected quote")
    await decided(tenant, rejected, "rejected")

    async def titles(status: str) -> set[str]:
        html = await (await pat_client.get(f"/quotes?status={status}")).get_data(as_text=True)
        return {t for t in ("Waiting quote", "Approved quote", "Expired quote", "Rejected quote") if t in html}

    assert await titles("") == {"Waiting quote", "Approved quote", "Expired quote", "Rejected quote"}
    assert await titles("open") == {"Waiting quote"}
    assert await titles("approved") == {"Approved quote"}
    assert await titles("expired") == {"Expired quote"}
    assert await titles("rejected") == {"Rejected quote"}
    assert await titles("changes_requested") == set()
    # An unknown filter is ignored rather than failing the page.
    assert await titles("bogus") == {"Waiting quote", "Approved quote", "Expired quote", "Rejected quote"}
    html = await (await pat_client.get("/quotes?status=open")).get_data(as_text=True)
    assert "Awaiting your decision" in html and waiting.number in html


async def test_list_costs_the_same_queries_for_two_or_twenty_quotes(tenant, pat, pat_client, count_queries):
    for n in range(2):
        await make_quote(tenant, pat, title=f"Quote {n}")
    await pat_client.get("/quotes")  # the host and plugin choices are cached from now on
    with count_queries() as few:
        assert (await pat_client.get("/quotes")).status_code == 200
    for n in range(18):
        await make_quote(tenant, pat, title=f"More {n}")
    with count_queries() as many:
        page = await pat_client.get("/quotes")
    assert "More 17" in await page.get_data(as_text=True)
    assert many.count == few.count


async def test_quote_page_shows_the_quote_and_marks_it_viewed(tenant, pat, pat_client):
    quote = await make_quote(tenant, pat, title="New pool pump")
    assert quote.status == "sent"
    page = await pat_client.get(f"/quotes/{quote.public_id}")
    html = await page.get_data(as_text=True)
    assert page.status_code == 200
    assert "New pool pump" in html and "Pump replacement" in html
    assert "$1,425.00" in html  # 1200.00 + 2.5 h x 90.00, computed on the server
    assert "Awaiting your decision" in html
    for action in ("quotes_approve", "quotes_reject", "quotes_changes", "quotes_question"):
        assert f'data-action="{action}"' in html
    viewed = await reload(tenant, quote)
    assert viewed.status == "viewed"
    assert (await revision(tenant, quote, 1)).viewed_at is not None


async def test_quote_pdf_and_print_view(tenant, pat, pat_client):
    quote = await make_quote(tenant, pat, title="New pool pump")
    response = await pat_client.get(f"/quotes/{quote.public_id}.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert f'filename="quote-{quote.number}.pdf"' in response.headers["Content-Disposition"]
    text = text_of(await response.get_data())
    assert f"Quote {quote.number}" in text and "Pump replacement" in text and "1,425.00" in text
    assert "Acme Pool Care" in text and "Pat Morgan" in text
    html = await (await pat_client.get(f"/quotes/{quote.public_id}")).get_data(as_text=True)
    assert "data-print" in html and f'href="/quotes/{quote.public_id}.pdf"' in html


async def test_other_accounts_and_other_tenants_get_404(tenant, other_tenant, pat, pat_client, make_customer, client_for):
    neighbour = await make_customer(tenant, "Neighbour", emails=["lee@example.com"])
    theirs = await make_quote(tenant, neighbour, title="Neighbour's quote")
    elsewhere_account = await make_customer(other_tenant, "Pat at Globex", emails=[PAT])
    elsewhere = await make_quote(other_tenant, elsewhere_account, title="Globex quote")
    for quote in (theirs, elsewhere):
        for path in ("", ".pdf", "/approve", "/reject", "/changes", "/question"):
            assert (await pat_client.get(f"/quotes/{quote.public_id}{path}")).status_code == 404, path
        response = await pat_client.submit(f"/quotes/{quote.public_id}/approve", {"revision": "1", "signature": "Pat"})
        assert response.status_code == 404
    listing = await (await pat_client.get("/quotes")).get_data(as_text=True)
    assert "Neighbour's quote" not in listing and "Globex quote" not in listing
    assert (await reload(tenant, theirs)).status == "sent"

    # The same address on a second account of this tenant: only the selected account's quotes.
    second = await make_customer(tenant, "Pat's rental", emails=[PAT])
    rental = await make_quote(tenant, second, title="Rental quote")
    assert (await pat_client.get(f"/quotes/{rental.public_id}")).status_code == 404
    signed_out = client_for(tenant)
    response = await signed_out.get(f"/quotes/{rental.public_id}")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


async def test_revised_quote_shows_what_changed_since_the_revision_before(tenant, pat, pat_client):
    quote = await make_quote(
        tenant, pat,
        lines=(("Pump replacement", 1000, 120000), ("Old filter", 1000, 5000), ("Labour (hours)", 2000, 9000)),
        revised_lines=(("Pump replacement", 1000, 110000), ("Labour (hours)", 2000, 9000), ("New valve", 1000, 4000)),
    )
    assert quote.revision == 2
    html = await (await pat_client.get(f"/quotes/{quote.public_id}")).get_data(as_text=True)
    assert "What changed since revision 1" in html
    assert "$1,430.00" in html and "$1,320.00" in html and "down $110.00" in html
    for kind, description in (("changed", "Pump replacement"), ("removed", "Old filter"), ("added", "New valve")):
        row = html.split(f'<tr class="change-{kind}">', 1)[1].split("</tr>", 1)[0]
        assert description in row
    assert '<tr class="change-same">' not in html  # unchanged lines are not listed
    assert (await revision(tenant, quote, 1)).status == "superseded"


async def test_job_page_has_a_quotes_tab_and_a_review_button(tenant, pat, pat_client):
    with use_tenant(tenant):
        job = await Job.create(account=pat, number="J-1", title="Pool heater")
        bare = await Job.create(account=pat, number="J-2", title="Nothing quoted")
    quote = await make_quote(tenant, pat, title="Heater quote", job=job)

    html = await (await pat_client.get(f"/jobs/{job.public_id}")).get_data(as_text=True)
    assert f'href="/jobs/{job.public_id}/quotes" data-tab="quotes"' in html
    assert 'data-action="quotes_review"' in html
    tab = await (await pat_client.get(f"/jobs/{job.public_id}/quotes")).get_data(as_text=True)
    assert quote.number in tab and "Quotes for job J-1" in tab

    html = await (await pat_client.get(f"/jobs/{bare.public_id}")).get_data(as_text=True)
    assert 'data-tab="quotes"' not in html and "quotes_review" not in html

    # Decided: the tab stays, the button goes.
    await decided(tenant, quote, "approved")
    html = await (await pat_client.get(f"/jobs/{job.public_id}")).get_data(as_text=True)
    assert 'data-tab="quotes"' in html and "quotes_review" not in html


async def test_home_card_counts_quotes_awaiting_a_decision(tenant, pat, pat_client):
    html = await (await pat_client.get("/")).get_data(as_text=True)
    assert "awaits your decision" not in html and "await your decision" not in html
    await make_quote(tenant, pat)
    await make_quote(tenant, pat)
    html = await (await pat_client.get("/")).get_data(as_text=True)
    assert "2 quotes await your decision." in html


async def test_quotes_section_switched_off_removes_tab_and_routes(tenant, pat, pat_client):
    quote = await make_quote(tenant, pat)
    tenant.portal_settings = {**tenant.portal_settings, "sections": {**tenant.portal_setting("sections"), "quotes": False}}
    await tenant.save()
    assert 'href="/quotes"' not in await (await pat_client.get("/")).get_data(as_text=True)
    assert (await pat_client.get("/quotes")).status_code == 404
    assert (await pat_client.get(f"/quotes/{quote.public_id}")).status_code == 404
