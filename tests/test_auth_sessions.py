"""Password sign-in, sessions, account picker, CSRF and cookies (A4-A7)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine

from core.auth.passwords import hash_password, password_problem
from core.models.customers import PortalLogin
from core.models.platform import AuditEvent

PASSWORD = "correct horse battery"


@pytest.fixture
async def pat(tenant, make_customer, in_tenant):
    """pat@example.com on two accounts of acme, with a password."""
    first = await make_customer(tenant, "Pat's House", emails=["pat@example.com"])
    second = await make_customer(tenant, "Pat's Rental", emails=["pat@example.com", "renter@example.com"])
    with in_tenant(tenant):
        await PortalLogin.create(email="pat@example.com", password_hash=await hash_password(PASSWORD))
    return first, second


async def password_sign_in(client, email="pat@example.com", password=PASSWORD, **extra):
    return await client.submit("/sign-in/password", {"email": email, "password": password, **extra})


async def test_password_sign_in_then_pick_account_and_switch(client, pat):
    first, second = pat
    r = await password_sign_in(client)
    assert r.status_code == 302
    # Two accounts: the home page asks which one.
    r = await client.get("/")
    assert r.status_code == 302 and "/accounts" in r.headers["Location"]
    page = await (await client.get("/accounts")).get_data(as_text=True)
    assert "Pat&#39;s House" in page and "Pat&#39;s Rental" in page
    r = await client.submit("/accounts", {"account": second.public_id})
    assert r.status_code == 302
    home = await (await client.get("/")).get_data(as_text=True)
    assert "Pat&#39;s Rental" in home
    # Switch without signing out.
    await client.submit("/accounts", {"account": first.public_id})
    home = await (await client.get("/")).get_data(as_text=True)
    assert re.search(r'<option value="%s" selected>' % first.public_id, home)


async def test_account_of_someone_else_cannot_be_picked(client, pat, make_customer, tenant, other_tenant):
    stranger = await make_customer(tenant, "Stranger", emails=["someone@example.com"])
    elsewhere = await make_customer(other_tenant, "Pat at Globex", emails=["pat@example.com"])
    await password_sign_in(client)
    for account in (stranger, elsewhere):
        r = await client.submit("/accounts", {"account": account.public_id})
        assert r.status_code == 404
    page = await (await client.get("/accounts")).get_data(as_text=True)
    assert "Pat at Globex" not in page and "Stranger" not in page


async def test_wrong_password_and_unknown_email_answer_alike(client, pat, tenant, in_tenant):
    wrong = await password_sign_in(client, password="not the password")
    unknown = await password_sign_in(client, email="nobody@example.com")
    assert wrong.status_code == unknown.status_code == 400
    text_wrong = await wrong.get_data(as_text=True)
    text_unknown = await unknown.get_data(as_text=True)
    assert "do not match" in text_wrong and "do not match" in text_unknown
    assert client.cookie("ps_session") is None
    with in_tenant(tenant):
        assert await AuditEvent.filter(action="customer.sign_in_failed").count() == 2


async def test_session_cookie_flags_and_rotation(client, pat):
    # A session id planted before sign-in is not kept (fixation).
    client.client.set_cookie("acme.localhost", "ps_session", "planted-value-planted-value-planted")
    r = await password_sign_in(client)
    header = [h for h in r.headers.getlist("Set-Cookie") if h.startswith("ps_session=")][0]
    assert "HttpOnly" in header and "SameSite=Lax" in header
    assert "Domain" not in header  # host-only: no other tenant's host receives it
    assert "Secure" not in header  # localhost demo runs on http
    assert client.cookie("ps_session") != "planted-value-planted-value-planted"
    first_session = client.cookie("ps_session")
    await password_sign_in(client)
    assert client.cookie("ps_session") != first_session


async def test_secure_cookie_outside_localhost(make_app, make_customer, client_for, in_tenant):
    async with make_app(base_domain="porchside.test") as app:
        from tenants.service import create_tenant

        tenant = await create_tenant("acme", "Acme")
        await make_customer(tenant, "Pat", emails=["pat@example.com"])
        with in_tenant(tenant):
            await PortalLogin.create(email="pat@example.com", password_hash=await hash_password(PASSWORD))
        client = client_for("acme.porchside.test", app)
        r = await password_sign_in(client)
        header = [h for h in r.headers.getlist("Set-Cookie") if h.startswith("ps_session=")][0]
        assert "Secure" in header


async def test_session_does_not_work_on_another_tenant(client, other_client, pat, make_customer, other_tenant):
    await make_customer(other_tenant, "Pat at Globex", emails=["pat@example.com"])
    await password_sign_in(client)
    other_client.client.set_cookie("globex.localhost", "ps_session", client.cookie("ps_session"))
    r = await other_client.get("/")
    assert r.status_code == 302 and "/sign-in" in r.headers["Location"]


async def test_csrf_is_required(client, pat):
    r = await client.post("/sign-in/password", form={"email": "pat@example.com", "password": PASSWORD})
    assert r.status_code == 403
    assert "csrf_failed" in await r.get_data(as_text=True)
    r = await client.post("/sign-in/password", form={"email": "pat@example.com", "password": PASSWORD, "csrf_token": "forged"})
    assert r.status_code == 403


async def test_security_page_names_the_browser_and_keeps_the_full_header(client, pat):
    """Issue 18: the page listed raw User-Agent strings."""
    chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
    await client.submit("/sign-in/password", {"email": "pat@example.com", "password": PASSWORD}, headers={"User-Agent": chrome})
    page = await (await client.get("/security")).get_data(as_text=True)
    row = page[page.index("<tbody>"):page.index("</tbody>")]
    assert "<summary>Chrome on Linux</summary>" in row, row
    assert f">{chrome}</span>" in row


async def test_security_page_lists_and_revokes_sessions(client_for, tenant, pat):
    laptop, phone = client_for(tenant), client_for(tenant)
    await password_sign_in(laptop, remember="on")
    await password_sign_in(phone)
    page = await (await laptop.get("/security")).get_data(as_text=True)
    assert len(re.findall(r"/security/sessions/([\w-]+)/revoke", page)) == 2
    phone_page = await (await phone.get("/security")).get_data(as_text=True)
    # The row marked "This browser" on the phone carries the phone's handle.
    phone_handle = re.search(r'This browser</span>.*?/security/sessions/([\w-]+)/revoke', phone_page, re.S).group(1)
    r = await laptop.submit(f"/security/sessions/{phone_handle}/revoke")
    assert r.status_code == 302
    r = await phone.get("/security")
    assert r.status_code == 302 and "/sign-in" in r.headers["Location"]
    assert (await laptop.get("/security")).status_code == 200
    # A handle that is not one of mine (or no longer live) is a 404.
    assert (await laptop.submit(f"/security/sessions/{phone_handle}/revoke")).status_code == 404


async def test_sign_out_and_sign_out_everywhere(client_for, tenant, pat):
    one, two = client_for(tenant), client_for(tenant)
    await password_sign_in(one)
    await password_sign_in(two)
    await one.submit("/sign-out")
    assert (await one.get("/security")).status_code == 302
    assert (await two.get("/security")).status_code == 200
    three = client_for(tenant)
    await password_sign_in(three)
    await three.submit("/sign-out/everywhere")
    assert (await two.get("/security")).status_code == 302
    assert (await three.get("/security")).status_code == 302


async def test_password_attempts_are_rate_limited(make_app, make_customer, client_for, in_tenant):
    async with make_app(rate_limits={"password_per_email": "3/900"}) as app:
        from tenants.service import create_tenant

        tenant = await create_tenant("acme", "Acme")
        await make_customer(tenant, "Pat", emails=["pat@example.com"])
        with in_tenant(tenant):
            await PortalLogin.create(email="pat@example.com", password_hash=await hash_password(PASSWORD))
        client = client_for(tenant, app)
        for _ in range(3):
            assert (await password_sign_in(client, password="wrong wrong wrong")).status_code == 400
        r = await password_sign_in(client)  # right password, but over the limit
        assert r.status_code == 429
        assert "Please wait" in await r.get_data(as_text=True)


async def test_sign_in_methods_follow_the_tenant(client, tenant, pat, in_tenant):
    page = await (await client.get("/sign-in")).get_data(as_text=True)
    assert "Email me a link" in page and "Sign in with a password" in page
    tenant.portal_settings = {**tenant.portal_settings, "sign_in_methods": "link"}
    await tenant.save()
    page = await (await client.get("/sign-in")).get_data(as_text=True)
    assert "Email me a link" in page and "Sign in with a password" not in page
    assert (await password_sign_in(client)).status_code == 404
    tenant.portal_settings = {**tenant.portal_settings, "sign_in_methods": "password"}
    await tenant.save()
    page = await (await client.get("/sign-in")).get_data(as_text=True)
    assert "Email me a link" not in page and "Sign in with a password" in page
    assert (await client.submit("/sign-in/link", {"email": "pat@example.com"})).status_code == 404


def test_password_rules():
    assert password_problem("short") is not None
    assert password_problem("password123") is not None
    assert password_problem("aaaaaaaaaaaa") is not None
    assert password_problem("patrick-secret-99", "patrick@example.com") is not None
    assert password_problem("correct horse battery") is None


async def test_argon2id_hashes():
    from core.auth.passwords import verify_password

    stored = await hash_password(PASSWORD)
    assert stored.startswith("$argon2id$")
    assert await verify_password(stored, PASSWORD)
    assert not await verify_password(stored, PASSWORD + "x")
    assert not await verify_password(None, PASSWORD)


def test_a_server_hashes_at_the_recommended_cost():
    """The suite hashes cheaply (core.testing); a process without it uses RFC 9106's low-memory profile."""
    import subprocess
    import sys

    code = "import asyncio; from core.auth.passwords import hash_password; print(asyncio.run(hash_password('correct horse battery')))"
    stored = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


async def test_idle_and_absolute_timeouts(app, tenant, in_tenant):
    import time

    from core.auth import sessions as sessions_module
    from core.auth.sessions import SessionStore

    store = SessionStore(app.extensions["porchside"].cache, "customer")
    with in_tenant(tenant):
        session_id, session = await store.create("pat@example.com", remember=False, ip="", user_agent="")
        assert session.absolute_expires_at - session.created_at == sessions_module.ABSOLUTE_SECONDS
        assert await store.load(session_id) is not None
        # Past the absolute limit the session is gone even though it was used.
        session.absolute_expires_at = time.time() - 1
        await store.save(session_id, session)
        assert await store.load(session_id) is None
        assert await store.list_for("pat@example.com") == []
        # "Remember me" lasts 30 days.
        _, remembered = await store.create("pat@example.com", remember=True, ip="", user_agent="")
        assert remembered.absolute_expires_at - remembered.created_at == sessions_module.REMEMBER_SECONDS
        # Idle: an entry the cache let expire (its TTL is the idle time-out) is no session.
        idle_id, _ = await store.create("pat@example.com", remember=True, ip="", user_agent="")
        await app.extensions["porchside"].cache.delete(store._key(sessions_module._hash(idle_id)))
        assert await store.load(idle_id) is None
    assert sessions_module.IDLE_SECONDS == 2 * 3600


async def test_rate_limits_are_shared_between_app_instances(make_app, porchside_backend, porchside_settings_factory, make_customer, client_for, in_tenant):
    if porchside_backend.redis_url is None:
        pytest.skip("only the Redis backend shares state between app instances")
    settings = porchside_settings_factory(rate_limits={"password_per_email": "4/900"})
    async with make_app(settings=settings) as first, make_app(settings=settings) as second:
        from tenants.service import create_tenant

        tenant = await create_tenant("acme", "Acme")
        await make_customer(tenant, "Pat", emails=["pat@example.com"])
        with in_tenant(tenant):
            await PortalLogin.create(email="pat@example.com", password_hash=await hash_password(PASSWORD))
        a, b = client_for(tenant, first), client_for(tenant, second)
        for client in (a, b, a, b):
            assert (await password_sign_in(client, password="wrong wrong wrong")).status_code == 400
        assert (await password_sign_in(a)).status_code == 429
        assert (await password_sign_in(b)).status_code == 429


# Time-outs under a faked clock (issue 14, extras). The cache's TTLs run on
# the real clock (Redis's own, or the monotonic one in memory), so these
# prove what the product checks on every load: ``last_seen_at`` against the
# idle time-out and ``absolute_expires_at``.

IDLE = timedelta(hours=2)
ALMOST_IDLE = IDLE - timedelta(minutes=1)


async def signed_in(client) -> bool:
    r = await client.get("/security")
    if r.status_code == 200:
        return True
    assert r.status_code == 302 and r.headers["Location"].startswith("/sign-in"), r.status_code
    return False


async def test_a_session_idle_for_two_hours_ends_while_use_keeps_it(client, pat):
    with time_machine.travel(datetime.now(timezone.utc), tick=False) as clock:
        await password_sign_in(client)
        for _ in range(3):  # used just inside the idle time-out, three times over
            clock.shift(ALMOST_IDLE)
            assert await signed_in(client)
        clock.shift(IDLE)
        assert not await signed_in(client)
        assert client.cookie("ps_session") is None  # cleared on the way out


async def test_a_session_ends_after_twelve_hours_however_busy(client, pat):
    with time_machine.travel(datetime.now(timezone.utc), tick=False) as clock:
        await password_sign_in(client)
        for _ in range(7):  # 7 x 1h40: 11h40, never idle
            clock.shift(timedelta(hours=1, minutes=40))
            assert await signed_in(client)
        clock.shift(timedelta(minutes=20))
        assert not await signed_in(client)


async def test_keep_me_signed_in_lasts_thirty_days_of_use_then_ends(app, client, pat, tenant, in_tenant):
    from core.auth.current import COOKIE, customer_sessions

    with time_machine.travel(datetime.now(timezone.utc), tick=False) as clock:
        r = await password_sign_in(client, remember="on")
        header = [h for h in r.headers.getlist("Set-Cookie") if h.startswith("ps_session=")][0]
        assert "Max-Age=2592000" in header  # the cookie outlives the browser for 30 days
        session_id = client.cookie(COOKIE)
        # Used every 1h55 for 30 days: each load is what every portal request does first.
        async with app.test_request_context("/", headers={"Host": client.host}):
            with in_tenant(tenant):
                store = customer_sessions()
                used = timedelta()
                while used + timedelta(hours=1, minutes=55) < timedelta(days=30):
                    clock.shift(timedelta(hours=1, minutes=55))
                    used += timedelta(hours=1, minutes=55)
                    assert await store.load(session_id) is not None, used
        assert await signed_in(client)
        clock.shift(timedelta(days=30) - used)
        assert not await signed_in(client)


async def test_a_staff_session_times_out_when_idle(client, tenant):
    from core.console.testing import sign_in_staff

    with time_machine.travel(datetime.now(timezone.utc), tick=False) as clock:
        await sign_in_staff(client, "ann@acme.test", role="admin")
        clock.shift(ALMOST_IDLE)
        assert (await client.get("/console/")).status_code == 200
        clock.shift(ALMOST_IDLE)
        assert (await client.get("/console/")).status_code == 200
        clock.shift(IDLE)
        r = await client.get("/console/")
        assert r.status_code == 302 and r.headers["Location"].startswith("/console/sign-in")


# A slug change never carries a session to another host (issue 14, extras).


def session_cookies(response) -> list[str]:
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith(("ps_session=", "ps_staff="))]


async def test_a_slug_change_never_carries_a_session_to_another_host(app, client_for, tenant, pat, make_customer, in_tenant):
    from core.console.testing import sign_in_staff
    from tenants.models import Domain
    from tenants.service import create_tenant

    browser = client_for(tenant)  # acme.localhost
    await password_sign_in(browser)
    await sign_in_staff(browser, "owner@acme.test", role="owner")
    old_session, old_staff = browser.cookie("ps_session"), browser.cookie("ps_staff")
    r = await browser.submit("/console/settings/portal/address", {"slug": "acme-pools"})
    # A page on the old host that links to the console sign-in on the new one.
    assert r.status_code == 200 and 'href="http://acme-pools.localhost/console/sign-in?' in await r.get_data(as_text=True)
    assert session_cookies(r) == [] and all("Domain=" not in h for h in r.headers.getlist("Set-Cookie"))

    # The old address answers with a redirect, and sets no cookie at all, though the browser sent its cookies.
    r = await browser.get("/security?tab=sessions")
    assert r.status_code == 301 and r.headers["Location"] == "http://acme-pools.localhost/security?tab=sessions"
    assert r.headers.getlist("Set-Cookie") == []

    # The same browser at the new address: host-only cookies stay behind, it signs in again.
    browser.host = "acme-pools.localhost"
    assert not await signed_in(browser)
    r = await browser.get("/console/")
    assert r.status_code == 302 and r.headers["Location"].startswith("/console/sign-in")

    # Even copied there by hand, the old address's sessions are worth nothing on the new one.
    copied = client_for("acme-pools.localhost")
    copied.client.set_cookie("acme-pools.localhost", "ps_session", old_session)
    copied.client.set_cookie("acme-pools.localhost", "ps_staff", old_staff, path="/console")
    assert not await signed_in(copied)
    r = await copied.get("/console/")
    assert r.status_code == 302 and r.headers["Location"].startswith("/console/sign-in")

    # Years later another business takes "acme": the browser still sends the old cookies there, in vain.
    await Domain.filter(kind="subdomain", host="acme").update(expires_at=datetime.now(timezone.utc) - timedelta(seconds=1))
    await app.extensions["porchside"].resolver.forget("acme.localhost")
    newcomer = await create_tenant("acme", "Acme Newcomer Ltd")
    await make_customer(newcomer, "Pat at the newcomer", emails=["pat@example.com"])
    browser.host = "acme.localhost"
    assert browser.cookie("ps_session") == old_session
    assert not await signed_in(browser)
    assert browser.cookie("ps_session") is None
    r = await browser.get("/console/")
    assert r.status_code == 302 and r.headers["Location"].startswith("/console/sign-in")
