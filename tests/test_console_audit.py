"""The audit log page and its CSV export (S10)."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone

from core.console.testing import sign_in_staff
from core.models.platform import AuditEvent
from core.web.rendering import tenant_today


async def event(tenant, in_tenant, action: str, actor_type: str, actor: str, days_ago: float = 0, **detail) -> AuditEvent:
    with in_tenant(tenant):
        row = await AuditEvent.create(action=action, actor_type=actor_type, actor=actor, target="acct_1", ip="10.0.0.1", detail=detail)
        when = datetime.now(timezone.utc) - timedelta(days=days_ago)
        await AuditEvent.filter(id=row.id).update(created_at=when)
        return row


def actions_listed(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><code>([\w.]+)</code></th>', html)


async def seed(tenant, in_tenant) -> None:
    await event(tenant, in_tenant, "customer.sign_in", "customer", "pat@example.com", days_ago=1, method="link")
    await event(tenant, in_tenant, "staff.view_as_customer", "staff", "ann@acme.test", days_ago=2, email="pat@example.com")
    await event(tenant, in_tenant, "staff.sign_in", "staff", "bob@acme.test", days_ago=3)
    await event(tenant, in_tenant, "staff.invites_finished", "system", "", days_ago=4, sent=3)
    await event(tenant, in_tenant, "customer.sign_in", "customer", "old@example.com", days_ago=60)


async def listed(client, query: str = "") -> list[str]:
    r = await client.get("/console/audit/" + query)
    assert r.status_code == 200
    return actions_listed(await r.get_data(as_text=True))


async def test_admins_read_the_log_with_filters(client, tenant, in_tenant, other_tenant):
    await sign_in_staff(client, "admin@acme.test", role="admin")
    await seed(tenant, in_tenant)
    await event(other_tenant, in_tenant, "customer.sign_in", "customer", "spy@globex.test", days_ago=1)
    # Last 30 days by default; newest first; the admin's own sign-in is not in here (made directly).
    assert await listed(client) == ["customer.sign_in", "staff.view_as_customer", "staff.sign_in", "staff.invites_finished"]
    assert await listed(client, "?actor_type=staff") == ["staff.view_as_customer", "staff.sign_in"]
    assert await listed(client, "?action=staff.*") == ["staff.view_as_customer", "staff.sign_in", "staff.invites_finished"]
    assert await listed(client, "?action=staff.sign_in") == ["staff.sign_in"]
    assert await listed(client, "?actor=ACME.test") == ["staff.view_as_customer", "staff.sign_in"]
    today = tenant_today(tenant)
    older = f"?from={(today - timedelta(days=90)).isoformat()}&to={(today - timedelta(days=30)).isoformat()}"
    assert await listed(client, older) == ["customer.sign_in"]
    html = await (await client.get("/console/audit/?from=yesterday")).get_data(as_text=True)
    assert "Enter dates as year-month-day" in html and len(actions_listed(html)) == 4
    page = await (await client.get("/console/audit/")).get_data(as_text=True)
    assert "spy@globex.test" not in page
    assert '<option value="staff.*">staff.* (all actions)</option>' in page
    assert "{&#34;email&#34;: &#34;pat@example.com&#34;}" in page  # details, escaped


async def test_the_log_is_paginated(client, tenant, in_tenant):
    await sign_in_staff(client, "admin@acme.test", role="admin")
    for n in range(55):
        await event(tenant, in_tenant, f"test.event_{n:02d}", "system", "", days_ago=n / 100)
    first = await (await client.get("/console/audit/")).get_data(as_text=True)
    assert len(actions_listed(first)) == 50 and "Showing 1–50 of 55 events" in first
    assert actions_listed(await (await client.get("/console/audit/?page=2")).get_data(as_text=True)) == [f"test.event_{n:02d}" for n in range(50, 55)]


async def test_the_export_takes_the_same_filters_and_is_spreadsheet_safe(client, tenant, in_tenant):
    await sign_in_staff(client, "owner@acme.test", role="owner")
    await seed(tenant, in_tenant)
    await event(tenant, in_tenant, "customer.link_requested_unknown", "customer", "=HYPERLINK(\"http://evil.test\")", days_ago=1)
    r = await client.get("/console/audit/export.csv?actor_type=customer")
    assert r.status_code == 200 and r.content_type.startswith("text/csv")
    assert 'attachment; filename="audit-' in r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO((await r.get_data(as_text=True)).lstrip("\ufeff"))))
    assert rows[0] == ["Time", "Actor type", "Actor", "Action", "Target", "IP address", "Detail"]
    assert [row[3] for row in rows[1:]] == ["customer.sign_in", "customer.link_requested_unknown"]
    sign_in = rows[1]
    assert sign_in[1:] == ["customer", "pat@example.com", "customer.sign_in", "acct_1", "10.0.0.1", '{"method": "link"}']
    assert datetime.fromisoformat(sign_in[0]).utcoffset() is not None  # local time with its offset
    assert rows[2][2] == "'=HYPERLINK(\"http://evil.test\")"
    with in_tenant(tenant):
        exported = await AuditEvent.get(action="staff.audit_exported")
        assert exported.actor == "owner@acme.test" and exported.detail["rows"] == 2


async def test_staff_below_admin_cannot_read_or_export(client, tenant, in_tenant):
    await sign_in_staff(client, "tech@acme.test", role="staff")
    for path in ("/console/audit/", "/console/audit/export.csv"):
        assert (await client.get(path)).status_code == 403
    nav = await (await client.get("/console/")).get_data(as_text=True)
    assert "/console/audit/" not in nav
