"""Magic links, deep links, invites and password resets through real SMTP (A2, A3, A5)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from core.auth import links, tokens
from core.models.auth import LoginToken
from core.models.customers import PortalLogin
from core.models.platform import AuditEvent
from core.testing import eventually
from tenants.service import create_tenant

LINK = re.compile(r"https?://[^\s\"<>]+/(?:sign-in/link|create-login|reset-password)/[\w-]+")


@pytest.fixture
async def mail_app(make_app, smtp_server):
    async with make_app(smtp_url=smtp_server.url, dev_outbox=False) as app:
        yield app


@pytest.fixture
async def acme(mail_app):
    return await create_tenant("acme", "Acme Pool Care", contact_email="office@acme.test")


@pytest.fixture
async def globex(mail_app):
    return await create_tenant("globex", "Globex Plumbing")


def links_in(message) -> list[str]:
    text = message.get_body(("plain",)).get_content()
    return LINK.findall(text)


async def next_message(smtp_server, count: int):
    await eventually(lambda: len(smtp_server.messages) >= count)
    return smtp_server.messages[count - 1]


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


async def test_magic_link_flow_from_email_to_signed_in_page(mail_app, acme, make_customer, client_for, smtp_server):
    await make_customer(acme, "Pat's House", emails=["pat@example.com"])
    client = client_for(acme, mail_app)
    r = await client.submit("/sign-in/link", {"email": "Pat@Example.com "})
    assert r.status_code == 200
    assert "a sign-in link is on its way" in await r.get_data(as_text=True)
    message = await next_message(smtp_server, 1)
    assert message["To"] == "pat@example.com"
    assert "Acme Pool Care" in message["From"]
    assert "sign-in link" in message["Subject"].lower()
    [url] = links_in(message)
    assert url.startswith("http://acme.localhost/")
    # Opening the link (what a mail scanner does) signs nobody in and consumes nothing.
    for _ in range(2):
        page = await client.get(path_of(url))
        assert page.status_code == 200
        assert "Continue" in await page.get_data(as_text=True)
    assert client.cookie("ps_session") is None
    r = await client.submit(path_of(url))
    assert r.status_code == 302
    home = await client.get("/")
    assert home.status_code == 200 and "Pat&#39;s House" in await home.get_data(as_text=True)
    # Single use: a second POST is refused and offers a new link.
    again = await client_for(acme, mail_app).submit(path_of(url))
    assert again.status_code == 410
    assert "already used" in await again.get_data(as_text=True)


async def test_unknown_email_gets_the_same_answer_and_no_mail(mail_app, acme, make_customer, client_for, smtp_server, in_tenant):
    await make_customer(acme, "Pat's House", emails=["pat@example.com"])
    client = client_for(acme, mail_app)
    known = await client.submit("/sign-in/link", {"email": "pat@example.com"})
    unknown = await client.submit("/sign-in/link", {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    strip = lambda text: text.replace("pat@example.com", "X").replace("nobody@example.com", "X")  # noqa: E731
    assert strip(await known.get_data(as_text=True)).count("on its way") == strip(await unknown.get_data(as_text=True)).count("on its way")
    await next_message(smtp_server, 1)
    with in_tenant(acme):
        await eventually(lambda: AuditEvent.filter(action="customer.link_requested_unknown").exists())
    assert [m["To"] for m in smtp_server.messages] == ["pat@example.com"]


async def test_token_is_stored_hashed_and_expires(mail_app, acme, make_customer, client_for, smtp_server, in_tenant):
    await make_customer(acme, "Pat's House", emails=["pat@example.com"])
    client = client_for(acme, mail_app)
    await client.submit("/sign-in/link", {"email": "pat@example.com"})
    [url] = links_in(await next_message(smtp_server, 1))
    token = url.rsplit("/", 1)[1]
    assert len(token) >= 43  # 256 bits, url-safe
    with in_tenant(acme):
        row = await LoginToken.get(email="pat@example.com")
        assert token not in (row.token_hash, row.public_id)
        assert row.token_hash == tokens.hash_token(token)
        assert timedelta(minutes=14) < row.expires_at - row.created_at <= timedelta(minutes=15, seconds=5)
        row.expires_at = row.created_at  # let it expire
        await row.save()
    r = await client.submit(path_of(url))
    assert r.status_code == 410
    body = await r.get_data(as_text=True)
    assert "expired" in body and "Email me a new link" in body
    # The expired page can send a fresh link to the same address.
    await client.submit(path_of(url) + "/renew")
    [fresh] = links_in(await next_message(smtp_server, 2))
    assert fresh != url
    assert (await client.submit(path_of(fresh))).status_code == 302


async def test_link_of_another_tenant_is_not_valid_here(mail_app, acme, globex, make_customer, client_for, smtp_server):
    await make_customer(acme, "Pat at Acme", emails=["pat@example.com"])
    await make_customer(globex, "Pat at Globex", emails=["pat@example.com"])
    await client_for(acme, mail_app).submit("/sign-in/link", {"email": "pat@example.com"})
    [url] = links_in(await next_message(smtp_server, 1))
    elsewhere = client_for(globex, mail_app)
    assert (await elsewhere.get(path_of(url))).status_code == 404
    assert (await elsewhere.submit(path_of(url))).status_code == 404
    assert elsewhere.cookie("ps_session") is None
    # Still valid where it belongs.
    assert (await client_for(acme, mail_app).submit(path_of(url))).status_code == 302


async def test_forged_host_never_reaches_an_email(mail_app, acme, make_customer, client_for, smtp_server):
    await make_customer(acme, "Pat's House", emails=["pat@example.com"])
    # A request whose Host is acme's, with forwarding headers pointing elsewhere.
    client = client_for(acme, mail_app)
    await client.submit(
        "/sign-in/link",
        {"email": "pat@example.com"},
        headers={"X-Forwarded-Host": "evil.example", "Forwarded": "host=evil.example"},
    )
    message = await next_message(smtp_server, 1)
    body = message.get_body(("plain",)).get_content() + message.get_body(("html",)).get_content()
    assert "evil.example" not in body
    assert all(u.startswith("http://acme.localhost/") for u in links_in(message))


async def test_deep_link_lands_on_the_document_with_the_account(mail_app, acme, make_customer, client_for, in_tenant):
    await make_customer(acme, "Pat's House", emails=["pat@example.com"])
    rental = await make_customer(acme, "Pat's Rental", emails=["pat@example.com"])
    services = mail_app.extensions["porchside"]
    with in_tenant(acme):
        url = await links.deep_link(services, "pat@example.com", rental, "/contact")
        row = await LoginToken.get(purpose="deep")
        assert timedelta(days=6, hours=23) < row.expires_at - row.created_at <= timedelta(days=7, minutes=1)
    client = client_for(acme, mail_app)
    r = await client.submit(path_of(url))
    assert r.status_code == 302 and r.headers["Location"].endswith("/contact")
    home = await (await client.get("/")).get_data(as_text=True)
    assert f'<option value="{rental.public_id}" selected>' in home
    # Already signed in as the same person: a second deep link opens directly.
    with in_tenant(acme):
        second = await links.deep_link(services, "pat@example.com", rental, "/security")
    r = await client.get(path_of(second))
    assert r.status_code == 302 and r.headers["Location"].endswith("/security")


async def test_invite_creates_a_password_login(mail_app, acme, make_customer, client_for, smtp_server, in_tenant):
    await make_customer(acme, "Pat's House", emails=["pat@example.com"])
    services = mail_app.extensions["porchside"]
    with in_tenant(acme):
        assert await links.send_invite(services, "pat@example.com", invited_by="owner@acme.test")
        assert not await links.send_invite(services, "nobody@example.com")
        login = await PortalLogin.get(email="pat@example.com")
        assert login.invited_at is not None and login.password_hash is None
    message = await next_message(smtp_server, 1)
    assert "Create your customer portal login" in message["Subject"]
    [url] = links_in(message)
    assert "/create-login/" in url
    client = client_for(acme, mail_app)
    page = await (await client.get(path_of(url))).get_data(as_text=True)
    assert 'value="pat@example.com" readonly' in page  # the username is the profile's email
    weak = await client.submit(path_of(url), {"password": "password123", "confirm": "password123"})
    assert weak.status_code == 400 and "too common" in await weak.get_data(as_text=True)
    mismatch = await client.submit(path_of(url), {"password": "blue pelican 42", "confirm": "blue pelican 43"})
    assert mismatch.status_code == 400
    ok = await client.submit(path_of(url), {"password": "blue pelican 42", "confirm": "blue pelican 42"})
    assert ok.status_code == 302
    assert (await client.get("/")).status_code == 200
    # The new password works from another browser.
    other = client_for(acme, mail_app)
    r = await other.submit("/sign-in/password", {"email": "pat@example.com", "password": "blue pelican 42"})
    assert r.status_code == 302
    with in_tenant(acme):
        assert (await PortalLogin.get(email="pat@example.com")).password_hash.startswith("$argon2id$")


async def test_forgot_password_resets_and_ends_other_sessions(mail_app, acme, make_customer, client_for, smtp_server, in_tenant):
    from core.auth.passwords import hash_password

    await make_customer(acme, "Pat's House", emails=["pat@example.com"])
    with in_tenant(acme):
        await PortalLogin.create(email="pat@example.com", password_hash=await hash_password("old password here"))
    old_browser = client_for(acme, mail_app)
    await old_browser.submit("/sign-in/password", {"email": "pat@example.com", "password": "old password here"})
    assert (await old_browser.get("/")).status_code == 200
    client = client_for(acme, mail_app)
    r = await client.submit("/forgot-password", {"email": "pat@example.com"})
    assert r.status_code == 200
    [url] = links_in(await next_message(smtp_server, 1))
    assert "/reset-password/" in url
    r = await client.submit(path_of(url), {"password": "new harbour lights", "confirm": "new harbour lights"})
    assert r.status_code == 302
    assert (await old_browser.get("/")).status_code == 302  # signed out
    bad = await client_for(acme, mail_app).submit("/sign-in/password", {"email": "pat@example.com", "password": "old password here"})
    assert bad.status_code == 400
    # The reset link is single-use.
    assert (await client_for(acme, mail_app).get(path_of(url))).status_code == 410


async def test_link_requests_are_rate_limited_without_sending(make_app, smtp_server, make_customer, client_for):
    async with make_app(smtp_url=smtp_server.url, dev_outbox=False, rate_limits={"link_per_email": "2/900"}) as app:
        tenant = await create_tenant("acme", "Acme")
        await make_customer(tenant, "Pat", emails=["pat@example.com"])
        client = client_for(tenant, app)
        for _ in range(2):
            assert (await client.submit("/sign-in/link", {"email": "pat@example.com"})).status_code == 200
        r = await client.submit("/sign-in/link", {"email": "pat@example.com"})
        assert r.status_code == 429
        await eventually(lambda: len(smtp_server.messages) >= 2)
        # A different address from the same browser is still served.
        assert (await client.submit("/sign-in/link", {"email": "other@example.com"})).status_code == 200
        assert len(smtp_server.messages) == 2


async def test_security_page_lists_and_revokes_open_links(mail_app, acme, make_customer, client_for, smtp_server):
    await make_customer(acme, "Pat's House", emails=["pat@example.com"])
    client = client_for(acme, mail_app)
    await client.submit("/sign-in/link", {"email": "pat@example.com"})
    [first] = links_in(await next_message(smtp_server, 1))
    await client.submit("/sign-in/link", {"email": "pat@example.com"})
    [second] = links_in(await next_message(smtp_server, 2))
    await client.submit(path_of(first))
    page = await (await client.get("/security")).get_data(as_text=True)
    revoke = re.findall(r"/security/links/([\w-]+)/revoke", page)
    assert len(revoke) == 1  # the used link is gone, the unused one is listed
    await client.submit(f"/security/links/{revoke[0]}/revoke")
    assert (await client_for(acme, mail_app).submit(path_of(second))).status_code == 410
    page = await (await client.get("/security")).get_data(as_text=True)
    assert "No unused links" in page


async def test_sign_in_is_audited(mail_app, acme, make_customer, client_for, smtp_server, in_tenant):
    await make_customer(acme, "Pat's House", emails=["pat@example.com"])
    client = client_for(acme, mail_app)
    await client.submit("/sign-in/link", {"email": "pat@example.com"})
    [url] = links_in(await next_message(smtp_server, 1))
    await client.submit(path_of(url))
    with in_tenant(acme):
        actions = set(await AuditEvent.all().values_list("action", flat=True))
        event = await AuditEvent.get(action="customer.sign_in")
    assert {"customer.magic_link_issued", "customer.sign_in"} <= actions
    assert event.actor == "pat@example.com" and event.ip


# -- item 4 of issue 14: a newer link replaces older ones; an invite never overwrites a login


async def _invite_link(services, tenant, in_tenant, smtp_server, count: int) -> str:
    with in_tenant(tenant):
        assert await links.send_invite(services, "pat@example.com", invited_by="owner@acme.test")
    [url] = links_in(await next_message(smtp_server, count))
    return path_of(url)


async def test_a_new_invite_revokes_the_older_invite(mail_app, acme, make_customer, client_for, smtp_server, in_tenant):
    await make_customer(acme, "Pat's House", emails=["pat@example.com"])
    services = mail_app.extensions["porchside"]
    older = await _invite_link(services, acme, in_tenant, smtp_server, 1)
    newer = await _invite_link(services, acme, in_tenant, smtp_server, 2)
    client = client_for(acme, mail_app)
    for response in (await client.get(older), await client.submit(older, {"password": "blue pelican 42", "confirm": "blue pelican 42"})):
        assert response.status_code == 410
        body = await response.get_data(as_text=True)
        assert "This link no longer works" in body and "newer link" in body
        assert 'href="/sign-in"' in body and 'href="/forgot-password"' in body  # ways to a new link
    assert client.cookie("ps_session") is None
    with in_tenant(acme):
        assert (await PortalLogin.get(email="pat@example.com")).password_hash is None
    # The newest invite still creates the login.
    assert (await client.submit(newer, {"password": "blue pelican 42", "confirm": "blue pelican 42"})).status_code == 302


async def test_a_new_reset_revokes_older_reset_and_invite_links(mail_app, acme, make_customer, client_for, smtp_server, in_tenant):
    from core.auth.passwords import hash_password

    await make_customer(acme, "Pat's House", emails=["pat@example.com"])
    await make_customer(acme, "Sam's House", emails=["sam@example.com"])
    services = mail_app.extensions["porchside"]
    with in_tenant(acme):
        await PortalLogin.create(email="pat@example.com", password_hash=await hash_password("old password here"))
        await links.send_invite(services, "sam@example.com")  # someone else's link stays valid
    [sams] = links_in(await next_message(smtp_server, 1))
    client = client_for(acme, mail_app)
    await client.submit("/forgot-password", {"email": "pat@example.com"})
    [first] = links_in(await next_message(smtp_server, 2))
    await client.submit("/forgot-password", {"email": "pat@example.com"})
    [second] = links_in(await next_message(smtp_server, 3))
    refused = await client.submit(path_of(first), {"password": "new harbour lights", "confirm": "new harbour lights"})
    assert refused.status_code == 410
    body = await refused.get_data(as_text=True)
    assert "This link no longer works" in body and 'href="/forgot-password"' in body
    assert (await client_for(acme, mail_app).get(path_of(first))).status_code == 410
    assert (await client_for(acme, mail_app).get(path_of(sams))).status_code == 200
    # The newest reset link works, and a wrong old password proves nothing changed before it.
    bad = await client_for(acme, mail_app).submit("/sign-in/password", {"email": "pat@example.com", "password": "new harbour lights"})
    assert bad.status_code == 400
    assert (await client.submit(path_of(second), {"password": "new harbour lights", "confirm": "new harbour lights"})).status_code == 302
    with in_tenant(acme):
        rows = await LoginToken.filter(email="pat@example.com").order_by("id")
        assert [(r.revoked_at is not None, r.used_at is not None) for r in rows] == [(True, False), (False, True)]


async def test_invite_link_for_an_address_with_a_login_offers_sign_in_and_changes_nothing(
    mail_app, acme, make_customer, client_for, smtp_server, in_tenant
):
    from core.auth.passwords import hash_password

    await make_customer(acme, "Pat's House", emails=["pat@example.com"])
    with in_tenant(acme):
        await PortalLogin.create(email="pat@example.com", password_hash=await hash_password("old password here"))
        stored = (await PortalLogin.get(email="pat@example.com")).password_hash
    signed_in = client_for(acme, mail_app)
    assert (await signed_in.submit("/sign-in/password", {"email": "pat@example.com", "password": "old password here"})).status_code == 302
    services = mail_app.extensions["porchside"]
    invite = await _invite_link(services, acme, in_tenant, smtp_server, 1)
    visitor = client_for(acme, mail_app)
    page = await visitor.get(invite)
    body = await page.get_data(as_text=True)
    assert page.status_code == 200
    assert "You already have a login" in body and 'type="password"' not in body
    assert 'href="/sign-in"' in body and 'href="/forgot-password"' in body
    posted = await visitor.submit(invite, {"password": "blue pelican 42", "confirm": "blue pelican 42"})
    assert posted.status_code == 409
    assert "You already have a login" in await posted.get_data(as_text=True)
    assert visitor.cookie("ps_session") is None
    with in_tenant(acme):
        assert (await PortalLogin.get(email="pat@example.com")).password_hash == stored
    assert (await signed_in.get("/")).status_code == 200  # the existing session was not ended
    other = client_for(acme, mail_app)
    assert (await other.submit("/sign-in/password", {"email": "pat@example.com", "password": "old password here"})).status_code == 302


async def test_one_address_cannot_be_flooded_through_many_tenants(make_app, smtp_server, make_customer, client_for, in_tenant):
    """Extra of issue 14: link emails per address are counted across all businesses together."""
    limits = {"link_per_email_platform": "3/3600", "link_per_email": "5/900"}
    async with make_app(smtp_url=smtp_server.url, dev_outbox=False, rate_limits=limits) as app:
        acme = await create_tenant("acme", "Acme Pool Care")
        globex = await create_tenant("globex", "Globex Plumbing")
        for tenant in (acme, globex):
            await make_customer(tenant, "Pat", emails=["pat@example.com", "sam@example.com"])
        answers = []
        for tenant in (acme, acme, globex, globex):
            r = await client_for(tenant, app).submit("/sign-in/link", {"email": "pat@example.com"})
            answers.append((r.status_code, "on its way" in await r.get_data(as_text=True)))
        # Each tenant is under its own limit; together they are over: the pages look the same.
        assert answers == [(200, True)] * 4
        async def held_back() -> list:
            # Jobs may run in any order: the one held back can be either tenant's.
            events = []
            for tenant in (acme, globex):
                with in_tenant(tenant):
                    events += await AuditEvent.filter(action="customer.link_rate_limited")
            return events

        [event] = await eventually(held_back)
        assert event.actor == "pat@example.com" and event.actor_type == "customer"
        tokens_issued = 0
        for tenant in (acme, globex):
            with in_tenant(tenant):
                tokens_issued += await LoginToken.filter(email="pat@example.com").count()
        assert tokens_issued == 3  # none for the email that was not sent
        await eventually(lambda: len(smtp_server.messages) >= 3)
        # A staff invite counts too, and says why it was not sent.
        services = app.extensions["porchside"]
        with in_tenant(acme), pytest.raises(links.LinkMailLimited):
            await links.send_invite(services, "pat@example.com", invited_by="owner@acme.test")
        # Another address is untouched.
        assert (await client_for(globex, app).submit("/sign-in/link", {"email": "sam@example.com"})).status_code == 200
        await eventually(lambda: len(smtp_server.messages) >= 4)
        assert [m["To"] for m in smtp_server.messages] == ["pat@example.com"] * 3 + ["sam@example.com"]
