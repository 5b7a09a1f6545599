"""Role checks on every console route, from the one permission table (S1).

The matrix walks the app's URL map, so a console route added later is
checked too: it must declare a permission (or be one of the public sign-in
pages) and answer 403 to every role below it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.console.access import PERMISSIONS, ROLE_RANK, role_has
from core.console.testing import sign_in_staff
from core.models.staff import ROLES

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = {
    "console.auth.sign_in", "console.auth.password_sign_in", "console.auth.sign_out",
    "console.auth.forgot_password", "console.auth.accept_invite", "console.auth.reset_password",
}


def console_routes(app) -> list[tuple[str, str, str, object]]:
    """``(method, path with placeholder values, endpoint, view)`` of every console route."""
    out = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("console."):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", "no-such-thing", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((method, path, rule.endpoint, app.view_functions[rule.endpoint]))
    return out


def test_the_role_table_covers_exactly_the_staff_roles():
    assert set(ROLE_RANK) == set(ROLES)
    assert set(PERMISSIONS.values()) <= set(ROLES)
    assert role_has("owner", "portal_switch") and not role_has("admin", "portal_switch")
    assert role_has("admin", "settings") and not role_has("staff", "settings")
    assert role_has("staff", "customers")
    assert not role_has("nobody", "console")


async def test_every_console_view_declares_a_permission_or_is_a_sign_in_page(app):
    routes = console_routes(app)
    assert len({endpoint for _, _, endpoint, _ in routes}) >= 25
    for _, path, endpoint, view in routes:
        public = getattr(view, "console_public", False)
        permission = getattr(view, "console_permission", None)
        assert public != (permission is not None), f"{endpoint} ({path}) must be either public or staff_required"
        assert (endpoint in PUBLIC) == public, endpoint
        assert public or permission in PERMISSIONS


@pytest.mark.parametrize("role", ROLES)
async def test_every_console_route_refuses_the_roles_below_its_permission(app, client_for, tenant, role):
    client = client_for(tenant)
    await sign_in_staff(client, f"{role}@acme.test", role=role)
    checked = 0
    for method, path, endpoint, view in console_routes(app):
        permission = getattr(view, "console_permission", None)
        if permission is None:
            continue
        r = await (client.get(path) if method == "GET" else client.submit(path, {}) if method == "POST" else client.request(method, path))
        if role_has(role, permission):
            assert r.status_code != 403, (role, method, path)
            assert not r.headers.get("Location", "").startswith("/console/sign-in"), (role, method, path)
        else:
            assert r.status_code == 403, (role, method, path, r.status_code)
            assert "forbidden" in await r.get_data(as_text=True)
        checked += 1
    assert checked >= 20


async def test_signed_out_visitors_are_sent_to_the_console_sign_in(app, client):
    for method, path, endpoint, view in console_routes(app):
        if getattr(view, "console_public", False):
            continue
        r = await (client.get(path) if method == "GET" else client.submit(path, {}))
        assert r.status_code == 302, (method, path)
        assert r.headers["Location"].startswith("/console/sign-in?next="), (method, path)


async def test_forbidden_answers_json_to_json_clients(client, tenant):
    await sign_in_staff(client, "tech@acme.test", role="staff")
    r = await client.get("/console/settings/portal", headers={"Accept": "application/json"})
    assert r.status_code == 403
    assert (await r.get_json())["error"]["code"] == "forbidden"


async def test_the_navigation_shows_only_what_the_role_may_open(client_for, tenant):
    pages = {}
    for role in ROLES:
        client = client_for(tenant)
        await sign_in_staff(client, f"{role}@acme.test", role=role)
        pages[role] = await (await client.get("/console/")).get_data(as_text=True)
    nav = {role: re.search(r'<nav aria-label="Console".*?</nav>', page, re.S).group(0) for role, page in pages.items()}
    assert "/console/staff/" in nav["owner"] and "/console/plugins/" in nav["admin"]
    for link in ("/console/settings/portal", "/console/plugins/", "/console/staff/", "/console/settings/branding/"):
        assert link not in nav["staff"]
    assert "Home" in nav["staff"]


def test_the_staff_guide_has_the_same_role_table():
    """docs/console.md's table: one row per permission, yes/no per role."""
    text = (ROOT / "docs" / "console.md").read_text()
    rows = dict(re.findall(r"^\| `(\w+)` \| [^|]+ \| (.+?) \|$", text, re.M))
    assert set(rows) == set(PERMISSIONS)
    for permission, cells in rows.items():
        marks = [cell.strip() for cell in cells.split("|")]
        assert marks == ["yes" if role_has(role, permission) else "no" for role in ("owner", "admin", "staff")], permission
