"""The console's customers list and customer page, and "Email portal link" (S5, A1)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from core.console.testing import sign_in_staff
from core.models.customers import ContactEmail, PortalLogin
from core.models.mail import OutboundEmail
from core.models.platform import AuditEvent


def rows_of(html: str) -> list[str]:
    """The names in the customers table, in order."""
    return re.findall(r'<th scope="row"><a href="/console/customers/acct_[\w-]+">([^<]+)</a>', html)


async def page(client, path: str) -> str:
    r = await client.get(path)
    assert r.status_code == 200, (path, r.status_code)
    return await r.get_data(as_text=True)


async def test_the_list_shows_each_contacts_portal_status_and_last_sign_in(client, tenant, make_customer, in_tenant):
    await sign_in_staff(client, "ann@acme.test", role="admin")
    await make_customer(tenant, "Lee Household", emails=["lee@example.com", "kim@example.com", "sam@example.com"])
    with in_tenant(tenant):
        signed = datetime(2025, 3, 4, 15, 0, tzinfo=timezone.utc)
        await PortalLogin.create(email="kim@example.com", invited_at=signed - timedelta(days=2))
        await PortalLogin.create(
            email="sam@example.com", invited_at=signed - timedelta(days=3), password_set_at=signed - timedelta(days=1), last_sign_in_at=signed
        )
    html = await page(client, "/console/customers/")
    lee = re.search(r"lee@example.com.*?</li>", html, re.S).group(0)
    kim = re.search(r"kim@example.com.*?</li>", html, re.S).group(0)
    sam = re.search(r"sam@example.com.*?</li>", html, re.S).group(0)
    assert "Not invited" in lee and "Never signed in" in lee
    assert "Invited Mar 2, 2025" in kim and "Never signed in" in kim
    assert "Login created" in sam and "Last sign-in 3/4/25" in sam
    # Admins may invite: the rows have checkboxes and the send buttons show.
    assert 'name="account"' in html and "Send portal invite to selected" in html


async def test_search_finds_names_numbers_contacts_and_addresses(client, tenant, make_customer, in_tenant):
    await sign_in_staff(client)
    await make_customer(tenant, "Lee Household", emails=["lee@example.com"])
    await make_customer(tenant, "Ortiz Pools", emails=["accounts@ortiz.test"])
    pine = await make_customer(tenant, "Pine Street HOA", emails=["board@pine.test"])
    with in_tenant(tenant):
        pine.number = "HOA-77"
        await pine.save()
    assert rows_of(await page(client, "/console/customers/?q=household")) == ["Lee Household"]
    assert rows_of(await page(client, "/console/customers/?q=hoa-77")) == ["Pine Street HOA"]
    assert rows_of(await page(client, "/console/customers/?q=ORTIZ.TEST")) == ["Ortiz Pools"]
    assert rows_of(await page(client, "/console/customers/?q=Board")) == ["Pine Street HOA"]  # the contact's name
    empty = await page(client, "/console/customers/?q=nobody-here")
    assert rows_of(empty) == [] and "No customer matches “nobody-here”" in empty
    assert rows_of(await page(client, "/console/customers/")) == ["Lee Household", "Ortiz Pools", "Pine Street HOA"]
    assert rows_of(await page(client, "/console/customers/?sort=-name")) == ["Pine Street HOA", "Ortiz Pools", "Lee Household"]


async def test_archived_customers_show_only_when_asked(client, tenant, make_customer, in_tenant):
    await sign_in_staff(client)
    old = await make_customer(tenant, "Gone Away", emails=["gone@example.com"])
    await make_customer(tenant, "Still Here", emails=["here@example.com"])
    with in_tenant(tenant):
        old.archived = True
        await old.save()
    assert rows_of(await page(client, "/console/customers/")) == ["Still Here"]
    html = await page(client, "/console/customers/?archived=1")
    assert rows_of(html) == ["Gone Away", "Still Here"] and "Archived" in html


async def test_the_list_is_paginated_with_the_same_queries_for_few_and_many_rows(client, tenant, make_customer, count_queries):
    await sign_in_staff(client)
    for n in range(2):
        await make_customer(tenant, f"Customer {n:02d}", emails=[f"c{n}@example.com", f"d{n}@example.com"])
    await page(client, "/console/customers/")  # warm: sessions, plugin state
    with count_queries() as few:
        await page(client, "/console/customers/")
    for n in range(2, 30):
        await make_customer(tenant, f"Customer {n:02d}", emails=[f"c{n}@example.com", f"d{n}@example.com"])
    with count_queries() as many:
        first = await page(client, "/console/customers/")
    assert many.count == few.count
    assert len(rows_of(first)) == 25 and "Showing 1–25 of 30 customers" in first
    second = await page(client, "/console/customers/?page=2")
    assert rows_of(second) == [f"Customer {n:02d}" for n in range(25, 30)]


async def test_staff_without_the_invite_permission_see_no_invite_controls(client, tenant, make_customer):
    account = await make_customer(tenant, "Lee Household", emails=["lee@example.com"])
    await sign_in_staff(client, "tech@acme.test", role="staff")
    html = await page(client, "/console/customers/")
    assert rows_of(html) == ["Lee Household"]
    assert 'name="account"' not in html and "Send portal invite" not in html
    detail = await page(client, f"/console/customers/{account.public_id}")
    assert "Send portal invite" not in detail and "Email portal link" in detail
    assert (await client.get(f"/console/customers/invites/new?account={account.public_id}")).status_code == 403


async def test_customer_page_lists_contacts_addresses_and_the_invoice_flag(client, tenant, make_customer, other_tenant):
    await sign_in_staff(client)
    account = await make_customer(tenant, "Lee Household", emails=["lee@example.com", "kim@example.com"], no_invoices=["kim@example.com"])
    html = await page(client, f"/console/customers/{account.public_id}")
    assert "<h1>Lee Household</h1>" in html
    lee = re.search(r"<th scope=\"row\">lee@example.com</th>.*?</tr>", html, re.S).group(0)
    kim = re.search(r"<th scope=\"row\">kim@example.com</th>.*?</tr>", html, re.S).group(0)
    assert "<td>Yes</td>" in lee and "<td>No</td>" in kim
    assert "Email portal link" in lee and "View portal as this customer" in lee
    # Another tenant's account, or a made-up id, is not found here.
    theirs = await make_customer(other_tenant, "Globex Customer", emails=["g@example.com"])
    assert (await client.get(f"/console/customers/{theirs.public_id}")).status_code == 404
    assert (await client.get("/console/customers/acct_nope")).status_code == 404


async def _address(tenant, in_tenant, email: str) -> ContactEmail:
    with in_tenant(tenant):
        return await ContactEmail.get(email=email)


async def test_email_portal_link_sends_a_sign_in_link_and_is_audited(client, tenant, make_customer, in_tenant):
    staff = await sign_in_staff(client, "ann@acme.test", role="staff")
    account = await make_customer(tenant, "Lee Household", emails=["lee@example.com"])
    address = await _address(tenant, in_tenant, "lee@example.com")
    r = await client.submit(f"/console/customers/{account.public_id}/emails/{address.public_id}/portal-link")
    assert r.status_code == 302 and r.headers["Location"].endswith("done=link_sent")
    assert "Portal link sent" in await page(client, r.headers["Location"])
    with in_tenant(tenant):
        emails = await OutboundEmail.filter(to="lee@example.com")
        assert [e.kind for e in emails] == ["auth.magic"]
        assert re.search(r"/sign-in/link/[\w-]+", emails[0].text)
        event = await AuditEvent.get(action="customer.magic_link_issued")
        assert event.actor_type == "staff" and event.actor == staff.email


async def test_email_portal_link_is_rate_limited_refused_when_archived_and_scoped(client, tenant, make_customer, in_tenant, other_tenant):
    await sign_in_staff(client)
    account = await make_customer(tenant, "Lee Household", emails=["lee@example.com"])
    other = await make_customer(tenant, "Other Family", emails=["other@example.com"])
    address = await _address(tenant, in_tenant, "lee@example.com")
    path = f"/console/customers/{account.public_id}/emails/{address.public_id}/portal-link"
    for _ in range(5):
        assert (await client.submit(path)).status_code == 302
    r = await client.submit(path)
    assert r.status_code == 429 and "Wait a few minutes" in await r.get_data(as_text=True)
    with in_tenant(tenant):
        assert await OutboundEmail.filter(to="lee@example.com").count() == 5
    # An address of another account cannot be used through this account.
    theirs = await _address(tenant, in_tenant, "other@example.com")
    assert (await client.submit(f"/console/customers/{account.public_id}/emails/{theirs.public_id}/portal-link")).status_code == 404
    with in_tenant(tenant):
        other.archived = True
        await other.save()
    r = await client.submit(f"/console/customers/{other.public_id}/emails/{theirs.public_id}/portal-link")
    assert r.status_code == 409 and "archived" in await r.get_data(as_text=True)
    with in_tenant(tenant):
        assert await OutboundEmail.filter(to="other@example.com").count() == 0


async def test_a_bad_stored_address_is_reported_not_a_server_error(client, tenant, make_customer, in_tenant):
    await sign_in_staff(client)
    account = await make_customer(tenant, "Typo Family", emails=["typo@@example"])
    address = await _address(tenant, in_tenant, "typo@@example")
    r = await client.submit(f"/console/customers/{account.public_id}/emails/{address.public_id}/portal-link")
    assert r.status_code == 400 and "No link was sent" in await r.get_data(as_text=True)


async def test_customers_pages_need_a_staff_session_of_this_tenant(client, other_client, tenant, other_tenant, make_customer):
    account = await make_customer(tenant, "Lee Household", emails=["lee@example.com"])
    # A customer session is not a staff session.
    await client.sign_in_as("lee@example.com")
    r = await client.get("/console/customers/")
    assert r.status_code == 302 and r.headers["Location"].startswith("/console/sign-in")
    # A staff session of another tenant is unknown on this host.
    await sign_in_staff(other_client, "boss@globex.test")
    other_client.host = client.host
    r = await other_client.get(f"/console/customers/{account.public_id}")
    assert r.status_code == 302 and r.headers["Location"].startswith("/console/sign-in")
