"""Bulk portal invites from the customers list, end to end (S5, A5).

Pick customers -> confirm (count and message) -> send -> background batch
with a per-address result; exactly one email per address whatever is
clicked twice or run again; a bad address is reported and the rest go.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter

import pytest

from core.console.invite_batches import Recipient, create_batch, send_batch_task
from core.console.testing import sign_in_staff
from core.models.customers import Contact, ContactEmail, CustomerAccount, PortalLogin
from core.models.invites import InviteBatch, InviteRecipient
from core.models.mail import OutboundEmail
from core.models.platform import AuditEvent, Notification
from core.testing import eventually, jobs_settled
from tenants.service import create_tenant

HIDDEN = re.compile(r'<input type="hidden" name="(batch_token|text_hash)" value="([^"]+)">')


def confirm_fields(html: str) -> dict[str, str]:
    return dict(HIDDEN.findall(html))


async def post_pairs(client, path: str, pairs: list[tuple[str, str]]):
    """POST a form with repeated fields (``submit`` takes a dict) and a CSRF token."""
    from core.web.security import CSRF_FIELD

    return await client.post(path, form=[*pairs, (CSRF_FIELD, await client.csrf())])


async def confirm_page(client, query: str) -> str:
    r = await client.get(f"/console/customers/invites/new?{query}")
    assert r.status_code == 200, r.status_code
    return await r.get_data(as_text=True)


async def wait_until_done(client, batch_path: str, timeout: float = 120) -> dict:
    async def finished():
        data = await (await client.get(batch_path + "/progress")).get_json()
        return data if data["finished"] else None

    return await eventually(finished, timeout=timeout, interval=0.2)


async def many_customers(tenant, in_tenant, count: int, bad: str | None = None) -> None:
    """``count`` accounts of one contact each; the first address replaced by ``bad`` if given."""
    with in_tenant(tenant):
        accounts = [CustomerAccount(number=f"B-{n:04d}", name=f"Bulk {n:04d}") for n in range(count)]
        await CustomerAccount.bulk_create(accounts)
        stored = {a.number: a for a in await CustomerAccount.filter(number__startswith="B-")}
        contacts = [Contact(account=stored[f"B-{n:04d}"], first_name=f"Person{n}", is_primary=True) for n in range(count)]
        await Contact.bulk_create(contacts)
        people = await Contact.filter(first_name__startswith="Person").order_by("id")
        await ContactEmail.bulk_create(
            [
                ContactEmail(contact=person, email=bad if (bad and i == 0) else f"person{i}@example.com")
                for i, person in enumerate(people)
            ]
        )


@pytest.fixture
async def smtp_app(make_app, smtp_server):
    async with make_app(smtp_url=smtp_server.url, dev_outbox=False) as app:
        yield app


@pytest.fixture
async def acme(smtp_app):
    return await create_tenant("acme", "Acme Pool Care", contact_email="office@acme.test")


async def test_two_hundred_invites_over_smtp_once_each_despite_a_double_click_and_a_bad_address(
    smtp_app, acme, client_for, smtp_server, in_tenant
):
    client = client_for(acme, smtp_app)
    await sign_in_staff(client, "ann@acme.test", role="admin")
    await many_customers(acme, in_tenant, 200, bad="broken address@example")

    html = await confirm_page(client, "scope=all&q=")
    assert "<strong>200 addresses</strong> of 200 customers will receive the invite" in html
    assert "Create your customer portal login at Acme Pool Care" in html  # the message as it will be sent
    form = {"scope": "all", "q": "", **confirm_fields(html)}

    # A double click: two posts of the same form, at the same time.
    first, second = await asyncio.gather(
        client.submit("/console/customers/invites/", form), client.submit("/console/customers/invites/", form)
    )
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    batch_path = first.headers["Location"]
    with in_tenant(acme):
        assert await InviteBatch.all().count() == 1

    progress = await wait_until_done(client, batch_path)
    assert progress == {"status": "done", "finished": True, "total": 200, "waiting": 0, "sent": 199, "skipped": 0, "failed": 1}
    messages = await smtp_server.wait_for(199, timeout=120)
    await jobs_settled(smtp_app)  # every send is done: anything extra has arrived
    to = Counter(address for _, rcpt in smtp_server.envelopes for address in rcpt)
    assert len(smtp_server.messages) == 199
    assert set(to) == {f"person{i}@example.com" for i in range(1, 200)} and set(to.values()) == {1}
    assert all(m["Subject"] == "Create your customer portal login at Acme Pool Care" for m in messages)
    assert "/create-login/" in messages[0].get_body(("plain",)).get_content()

    page = await (await client.get(batch_path + "?status=failed")).get_data(as_text=True)
    assert "broken address@example" in page and "is not an email address" in page
    # The history names the subject as sent, not the template's placeholders.
    assert "Subject: “Create your customer portal login at Acme Pool Care”" in page and "{business_name}" not in page
    with in_tenant(acme):
        batch = await InviteBatch.get()
        assert (batch.sent, batch.skipped, batch.failed, batch.status) == (199, 0, 1, "done")
        assert await PortalLogin.filter(invited_at__isnull=False).count() == 199
        assert await AuditEvent.filter(action="staff.invites_queued", actor="ann@acme.test").count() == 1
        assert await AuditEvent.filter(action="staff.invites_finished").count() == 1
        # The sender is told in the console (not by email: that kind is off by default).
        note = await Notification.get(kind="invites.finished")
        assert note.title == "Portal invites finished: 199 sent, 0 skipped, 1 failed"
        assert note.link == batch_path


async def test_confirm_counts_addresses_once_and_lists_contacts_without_one(client, tenant, make_customer, in_tenant):
    await sign_in_staff(client, role="admin")
    lee = await make_customer(tenant, "Lee Household", emails=["lee@example.com", "kim@example.com"])
    # The same address on a second account is one invite, not two.
    cabin = await make_customer(tenant, "Lee Cabin", emails=["lee@example.com"])
    await make_customer(tenant, "Not Chosen", emails=["other@example.com"])
    with in_tenant(tenant):
        await Contact.create(account=lee, first_name="Grandpa", last_name="Lee")
    html = await confirm_page(client, f"scope=selected&account={lee.public_id}&account={cabin.public_id}")
    assert "<strong>2 addresses</strong> of 2 customers" in html
    assert "1 contact has no email address and will be skipped" in html
    assert "other@example.com" not in html
    r = await post_pairs(
        client,
        "/console/customers/invites/",
        [("scope", "selected"), ("account", lee.public_id), ("account", cabin.public_id), *confirm_fields(html).items()],
    )
    assert r.status_code == 302
    batch_path = r.headers["Location"]
    await wait_until_done(client, batch_path)
    page = await (await client.get(batch_path)).get_data(as_text=True)
    assert re.search(r"Grandpa Lee</th>\s*<td>—</td>\s*<td><span class=\"badge invite-skipped\">Skipped</span> <span class=\"muted\">No email address", page)
    with in_tenant(tenant):
        sent = Counter(await OutboundEmail.filter(kind="auth.invite").values_list("to", flat=True))
        assert sent == Counter({"lee@example.com": 1, "kim@example.com": 1})
        rows = {r.email: r.status for r in await InviteRecipient.all()}
        assert rows == {"lee@example.com": "sent", "kim@example.com": "sent", "": "skipped"}


async def test_nothing_selected_or_nobody_with_an_address_sends_nothing(client, tenant, make_customer, in_tenant):
    await sign_in_staff(client, role="admin")
    r = await client.get("/console/customers/invites/new?scope=selected")
    assert r.status_code == 400 and "Choose at least one customer" in await r.get_data(as_text=True)
    bare = await make_customer(tenant, "No Email Inc", emails=[])
    with in_tenant(tenant):
        await Contact.create(account=bare, first_name="Pat")
    html = await confirm_page(client, f"account={bare.public_id}")
    assert "nobody can be invited" in html and 'name="batch_token"' not in html
    r = await client.submit(
        "/console/customers/invites/", {"account": bare.public_id, "batch_token": "t" * 32, "text_hash": "whatever"}
    )
    assert r.status_code in (400, 409)
    with in_tenant(tenant):
        assert await InviteBatch.all().count() == 0
    assert (await client.submit("/console/customers/invites/", {"batch_token": "short"})).status_code == 400


async def test_a_changed_invite_email_is_shown_again_before_sending(client, tenant, make_customer, in_tenant):
    await sign_in_staff(client, role="admin")
    account = await make_customer(tenant, "Lee Household", emails=["lee@example.com"])
    html = await confirm_page(client, f"account={account.public_id}")
    tenant.portal_settings = {**tenant.portal_settings, "invite_subject": "Welcome aboard, {customer_name}"}
    await tenant.save()
    r = await client.submit("/console/customers/invites/", {"account": account.public_id, **confirm_fields(html)})
    page = await r.get_data(as_text=True)
    assert r.status_code == 409 and "changed since this page opened" in page
    assert "Welcome aboard, Lee" in page
    with in_tenant(tenant):
        assert await InviteBatch.all().count() == 0
    # Sending from the refreshed page sends the text shown there.
    r = await client.submit("/console/customers/invites/", {"account": account.public_id, **confirm_fields(page)})
    await wait_until_done(client, r.headers["Location"])
    with in_tenant(tenant):
        email = await OutboundEmail.get(kind="auth.invite")
        assert email.subject == "Welcome aboard, Lee"


async def test_rounds_run_twice_at_once_still_send_each_address_once(app, tenant, make_customer, in_tenant):
    """A retried or duplicated job: recipients are claimed one by one, so nobody gets two."""
    for n in range(12):
        await make_customer(tenant, f"Family {n}", emails=[f"f{n}@example.com"])
    services = app.extensions["porchside"]
    async with app.app_context():
        with in_tenant(tenant):
            recipients = [Recipient(f"f{n}@example.com", f"F {n}", None) for n in range(12)]
            batch, created = await create_batch(
                services, idempotency_key="k" * 32, created_by="ann@acme.test", subject="Hi", body="Hello {customer_name}", recipients=recipients
            )
            assert created
            await asyncio.gather(*(send_batch_task(services, batch.public_id, chain=f"extra{i}") for i in range(3)))
            again, created = await create_batch(
                services, idempotency_key="k" * 32, created_by="ann@acme.test", subject="Hi", body="Hello", recipients=recipients
            )
            assert not created and again.id == batch.id

            async def settled():
                return await InviteBatch.filter(id=batch.id, status="done").exists()

            await eventually(settled)
            await send_batch_task(services, batch.public_id)  # a late retry of a finished batch
            sent = Counter(await OutboundEmail.filter(kind="auth.invite").values_list("to", flat=True))
            assert sent == Counter({f"f{n}@example.com": 1 for n in range(12)})
            assert await InviteRecipient.filter(status="sent").count() == 12


async def test_resume_of_a_finished_batch_sends_nothing_more(client, tenant, make_customer, in_tenant):
    await sign_in_staff(client, role="owner")
    account = await make_customer(tenant, "Lee Household", emails=["lee@example.com"])
    html = await confirm_page(client, f"account={account.public_id}")
    r = await client.submit("/console/customers/invites/", {"account": account.public_id, **confirm_fields(html)})
    batch_path = r.headers["Location"]
    await wait_until_done(client, batch_path)
    r = await client.submit(batch_path + "/resume")
    assert r.status_code == 302
    await jobs_settled(client.app)  # the resumed batch had its chance to send
    with in_tenant(tenant):
        assert await OutboundEmail.filter(kind="auth.invite").count() == 1
    history = await (await client.get("/console/customers/invites/")).get_data(as_text=True)
    assert batch_path in history and "1 sent, 0 skipped, 0 failed" in history


async def test_invites_need_the_invite_permission_and_stay_in_their_tenant(client, other_client, tenant, other_tenant, make_customer, in_tenant):
    account = await make_customer(tenant, "Lee Household", emails=["lee@example.com"])
    await sign_in_staff(client, "admin@acme.test", role="admin")
    html = await confirm_page(client, f"account={account.public_id}")
    r = await client.submit("/console/customers/invites/", {"account": account.public_id, **confirm_fields(html)})
    batch_path = r.headers["Location"]
    await wait_until_done(client, batch_path)

    staff_client = type(client)(client.app, client.host)
    await sign_in_staff(staff_client, "tech@acme.test", role="staff")
    for path in ("/console/customers/invites/", batch_path, batch_path + "/progress", f"/console/customers/invites/new?account={account.public_id}"):
        assert (await staff_client.get(path)).status_code == 403, path
    assert (await staff_client.submit("/console/customers/invites/", {"account": account.public_id, **confirm_fields(html)})).status_code == 403

    # Another tenant's admin does not see this batch, and cannot invite these customers.
    await sign_in_staff(other_client, "boss@globex.test", role="owner")
    assert (await other_client.get(batch_path)).status_code == 404
    other_html = await confirm_page(other_client, f"account={account.public_id}")
    assert "nobody can be invited" in other_html
    with in_tenant(other_tenant):
        assert await InviteBatch.all().count() == 0
