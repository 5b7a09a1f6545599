"""Staff notifications (S7): notify_staff, email copies by preference, other channels, the inbox."""

from __future__ import annotations

import re

import pytest

from core import hookimpl
from core.console.testing import sign_in_staff
from core.models.mail import OutboundEmail
from core.models.platform import Notification
from core.models.staff import StaffUser
from core.notifications import notify_staff
from core.plugin_state import set_enabled
from core.records import PluginInfo
from tenants.service import create_tenant


class Pager:
    """A channel plugin: records what it was handed."""

    def __init__(self, name: str, default_enabled: bool = True) -> None:
        self.name = name
        self.default_enabled = default_enabled
        self.calls: list[tuple[str, str, list[str]]] = []

    @hookimpl
    def porchside_plugin_info(self):
        return PluginInfo(name=self.name, label=self.name.title(), default_enabled=self.default_enabled)

    @hookimpl
    async def porchside_notify(self, tenant, notification, recipients):
        self.calls.append((tenant.slug, notification.title, [s.email for s in recipients]))


class Faulty:
    @hookimpl
    def porchside_plugin_info(self):
        return PluginInfo(name="faulty", label="Faulty", default_enabled=True)

    @hookimpl
    def porchside_notify(self, tenant, notification, recipients):
        raise RuntimeError("the pager service is down")


@pytest.fixture
def pager():
    return Pager("pager")


@pytest.fixture
def quiet():
    return Pager("quiet", default_enabled=False)


@pytest.fixture
async def plugin_app(make_app, pager, quiet):
    async with make_app(plugins=[("pager", pager), ("quiet", quiet), ("faulty", Faulty())]) as app:
        yield app


@pytest.fixture
async def acme(plugin_app):
    return await create_tenant("acme", "Acme Pool Care", contact_email="office@acme.test")


@pytest.fixture
async def globex(plugin_app):
    return await create_tenant("globex", "Globex Plumbing")


async def make_staff(tenant, in_tenant, *people) -> list[StaffUser]:
    with in_tenant(tenant):
        return [
            await StaffUser.create(email=email, name=email.split("@")[0].title(), role="staff", active=active, email_preferences=prefs)
            for email, active, prefs in people
        ]


def services_of(app):
    return app.extensions["porchside"]


async def test_everyone_active_is_notified_emailed_by_preference_and_plugins_are_told(plugin_app, acme, in_tenant, pager, quiet, caplog):
    ann, bob, _gone = await make_staff(
        acme, in_tenant,
        ("ann@acme.test", True, {}),
        ("bob@acme.test", True, {"quote.decided": False}),
        ("gone@acme.test", False, {}),
    )
    async with plugin_app.app_context():
        with in_tenant(acme):
            rows = await notify_staff(
                services_of(plugin_app), kind="quote.decided", title="Pat Lee approved quote Q-1042",
                body="Signed as “Pat Lee”.\nTotal $1,200.00", link="/console/quotes/qt_123",
            )
            assert sorted(r.staff_id for r in rows) == sorted([ann.id, bob.id])
            assert all((r.kind, r.title, r.link, r.read_at) == ("quote.decided", "Pat Lee approved quote Q-1042", "/console/quotes/qt_123", None) for r in rows)
            emails = await OutboundEmail.filter(kind="console.notification")
            assert [e.to for e in emails] == ["ann@acme.test"]  # Bob turned this kind off
            mine = next(r for r in rows if r.staff_id == ann.id)
            assert emails[0].subject == "Pat Lee approved quote Q-1042"
            assert f"/console/notifications/{mine.public_id}/open" in emails[0].text
            assert "Total $1,200.00" in emails[0].text and "Signed as “Pat Lee”" in emails[0].html
    assert pager.calls == [("acme", "Pat Lee approved quote Q-1042", ["ann@acme.test", "bob@acme.test"])]
    assert quiet.calls == []  # off for this tenant
    assert "plugin faulty failed in porchside_notify" in caplog.text  # and the others still ran


async def test_one_staff_member_and_kinds_that_are_off_by_default(plugin_app, acme, globex, in_tenant, pager):
    ann, bob = await make_staff(acme, in_tenant, ("ann@acme.test", True, {}), ("bob@acme.test", True, {}))
    (theirs,) = await make_staff(globex, in_tenant, ("zed@globex.test", True, {}))
    services = services_of(plugin_app)
    async with plugin_app.app_context():
        with in_tenant(acme):
            rows = await notify_staff(services, kind="invites.finished", title="Portal invites finished", staff=bob)
            assert [r.staff_id for r in rows] == [bob.id]
            assert not await OutboundEmail.filter(kind="console.notification").exists()  # off unless chosen
            # A staff member of another tenant is never notified from here.
            assert await notify_staff(services, kind="payment.received", title="Paid", staff=[theirs]) == []
        with in_tenant(globex):
            assert await Notification.all().count() == 0
            await set_enabled("pager", False, services.plugins, services.cache)
            await notify_staff(services, kind="payment.received", title="Paid at Globex")
    assert pager.calls == [("acme", "Portal invites finished", ["bob@acme.test"])]


@pytest.mark.parametrize(
    "kind, link",
    [("Quote Decided", ""), ("", ""), ("quote.decided", "https://evil.test/x"), ("quote.decided", "//evil.test"), ("quote.decided", "console/x")],
)
async def test_bad_kinds_and_links_are_refused(app, tenant, in_tenant, kind, link):
    async with app.app_context():
        with in_tenant(tenant):
            with pytest.raises(ValueError):
                await notify_staff(app.extensions["porchside"], kind=kind, title="x", link=link)
            assert await Notification.all().count() == 0


async def notify(app, tenant, in_tenant, **kwargs):
    async with app.app_context():
        with in_tenant(tenant):
            return await notify_staff(app.extensions["porchside"], **kwargs)


async def test_the_inbox_counts_lists_filters_opens_and_marks_read(app, client, tenant, in_tenant):
    ann = await sign_in_staff(client, "ann@acme.test", role="staff")
    other = await sign_in_staff(type(client)(app, client.host), "bob@acme.test", role="staff")
    await notify(app, tenant, in_tenant, kind="quote.decided", title="Quote Q-1 approved", link="/console/customers/")
    await notify(app, tenant, in_tenant, kind="payment.received", title="Payment of $50.00", body="By card")
    await notify(app, tenant, in_tenant, kind="message.received", title="For Bob only", staff=other)
    with in_tenant(tenant):
        await Notification.create(kind="request.created", title="For everyone (stored by a plugin)", link="https://evil.test")

    html = await (await client.get("/console/")).get_data(as_text=True)
    assert re.search(r'href="/console/notifications/"[^>]*>Notifications <span class="count">3<span class="visually-hidden"> unread</span></span>', html)
    inbox = await (await client.get("/console/notifications/")).get_data(as_text=True)
    assert "Quote Q-1 approved" in inbox and "Payment of $50.00" in inbox and "For everyone" in inbox
    assert "For Bob only" not in inbox

    with in_tenant(tenant):
        quote = await Notification.get(title="Quote Q-1 approved", staff_id=ann.id)
        bobs = await Notification.get(title="For Bob only")
        shared = await Notification.get(title__startswith="For everyone")
    r = await client.get(f"/console/notifications/{quote.public_id}/open")
    assert r.status_code == 302 and r.headers["Location"] == "/console/customers/"
    r = await client.get(f"/console/notifications/{shared.public_id}/open")
    assert r.headers["Location"] == "/console/notifications/"  # a foreign link is never followed
    assert (await client.get(f"/console/notifications/{bobs.public_id}/open")).status_code == 404
    assert (await client.submit(f"/console/notifications/{bobs.public_id}/read")).status_code == 404

    unread = await (await client.get("/console/notifications/?show=unread")).get_data(as_text=True)
    assert "Payment of $50.00" in unread and "Quote Q-1 approved" not in unread
    read = await (await client.get("/console/notifications/?show=read")).get_data(as_text=True)
    assert "Quote Q-1 approved" in read and "Payment of $50.00" not in read

    r = await client.submit("/console/notifications/read-all")
    assert r.status_code == 302
    html = await (await client.get(r.headers["Location"])).get_data(as_text=True)
    assert "Every notification is marked read" in html and 'class="count"' not in html
    with in_tenant(tenant):
        assert await Notification.get(id=bobs.id).values_list("read_at", flat=True) is None  # Bob's stays unread


async def test_preferences_choose_which_kinds_come_by_email(app, client, tenant, in_tenant):
    ann = await sign_in_staff(client, "ann@acme.test", role="staff")
    await notify(app, tenant, in_tenant, kind="reviews.posted", title="A new review", staff=ann)
    page = await (await client.get("/console/notifications/preferences")).get_data(as_text=True)
    assert "A customer approved or rejected a quote" in page and "Reviews: posted" in page
    assert re.search(r'name="email:quote.decided" checked', page)
    assert not re.search(r'name="email:invites.finished" checked', page)
    r = await client.submit("/console/notifications/preferences", {"email:invites.finished": "on", "email:reviews.posted": "on"})
    assert r.status_code == 302
    with in_tenant(tenant):
        staff = await StaffUser.get(id=ann.id)
        assert staff.email_preferences["quote.decided"] is False and staff.email_preferences["invites.finished"] is True
    await notify(app, tenant, in_tenant, kind="quote.decided", title="Quote approved")
    await notify(app, tenant, in_tenant, kind="invites.finished", title="Invites done")
    with in_tenant(tenant):
        subjects = await OutboundEmail.filter(kind="console.notification").values_list("subject", flat=True)
        # The review came by email before (a plugin's kind is on by default); the quote no longer does.
        assert sorted(subjects) == ["A new review", "Invites done"]
