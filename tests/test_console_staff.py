"""Staff accounts (S1): inviting colleagues, accepting, roles, the last owner, deactivation."""

from __future__ import annotations

import re

import pytest

from core.auth.passwords import hash_password
from core.console.bootstrap import StaffError, invite_staff
from core.console.testing import sign_in_staff
from core.models.auth import LoginToken
from core.models.mail import OutboundEmail
from core.models.platform import AuditEvent
from core.models.staff import StaffUser

ACCEPT = re.compile(r"https?://acme\.localhost(/console/accept-invite/[\w-]+)")
STAFF = "/console/staff"


async def member(tenant, in_tenant, email: str) -> StaffUser:
    with in_tenant(tenant):
        return await StaffUser.get(email=email)


async def invitation_path(tenant, in_tenant, email: str) -> str:
    with in_tenant(tenant):
        message = await OutboundEmail.filter(to=email, kind="console.staff_invite").order_by("-id").first()
    return ACCEPT.search(message.text).group(1)


async def test_an_invited_colleague_chooses_a_password_and_gets_in(client, client_for, tenant, in_tenant):
    await sign_in_staff(client, "owner@acme.test", role="owner", name="Olive Owner")
    r = await client.submit(f"{STAFF}/invite", {"email": " Ann@Acme.test", "name": "Ann Admin", "role": "admin"})
    assert r.status_code == 302 and r.headers["Location"] == f"{STAFF}/?done=invited"
    ann = await member(tenant, in_tenant, "ann@acme.test")
    assert ann.role == "admin" and ann.password_hash is None and ann.active
    listing = await (await client.get(f"{STAFF}/")).get_data(as_text=True)
    assert "Ann Admin" in listing and ">Invited<" in listing
    with in_tenant(tenant):
        email = await OutboundEmail.get(to="ann@acme.test")
        assert email.subject == "Join Acme Pool Care on its customer portal console"
        assert "owner@acme.test invites you" in email.text and "as admin" in email.text
        assert await AuditEvent.filter(action="staff.invited", actor="owner@acme.test", target=ann.public_id).exists()
    path = await invitation_path(tenant, in_tenant, "ann@acme.test")
    newcomer = client_for(tenant)
    form = await (await newcomer.get(path)).get_data(as_text=True)
    assert "Welcome, Ann Admin" in form and 'value="ann@acme.test" readonly' in form
    r = await newcomer.submit(path, {"password": "sunny pool deck 9", "confirm": "sunny pool deck 9"})
    assert r.status_code == 302 and r.headers["Location"] == "/console/"
    assert (await newcomer.get("/console/settings/portal")).status_code == 200
    assert (await client_for(tenant).submit(path, {"password": "x" * 12, "confirm": "x" * 12})).status_code == 410
    listing = await (await client.get(f"{STAFF}/")).get_data(as_text=True)
    assert ">Active<" in listing


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"email": "not an address", "name": "X", "role": "staff"}, "is not an email address"),
        ({"email": "owner@acme.test", "name": "Again", "role": "staff"}, "already on the staff"),
        ({"email": "x@acme.test", "name": "X", "role": "boss"}, "Choose a role"),
        ({"email": "x@acme.test", "name": "X" * 201, "role": "staff"}, "at most 200 characters"),
    ],
)
async def test_refused_invitations_say_why(client, tenant, in_tenant, form, message):
    await sign_in_staff(client, "owner@acme.test", role="owner")
    r = await client.submit(f"{STAFF}/invite", form)
    assert r.status_code == 400 and message in await r.get_data(as_text=True)
    with in_tenant(tenant):
        assert await StaffUser.all().count() == 1


async def test_admins_manage_staff_but_not_owners(client, tenant, in_tenant):
    await sign_in_staff(client, "admin@acme.test", role="admin")
    with in_tenant(tenant):
        boss = await StaffUser.create(email="boss@acme.test", name="Boss", role="owner")
        tech = await StaffUser.create(email="tech@acme.test", name="Tech", role="staff")
    page = await (await client.get(f"{STAFF}/")).get_data(as_text=True)
    assert '<option value="owner"' not in page
    assert f"{STAFF}/{boss.public_id}/deactivate" not in page and f"{STAFF}/{tech.public_id}/deactivate" in page
    for path, form in [
        (f"{STAFF}/invite", {"email": "new@acme.test", "name": "New", "role": "owner"}),
        (f"{STAFF}/{tech.public_id}/role", {"role": "owner"}),
        (f"{STAFF}/{boss.public_id}/role", {"role": "staff"}),
        (f"{STAFF}/{boss.public_id}/deactivate", {}),
    ]:
        r = await client.submit(path, form)
        assert r.status_code == 403 and "Only an owner" in await r.get_data(as_text=True), path
    assert (await client.submit(f"{STAFF}/{tech.public_id}/role", {"role": "admin"})).status_code == 302
    assert (await member(tenant, in_tenant, "tech@acme.test")).role == "admin"
    assert (await member(tenant, in_tenant, "boss@acme.test")).role == "owner"
    with in_tenant(tenant):
        assert not await StaffUser.filter(email="new@acme.test").exists()


async def test_the_last_owner_stays(client, tenant, in_tenant):
    me = await sign_in_staff(client, "owner@acme.test", role="owner")
    r = await client.submit(f"{STAFF}/{me.public_id}/role", {"role": "admin"})
    assert r.status_code == 400 and "the only owner" in await r.get_data(as_text=True)
    assert (await member(tenant, in_tenant, "owner@acme.test")).role == "owner"
    with in_tenant(tenant):
        second = await StaffUser.create(email="second@acme.test", name="Second", role="owner", active=False)
    # A deactivated owner does not count.
    assert (await client.submit(f"{STAFF}/{me.public_id}/role", {"role": "admin"})).status_code == 400
    assert (await client.submit(f"{STAFF}/{second.public_id}/reactivate")).status_code == 302
    assert (await client.submit(f"{STAFF}/{me.public_id}/role", {"role": "admin"})).status_code == 302
    assert (await member(tenant, in_tenant, "owner@acme.test")).role == "admin"
    # Now an admin, the former owner may no longer touch the remaining owner.
    assert (await client.submit(f"{STAFF}/{second.public_id}/deactivate")).status_code == 403


async def test_the_last_active_owner_cannot_be_deactivated_and_nobody_deactivates_themselves(client, client_for, tenant, in_tenant):
    me = await sign_in_staff(client, "owner@acme.test", role="owner")
    other = client_for(tenant)
    other_owner = await sign_in_staff(other, "partner@acme.test", role="owner")
    r = await client.submit(f"{STAFF}/{me.public_id}/deactivate")
    assert r.status_code == 400 and "cannot deactivate yourself" in await r.get_data(as_text=True)
    assert (await client.submit(f"{STAFF}/{other_owner.public_id}/deactivate")).status_code == 302
    assert (await other.get("/console/")).status_code == 302  # signed out at once
    with in_tenant(tenant):
        assert await StaffUser.filter(role="owner", active=True).count() == 1


async def test_deactivated_staff_cannot_sign_in_until_reactivated(client, client_for, tenant, in_tenant):
    await sign_in_staff(client, "owner@acme.test", role="owner")
    with in_tenant(tenant):
        tech = await StaffUser.create(email="tech@acme.test", name="Tech", role="staff", password_hash=await hash_password("pool pump rotor 7"))
    tech_client = client_for(tenant)
    assert (await tech_client.submit("/console/sign-in", {"email": "tech@acme.test", "password": "pool pump rotor 7"})).status_code == 302
    await client.submit(f"{STAFF}/{tech.public_id}/deactivate")
    assert (await tech_client.get("/console/")).status_code == 302
    again = await client_for(tenant).submit("/console/sign-in", {"email": "tech@acme.test", "password": "pool pump rotor 7"})
    assert again.status_code == 400
    listing = await (await client.get(f"{STAFF}/")).get_data(as_text=True)
    assert ">Deactivated<" in listing
    await client.submit(f"{STAFF}/{tech.public_id}/reactivate")
    back = await client_for(tenant).submit("/console/sign-in", {"email": "tech@acme.test", "password": "pool pump rotor 7"})
    assert back.status_code == 302
    with in_tenant(tenant):
        actions = [e.action for e in await AuditEvent.filter(target=tech.public_id).order_by("id")]
    assert actions == ["staff.deactivated", "staff.reactivated"]


async def test_an_invitation_can_be_sent_again_until_accepted(client, tenant, in_tenant):
    await sign_in_staff(client, "owner@acme.test", role="owner")
    await client.submit(f"{STAFF}/invite", {"email": "ann@acme.test", "name": "Ann", "role": "staff"})
    ann = await member(tenant, in_tenant, "ann@acme.test")
    assert (await client.submit(f"{STAFF}/{ann.public_id}/resend")).status_code == 302
    with in_tenant(tenant):
        assert await OutboundEmail.filter(to="ann@acme.test", kind="console.staff_invite").count() == 2
        assert await LoginToken.filter(email="ann@acme.test", purpose="staff_invite").count() == 2
        ann.password_hash = await hash_password("already joined 123")
        await ann.save()
    r = await client.submit(f"{STAFF}/{ann.public_id}/resend")
    assert r.status_code == 400 and "already joined" in await r.get_data(as_text=True)
    assert (await client.submit(f"{STAFF}/stf_nobody/resend")).status_code == 404


async def test_staff_of_another_business_are_out_of_reach(client, tenant, other_tenant, in_tenant):
    await sign_in_staff(client, "owner@acme.test", role="owner")
    with in_tenant(other_tenant):
        theirs = await StaffUser.create(email="boss@globex.test", name="Globex Boss", role="staff")
    assert "Globex Boss" not in await (await client.get(f"{STAFF}/")).get_data(as_text=True)
    for action in ("deactivate", "reactivate", "resend"):
        assert (await client.submit(f"{STAFF}/{theirs.public_id}/{action}")).status_code == 404
    assert (await client.submit(f"{STAFF}/{theirs.public_id}/role", {"role": "admin"})).status_code == 404
    with in_tenant(other_tenant):
        assert (await StaffUser.get(id=theirs.id)).active


async def test_invite_staff_is_what_the_cli_calls_for_the_first_owner(app, tenant, in_tenant):
    services = app.extensions["porchside"]
    with in_tenant(tenant):
        owner = await invite_staff(services, "Boss@Acme.Example", "", "owner", invited_by="porchside cli")
        assert owner.email == "boss@acme.example" and owner.name == "Boss" and owner.role == "owner"
        assert owner.password_hash is None
        email = await OutboundEmail.get(to="boss@acme.example")
        assert "/console/accept-invite/" in email.text
        with pytest.raises(StaffError, match="already on the staff"):
            await invite_staff(services, "boss@acme.example", "Boss", "owner")
        with pytest.raises(StaffError, match="Choose a role"):
            await invite_staff(services, "x@acme.example", "X", "superuser")
