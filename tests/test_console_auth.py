"""Staff sign-in to the console: passwords, sessions, resets, and who never gets in (S1)."""

from __future__ import annotations

import re

import pytest

from core.auth.passwords import hash_password
from core.console.testing import sign_in_staff
from core.models.auth import LoginToken
from core.models.mail import OutboundEmail
from core.models.platform import AuditEvent
from core.models.staff import StaffUser
from core.testing import eventually
from tenants.service import create_tenant

PASSWORD = "tidy garden hose 42"
STAFF_LINK = re.compile(r"https?://[^\s\"<>]+(/console/(?:reset-password|accept-invite)/[\w-]+)")


async def make_staff(tenant, in_tenant, email="ann@acme.test", role="owner", password=PASSWORD, active=True) -> StaffUser:
    with in_tenant(tenant):
        return await StaffUser.create(
            email=email, name=email.split("@")[0].title(), role=role, active=active,
            password_hash=await hash_password(password) if password else None,
        )


async def staff_sign_in(client, email="ann@acme.test", password=PASSWORD, **extra):
    return await client.submit("/console/sign-in", {"email": email, "password": password, **extra})


def set_cookie_header(response, name: str) -> str:
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "="))


async def emails_to(tenant, in_tenant, address: str, count: int = 1) -> list[OutboundEmail]:
    async def arrived():
        with in_tenant(tenant):
            rows = await OutboundEmail.filter(to=address).order_by("id")
        return rows if len(rows) >= count else None

    return await eventually(arrived)


async def test_password_sign_in_opens_the_console_with_a_fresh_session(client, tenant, in_tenant):
    await make_staff(tenant, in_tenant)
    assert (await client.get("/console/")).headers["Location"] == "/console/sign-in?next=/console/"
    client.client.set_cookie("acme.localhost", "ps_staff", "planted-value-planted-value-planted", path="/console")
    await client.csrf()
    old_csrf = client.cookie("ps_csrf")
    r = await staff_sign_in(client, email=" Ann@ACME.test ")
    assert r.status_code == 302 and r.headers["Location"] == "/console/"
    header = set_cookie_header(r, "ps_staff")
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Path=/console" in header
    assert "Domain" not in header and "Secure" not in header  # host-only; localhost runs on http
    assert client.cookie("ps_staff") != "planted-value-planted-value-planted"
    assert client.cookie("ps_csrf") != old_csrf  # a planted CSRF token stops working too
    page = await client.get("/console/")
    assert page.status_code == 200 and "Hello, Ann" in await page.get_data(as_text=True)
    first = client.cookie("ps_staff")
    await staff_sign_in(client)
    assert client.cookie("ps_staff") != first
    with in_tenant(tenant):
        staff = await StaffUser.get(email="ann@acme.test")
        assert staff.last_sign_in_at is not None
        assert await AuditEvent.filter(action="staff.sign_in", actor="ann@acme.test").count() == 2


async def test_wrong_password_unknown_address_no_password_and_deactivated_answer_alike(client, tenant, in_tenant):
    await make_staff(tenant, in_tenant)
    await make_staff(tenant, in_tenant, email="new@acme.test", password=None)
    await make_staff(tenant, in_tenant, email="gone@acme.test", active=False)
    for email, password in [
        ("ann@acme.test", "not the password"),
        ("nobody@acme.test", PASSWORD),
        ("new@acme.test", ""),
        ("gone@acme.test", PASSWORD),
    ]:
        r = await staff_sign_in(client, email=email, password=password)
        assert r.status_code == 400, email
        assert "do not match" in await r.get_data(as_text=True)
    assert client.cookie("ps_staff") is None
    with in_tenant(tenant):
        assert await AuditEvent.filter(action="staff.sign_in_failed").count() == 4


@pytest.mark.parametrize(
    ("next_path", "landing"),
    [
        ("/console/staff/", "/console/staff/"),
        ("//evil.example/console/", "/console/"),
        ("https://evil.example/", "/console/"),
        ("/invoices", "/console/"),  # a portal page is not where staff sign in to
    ],
)
async def test_only_console_paths_are_landing_pages(client, tenant, in_tenant, next_path, landing):
    await make_staff(tenant, in_tenant)
    r = await staff_sign_in(client, next=next_path)
    assert r.headers["Location"] == landing


async def test_sign_out_ends_the_session_for_good(client, client_for, tenant, in_tenant):
    await make_staff(tenant, in_tenant)
    await staff_sign_in(client)
    cookie = client.cookie("ps_staff")
    r = await client.submit("/console/sign-out")
    assert r.status_code == 302 and r.headers["Location"] == "/console/sign-in"
    assert client.cookie("ps_staff") is None
    replay = client_for(tenant)
    replay.client.set_cookie("acme.localhost", "ps_staff", cookie, path="/console")
    assert (await replay.get("/console/")).status_code == 302


async def test_staff_password_attempts_are_rate_limited(make_app, client_for, in_tenant):
    async with make_app(rate_limits={"password_per_email": "3/900"}) as app:
        tenant = await create_tenant("acme", "Acme")
        await make_staff(tenant, in_tenant)
        client = client_for(tenant, app)
        for _ in range(3):
            assert (await staff_sign_in(client, password="wrong wrong wrong")).status_code == 400
        r = await staff_sign_in(client)  # the right password, over the limit
        assert r.status_code == 429 and "Please wait" in await r.get_data(as_text=True)
        assert client.cookie("ps_staff") is None


async def test_console_forms_need_a_csrf_token(client, tenant, in_tenant):
    await make_staff(tenant, in_tenant)
    r = await client.post("/console/sign-in", form={"email": "ann@acme.test", "password": PASSWORD})
    assert r.status_code == 403 and "csrf_failed" in await r.get_data(as_text=True)
    await sign_in_staff(client, "ann@acme.test")
    r = await client.post("/console/settings/portal/switch", form={"enabled": "off", "csrf_token": "forged"})
    assert r.status_code == 403
    with in_tenant(tenant):
        assert (await type(tenant).get(id=tenant.id)).portal_enabled is True


async def test_secure_cookie_outside_localhost(make_app, client_for, in_tenant):
    async with make_app(base_domain="porchside.test") as app:
        tenant = await create_tenant("acme", "Acme")
        await make_staff(tenant, in_tenant)
        r = await staff_sign_in(client_for("acme.porchside.test", app))
        assert "Secure" in set_cookie_header(r, "ps_staff")


async def test_forgot_password_emails_a_single_use_reset_link(client, client_for, tenant, in_tenant):
    await make_staff(tenant, in_tenant)
    laptop = client_for(tenant)
    await staff_sign_in(laptop)
    known = await client.submit("/console/forgot-password", {"email": "ann@acme.test"})
    unknown = await client.submit("/console/forgot-password", {"email": "nobody@acme.test"})
    assert known.status_code == unknown.status_code == 200
    assert "is on its way" in await known.get_data(as_text=True) and "is on its way" in await unknown.get_data(as_text=True)
    [email] = await emails_to(tenant, in_tenant, "ann@acme.test")
    assert email.kind == "console.staff_reset" and "password" in email.subject.lower()
    assert "because you are on the staff of Acme Pool Care" in email.text
    path = STAFF_LINK.search(email.text).group(1)
    assert path.startswith("/console/reset-password/")
    with in_tenant(tenant):
        await eventually(lambda: AuditEvent.filter(action="staff.reset_requested_unknown").exists())
        assert not await OutboundEmail.filter(to="nobody@acme.test").exists()
    # Opening the link (a mail scanner does) uses nothing up.
    for _ in range(2):
        assert (await client.get(path)).status_code == 200
    weak = await client.submit(path, {"password": "password123", "confirm": "password123"})
    assert weak.status_code == 400 and "too common" in await weak.get_data(as_text=True)
    r = await client.submit(path, {"password": "a brand new secret", "confirm": "a brand new secret"})
    assert r.status_code == 302 and r.headers["Location"] == "/console/"
    assert (await client.get("/console/")).status_code == 200
    assert (await laptop.get("/console/")).status_code == 302  # a new password ends the other sessions
    again = await client_for(tenant).submit(path, {"password": "another secret here", "confirm": "another secret here"})
    assert again.status_code == 410 and "already used" in await again.get_data(as_text=True)
    assert (await staff_sign_in(client_for(tenant), password="a brand new secret")).status_code == 302
    assert (await staff_sign_in(client_for(tenant))).status_code == 400  # the old password is gone


async def test_a_reset_link_dies_with_the_account_and_customer_links_do_not_fit(client, tenant, in_tenant, make_customer):
    from core.auth import tokens

    staff = await make_staff(tenant, in_tenant)
    await make_customer(tenant, "Ann at home", emails=["ann@acme.test"])
    with in_tenant(tenant):
        reset = await tokens.issue("staff_reset", staff.email)
        customer_reset = await tokens.issue("reset", staff.email)
        staff.active = False
        await staff.save()
    assert (await client.get(f"/console/reset-password/{reset.token}")).status_code == 410
    assert (await client.get(f"/console/reset-password/{customer_reset.token}")).status_code == 404
    assert (await client.get("/console/reset-password/not-a-token")).status_code == 404


async def test_a_customer_session_never_opens_the_console(client, tenant, make_customer, in_tenant):
    await make_customer(tenant, "Pat's House", emails=["pat@example.com"])
    await make_staff(tenant, in_tenant, email="pat@example.com")  # even with the same address
    await client.sign_in_as("pat@example.com")
    assert (await client.get("/")).status_code == 200
    r = await client.get("/console/settings/portal")
    assert r.status_code == 302 and r.headers["Location"].startswith("/console/sign-in")
    # The customer's session id handed in as a staff cookie is no staff session.
    client.client.set_cookie("acme.localhost", "ps_staff", client.cookie("ps_session"), path="/console")
    assert (await client.get("/console/")).status_code == 302


async def test_a_staff_session_of_one_tenant_is_unknown_on_another(client, other_client, tenant, other_tenant, in_tenant):
    await make_staff(tenant, in_tenant)
    await make_staff(other_tenant, in_tenant)  # the same person works for both businesses
    await staff_sign_in(client)
    other_client.client.set_cookie("globex.localhost", "ps_staff", client.cookie("ps_staff"), path="/console")
    r = await other_client.get("/console/")
    assert r.status_code == 302 and r.headers["Location"].startswith("/console/sign-in")
    assert (await client.get("/console/")).status_code == 200


async def test_deactivation_signs_out_at_once(client, tenant, in_tenant):
    staff = await make_staff(tenant, in_tenant, role="staff")
    await staff_sign_in(client)
    assert (await client.get("/console/")).status_code == 200
    with in_tenant(tenant):
        staff.active = False
        await staff.save()
    r = await client.get("/console/")
    assert r.status_code == 302 and client.cookie("ps_staff") is None


async def test_tokens_are_stored_hashed(client, tenant, in_tenant):
    await make_staff(tenant, in_tenant)
    await client.submit("/console/forgot-password", {"email": "ann@acme.test"})
    [email] = await emails_to(tenant, in_tenant, "ann@acme.test")
    token = STAFF_LINK.search(email.text).group(1).rsplit("/", 1)[1]
    with in_tenant(tenant):
        row = await LoginToken.get(purpose="staff_reset")
    assert row.token_hash != token and len(row.token_hash) == 64


async def test_a_newer_staff_link_revokes_the_older_ones(client, tenant, in_tenant):
    from core.auth import tokens

    staff = await make_staff(tenant, in_tenant, password=None)
    with in_tenant(tenant):
        first = await tokens.issue("staff_invite", staff.email)
        second = await tokens.issue("staff_invite", staff.email)
    assert (await client.get(f"/console/accept-invite/{first.token}")).status_code == 410
    assert (await client.get(f"/console/accept-invite/{second.token}")).status_code == 200
    with in_tenant(tenant):
        reset = await tokens.issue("staff_reset", staff.email)
    assert (await client.get(f"/console/accept-invite/{second.token}")).status_code == 410
    assert (await client.get(f"/console/reset-password/{reset.token}")).status_code == 200


async def test_an_invitation_never_overwrites_a_chosen_password(client, client_for, tenant, in_tenant):
    from core.auth import tokens

    staff = await make_staff(tenant, in_tenant, password=None)
    with in_tenant(tenant):
        invite = await tokens.issue("staff_invite", staff.email)
        staff.password_hash = await hash_password(PASSWORD)  # chosen meanwhile, say through a reset
        await staff.save()
    page = await client.get(f"/console/accept-invite/{invite.token}")
    assert page.status_code == 200 and "You already have a login" in await page.get_data(as_text=True)
    new = "another hose reel 77"
    r = await client.submit(f"/console/accept-invite/{invite.token}", {"password": new, "confirm": new})
    assert r.status_code == 409 and client.cookie("ps_staff") is None
    assert (await staff_sign_in(client_for(tenant))).status_code == 302  # the old password still works
