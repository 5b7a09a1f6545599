"""Staff open the portal as a customer: read only, bannered, audited, bound to the staff session (A8).

Who may: owners and admins, staff only where the business allows it; a
view ends with the staff session behind it (issue 14, items 2 and extras).
"""

from __future__ import annotations

import time

from core.auth.current import COOKIE, customer_sessions
from core.auth.sessions import hash_session_id
from core.console.access import COOKIE as STAFF_COOKIE
from core.console.testing import sign_in_staff
from core.models.customers import ContactEmail, PortalLogin
from core.models.platform import AuditEvent
from tenants.models import PORTAL_SECTIONS


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
    tech = await sign_in_staff(client, "tech@acme.test", role="admin")
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
    assert session.data == {
        "read_only": True, "staff": "tech@acme.test", "name": "Lee",
        # bound to the staff session of this browser (a hash, never the cookie's value)
        "staff_id": tech.public_id, "staff_role": "admin", "staff_session": hash_session_id(client.cookie(STAFF_COOKIE)),
    }
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
    await sign_in_staff(client, "tech@acme.test", role="admin")
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
    await sign_in_staff(client, "tech@acme.test", role="admin")
    account = await make_customer(tenant, "Lee Household", emails=["lee@example.com"])
    await view_as(client, tenant, in_tenant, "lee@example.com")
    r = await client.submit("/console/view-as/end")
    assert r.status_code == 302 and r.headers["Location"] == f"/console/customers/{account.public_id}"
    assert (await client.get("/")).headers["Location"].startswith("/sign-in")
    with in_tenant(tenant):
        event = await AuditEvent.get(action="staff.view_as_ended")
        assert (event.actor, event.target, event.detail) == ("tech@acme.test", account.public_id, {"email": "lee@example.com", "reason": "ended"})


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


# A view is bound to the staff session that opened it (issue 14, item 2).

PORTAL_PAGES = ("/invoices", "/jobs", "/documents", "/statement")


async def viewing_admin(client, client_for, tenant, make_customer, in_tenant):
    """``client``: Ann (admin) viewing Lee's portal; returns the owner's own console client."""
    await make_customer(tenant, "Lee Household", emails=["lee@example.com"])
    owner = client_for(tenant)
    await sign_in_staff(owner, "owner@acme.test", role="owner")
    ann = await sign_in_staff(client, "ann@acme.test", role="admin")
    assert (await view_as(client, tenant, in_tenant, "lee@example.com")).status_code == 302
    for path in PORTAL_PAGES:
        assert (await client.get(path)).status_code == 200, path
    return owner, ann


async def assert_view_ended(client, tenant, in_tenant, reason: str):
    for path in PORTAL_PAGES:
        r = await client.get(path)
        assert r.status_code == 302 and r.headers["Location"].startswith("/sign-in"), (path, r.status_code)
    assert client.cookie(COOKIE) is None  # the view's cookie is cleared, its session gone
    with in_tenant(tenant):
        event = await AuditEvent.get(action="staff.view_as_ended")
        assert event.actor == "ann@acme.test" and event.detail["reason"] == reason


async def test_a_view_ends_when_its_staff_member_signs_out_of_the_console(client, client_for, tenant, make_customer, in_tenant):
    await viewing_admin(client, client_for, tenant, make_customer, in_tenant)
    assert (await client.submit("/console/sign-out")).status_code == 302
    await assert_view_ended(client, tenant, in_tenant, "staff_session_ended")


async def test_a_view_ends_when_its_staff_member_is_deactivated(client, client_for, tenant, make_customer, in_tenant):
    owner, ann = await viewing_admin(client, client_for, tenant, make_customer, in_tenant)
    assert (await owner.submit(f"/console/staff/{ann.public_id}/deactivate")).status_code == 302
    await assert_view_ended(client, tenant, in_tenant, "staff_session_ended")


async def test_a_view_ends_when_its_staff_members_role_changes(client, client_for, tenant, make_customer, in_tenant):
    owner, ann = await viewing_admin(client, client_for, tenant, make_customer, in_tenant)
    assert (await owner.submit(f"/console/staff/{ann.public_id}/role", {"role": "owner"})).status_code == 302
    # Still signed in to the console, now as an owner: the view made as an admin is over all the same.
    assert (await client.get("/console/customers/")).status_code == 200
    await assert_view_ended(client, tenant, in_tenant, "staff_role_changed")


# Who may view (issue 14, extras): owners and admins; staff only where the business allows it.

VIEW_BUTTON = "View portal as this customer"


async def save_portal_settings(client, **extra):
    """Post the portal settings form as it stands by default, plus ``extra``."""
    form = {"sign_in_methods": "both", "magic_link_minutes": "15", "deep_link_days": "7"}
    form.update({f"section_{key}": "on" for key in PORTAL_SECTIONS})
    form.update(extra)
    r = await client.submit("/console/settings/portal", form)
    assert r.status_code == 302, (await r.get_data(as_text=True))[:300]


async def test_owners_and_admins_may_view_as_a_customer_staff_may_not_by_default(client_for, tenant, make_customer, in_tenant):
    lee = await make_customer(tenant, "Lee Household", emails=["lee@example.com"])
    for role in ("owner", "admin", "staff"):
        browser = client_for(tenant)
        await sign_in_staff(browser, f"{role}@acme.test", role=role)
        page = await (await browser.get(f"/console/customers/{lee.public_id}")).get_data(as_text=True)
        r = await view_as(browser, tenant, in_tenant, "lee@example.com")
        if role == "staff":
            assert VIEW_BUTTON not in page
            assert r.status_code == 403 and "forbidden" in await r.get_data(as_text=True)
            assert browser.cookie(COOKIE) is None
        else:
            assert VIEW_BUTTON in page
            assert r.status_code == 302 and (await browser.get("/invoices")).status_code == 200
    with in_tenant(tenant):
        viewers = sorted(e.actor for e in await AuditEvent.filter(action="staff.view_as_customer"))
    assert viewers == ["admin@acme.test", "owner@acme.test"]


async def test_a_business_may_let_staff_view_as_and_take_it_back(client, client_for, tenant, make_customer, in_tenant):
    lee = await make_customer(tenant, "Lee Household", emails=["lee@example.com"])
    admin = client_for(tenant)
    await sign_in_staff(admin, "ann@acme.test", role="admin")
    settings_page = await (await admin.get("/console/settings/portal")).get_data(as_text=True)
    assert 'name="staff_may_view_as"' in settings_page and 'id="staff_may_view_as" name="staff_may_view_as" aria-describedby="staff-view-as-hint">' in settings_page
    await save_portal_settings(admin, staff_may_view_as="on")
    with in_tenant(tenant):
        saved = await AuditEvent.filter(action="settings.portal_saved").order_by("-id").first()
        assert saved.detail["staff_may_view_as"] is True

    await sign_in_staff(client, "tech@acme.test", role="staff")
    assert VIEW_BUTTON in await (await client.get(f"/console/customers/{lee.public_id}")).get_data(as_text=True)
    assert (await view_as(client, tenant, in_tenant, "lee@example.com")).status_code == 302
    assert (await client.get("/invoices")).status_code == 200
    assert (await session_of(client, tenant, in_tenant)).data["grant"] == "staff_may_view_as"

    # Switched off again: the open view ends at its next request, and no new one starts.
    await save_portal_settings(admin)
    r = await client.get("/invoices")
    assert r.status_code == 302 and r.headers["Location"].startswith("/sign-in")
    with in_tenant(tenant):
        assert (await AuditEvent.get(action="staff.view_as_ended")).detail["reason"] == "setting_off"
    assert (await view_as(client, tenant, in_tenant, "lee@example.com")).status_code == 403
    assert VIEW_BUTTON not in await (await client.get(f"/console/customers/{lee.public_id}")).get_data(as_text=True)
