"""Staff open the portal as a customer: read only, bannered, audited (A8)."""

from __future__ import annotations

import time

from core.auth.current import COOKIE, customer_sessions
from core.console.testing import sign_in_staff
from core.models.customers import ContactEmail, PortalLogin
from core.models.platform import AuditEvent


async def email_id(tenant, in_tenant, email: str, account=None) -> str:
    with in_tenant(tenant):
        query = ContactEmail.filter(email=email)
        if account is not None:
            query = query.filter(contact__account_id=account.id)
        return (await query.get()).public_id


async def view_as(client, tenant, in_tenant, email: str, account=None):
    return await client.submit("/console/view-as/", {"email": await email_id(tenant, in_tenant, email, account)})


async def session_of(client, tenant, in_tenant):
    async with client.app.test_request_context("/", headers={"Host": client.host}):
        with in_tenant(tenant):
            return await customer_sessions().load(client.cookie(COOKIE))


async def test_viewing_as_a_customer_shows_their_portal_with_a_banner_and_is_audited(client, tenant, make_customer, in_tenant):
    await sign_in_staff(client, "tech@acme.test", role="staff")
    account = await make_customer(tenant, "Lee Household", emails=["lee@example.com"])
    r = await view_as(client, tenant, in_tenant, "lee@example.com")
    assert r.status_code == 302 and r.headers["Location"] == "/"
    home = await client.get("/")
    html = await home.get_data(as_text=True)
    assert home.status_code == 200
    assert "You are viewing the portal as <strong>Lee</strong> (Lee Household), <strong>read only</strong>." in html
    assert 'action="/console/view-as/end"' in html
    session = await session_of(client, tenant, in_tenant)
    assert session.subject == "lee@example.com" and session.account == account.public_id
    assert session.data == {"read_only": True, "staff": "tech@acme.test", "name": "Lee"}
    assert session.absolute_expires_at <= time.time() + 3600 + 5
    with in_tenant(tenant):
        event = await AuditEvent.get(action="staff.view_as_customer")
        assert (event.actor_type, event.actor, event.target) == ("staff", "tech@acme.test", account.public_id)
        assert event.detail == {"email": "lee@example.com"}
        # Not a sign-in of the customer's.
        assert not await PortalLogin.filter(email="lee@example.com", last_sign_in_at__isnull=False).exists()
        assert not await AuditEvent.filter(action="customer.sign_in").exists()


async def test_every_portal_form_is_refused_while_viewing_but_the_console_still_works(client, client_for, tenant, make_customer, in_tenant):
    account = await make_customer(tenant, "Lee Household", emails=["lee@example.com"])
    await make_customer(tenant, "Lee Cabin", emails=["lee@example.com"])
    # The customer's own session elsewhere.
    own = client_for(tenant)
    await own.sign_in_as("lee@example.com", account=account)
    await sign_in_staff(client, "tech@acme.test", role="staff")
    await view_as(client, tenant, in_tenant, "lee@example.com", account)
    for path in ("/sign-out/everywhere", "/accounts", "/security/sessions/whatever/revoke"):
        r = await client.submit(path, {"account": account.public_id})
        assert r.status_code == 403, path
        assert "read only" in await r.get_data(as_text=True)
    r = await client.submit("/sign-out/everywhere", headers={"Accept": "application/json"})
    assert (await r.get_json())["error"]["code"] == "read_only"
    assert (await own.get("/")).status_code == 200  # the customer was not signed out
    # Console forms are the staff member's own: they still work.
    assert (await client.submit("/console/notifications/read-all")).status_code == 302
    assert (await client.get("/console/customers/")).status_code == 200


async def test_ending_the_view_drops_the_session_and_returns_to_the_customer(client, tenant, make_customer, in_tenant):
    await sign_in_staff(client, "tech@acme.test", role="staff")
    account = await make_customer(tenant, "Lee Household", emails=["lee@example.com"])
    await view_as(client, tenant, in_tenant, "lee@example.com")
    r = await client.submit("/console/view-as/end")
    assert r.status_code == 302 and r.headers["Location"] == f"/console/customers/{account.public_id}"
    assert (await client.get("/")).headers["Location"].startswith("/sign-in")
    with in_tenant(tenant):
        event = await AuditEvent.get(action="staff.view_as_ended")
        assert (event.actor, event.target, event.detail) == ("tech@acme.test", account.public_id, {"email": "lee@example.com"})


async def test_end_never_touches_a_customers_own_session(client, tenant, make_customer):
    await make_customer(tenant, "Lee Household", emails=["lee@example.com"])
    await sign_in_staff(client, "tech@acme.test", role="staff")
    await client.sign_in_as("lee@example.com")
    r = await client.submit("/console/view-as/end")
    assert r.status_code == 302 and r.headers["Location"] == "/console/customers/"
    assert (await client.get("/")).status_code == 200  # still signed in as themself


async def test_plain_sign_out_ends_a_view_too(client, tenant, make_customer, in_tenant):
    await sign_in_staff(client)
    await make_customer(tenant, "Lee Household", emails=["lee@example.com"])
    await view_as(client, tenant, in_tenant, "lee@example.com")
    assert (await client.submit("/sign-out")).status_code == 302
    assert (await client.get("/")).headers["Location"].startswith("/sign-in")


async def test_view_as_is_refused_for_archived_other_tenants_and_non_staff(client, other_client, tenant, other_tenant, make_customer, in_tenant):
    lee = await make_customer(tenant, "Lee Household", emails=["lee@example.com"])
    await make_customer(other_tenant, "Globex Customer", emails=["g@example.com"])
    # Signed out: off to the console sign-in, no session made.
    r = await view_as(client, tenant, in_tenant, "lee@example.com")
    assert r.status_code == 302 and r.headers["Location"].startswith("/console/sign-in")
    assert client.cookie(COOKIE) is None
    await sign_in_staff(client)
    assert (await client.submit("/console/view-as/", {"email": await email_id(other_tenant, in_tenant, "g@example.com")})).status_code == 404
    assert (await client.submit("/console/view-as/", {"email": "em_" + "x" * 60})).status_code in (400, 404)
    with in_tenant(tenant):
        lee.archived = True
        await lee.save()
    assert (await view_as(client, tenant, in_tenant, "lee@example.com")).status_code == 409
    assert client.cookie(COOKIE) is None
    with in_tenant(tenant):
        assert not await AuditEvent.filter(action="staff.view_as_customer").exists()
