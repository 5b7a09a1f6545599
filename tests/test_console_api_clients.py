"""Console "API clients" (issue 12, item 3): owners and admins create, rotate and revoke credentials.

Each test drives the console's forms, then the API itself (``/oauth/token``
and a bearer call) with what the page showed, as an integrator would.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from core.cache import tenant_key
from core.console.testing import sign_in_staff
from core.models.api import ApiClient
from core.models.platform import AuditEvent
from core.web.security import CSRF_FIELD
from tests.api_helpers import request_token

PAGE = "/console/api-clients/"


async def form_key(staff, path: str) -> str:
    page = await (await staff.get(path)).get_data(as_text=True)
    return re.search(r'name="form_key" value="([^"]+)"', page).group(1)


async def post_form(staff, path: str, fields: list[tuple[str, str]]):
    """POST a urlencoded body: the test client would keep only the first of repeated fields."""
    body = urlencode([(CSRF_FIELD, await staff.csrf()), *fields])
    return await staff.post(path, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})


def credentials(page: str) -> tuple[str, str]:
    client_id = re.search(r'id="client-id" type="text" readonly value="(ci_[^"]+)"', page).group(1)
    secret = re.search(r'id="client-secret" type="text" readonly value="(cs_[^"]+)"', page).group(1)
    return client_id, secret


async def create_in_console(staff, name: str = "Books Sync", scopes=("customers:read", "contacts:write")):
    key = await form_key(staff, PAGE + "new")
    response = await post_form(staff, PAGE + "new", [("form_key", key), ("name", name), *[("scope", s) for s in scopes]])
    assert response.status_code == 303, await response.get_data(as_text=True)
    return key, response.headers["Location"]


async def token_status(http, client_id: str, secret: str) -> int:
    return (await request_token(http, client_id, secret)).status_code


async def bearer_status(http, token: str) -> int:
    return (await http.get("/api/v1/customers", headers={"Authorization": f"Bearer {token}"})).status_code


async def test_create_shows_the_secret_once_and_it_gets_a_token(app, client, tenant, in_tenant):
    await sign_in_staff(client, "owner@acme.test", role="owner")
    empty = await (await client.get(PAGE)).get_data(as_text=True)
    assert "No API clients yet" in empty and 'href="/api/docs"' in empty
    form = await (await client.get(PAGE + "new")).get_data(as_text=True)
    for scope in ("customers:read", "customers:write", "contacts:read", "contacts:write"):
        assert f'value="{scope}"' in form

    key, location = await create_in_console(client)
    with in_tenant(tenant):
        waiting = await app.extensions["porchside"].cache.get(tenant_key("api-client-secret", key))
    shown = await client.get(location)
    assert shown.headers["Cache-Control"] == "no-store"
    page = await shown.get_data(as_text=True)
    assert "you will not see it again" in page
    client_id, secret = credentials(page)
    assert waiting and secret not in waiting  # the cache held it encrypted, and only until shown
    with in_tenant(tenant):
        assert await app.extensions["porchside"].cache.get(tenant_key("api-client-secret", key)) is None

    again = await (await client.get(location)).get_data(as_text=True)
    assert secret not in again and "already shown" in again

    token = await request_token(client, client_id, secret)
    assert token.status_code == 200
    assert (await token.get_json())["scope"] == "customers:read contacts:write"

    listed = await (await client.get(PAGE)).get_data(as_text=True)
    assert "Books Sync" in listed and client_id in listed and "owner@acme.test" in listed
    assert secret not in listed and "Active" in listed
    with in_tenant(tenant):
        stored = await ApiClient.get(client_id=client_id)
        assert stored.scopes == ["customers:read", "contacts:write"] and secret not in stored.secret_hash
        (event,) = await AuditEvent.filter(action="api_client.created")
    assert event.actor == "owner@acme.test" and event.target == client_id and event.detail["name"] == "Books Sync"


async def test_rotate_makes_the_old_secret_fail_and_revoke_ends_tokens(client, tenant, in_tenant):
    await sign_in_staff(client, "ann@acme.test", role="admin")
    _, location = await create_in_console(client)
    client_id, old_secret = credentials(await (await client.get(location)).get_data(as_text=True))
    old_token = (await (await request_token(client, client_id, old_secret)).get_json())["access_token"]
    assert await bearer_status(client, old_token) == 200

    rotate = f"{PAGE}{client_id}/rotate"
    key = await form_key(client, rotate)
    first = await post_form(client, rotate, [("form_key", key)])
    second = await post_form(client, rotate, [("form_key", key)])  # a double submit rotates once
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    page = await (await client.get(first.headers["Location"])).get_data(as_text=True)
    assert "Secret rotated" in page
    _, new_secret = credentials(page)
    assert new_secret != old_secret
    assert await token_status(client, client_id, old_secret) == 401
    assert await bearer_status(client, old_token) == 401
    new_token = (await (await request_token(client, client_id, new_secret)).get_json())["access_token"]
    assert await bearer_status(client, new_token) == 200

    confirm = await (await client.get(f"{PAGE}{client_id}/revoke")).get_data(as_text=True)
    assert "stop working at once" in confirm
    revoked = await client.submit(f"{PAGE}{client_id}/revoke")
    assert "done=revoked" in revoked.headers["Location"]
    assert "done=already_revoked" in (await client.submit(f"{PAGE}{client_id}/revoke")).headers["Location"]
    assert await bearer_status(client, new_token) == 401
    assert await token_status(client, client_id, new_secret) == 401
    assert "Revoked" in await (await client.get(PAGE)).get_data(as_text=True)
    with in_tenant(tenant):
        actions = [e.action for e in await AuditEvent.filter(action__startswith="api_client.").order_by("id")]
    assert actions == ["api_client.created", "api_client.rotated", "api_client.revoked"]


async def test_double_submit_of_create_makes_one_client(client, tenant, in_tenant):
    await sign_in_staff(client, "owner@acme.test", role="owner")
    key = await form_key(client, PAGE + "new")
    fields = [("form_key", key), ("name", "Books Sync"), ("scope", "customers:read")]
    first = await post_form(client, PAGE + "new", fields)
    second = await post_form(client, PAGE + "new", fields)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    # The browser shows the second response: it still gets the secret, once.
    assert "you will not see it again" in await (await client.get(second.headers["Location"])).get_data(as_text=True)
    with in_tenant(tenant):
        assert await ApiClient.all().count() == 1
        assert await AuditEvent.filter(action="api_client.created").count() == 1


async def test_bad_forms_say_why_and_create_nothing(client, tenant, in_tenant):
    await sign_in_staff(client, "owner@acme.test", role="owner")
    key = await form_key(client, PAGE + "new")
    no_scope = await post_form(client, PAGE + "new", [("form_key", key), ("name", "Books Sync")])
    assert no_scope.status_code == 400
    assert "Choose at least one permission" in await no_scope.get_data(as_text=True)
    unknown = await post_form(client, PAGE + "new", [("form_key", key), ("name", "Books Sync"), ("scope", "payroll:write")])
    assert unknown.status_code == 400 and "only permissions from the list" in await unknown.get_data(as_text=True)
    no_name = await post_form(client, PAGE + "new", [("form_key", key), ("name", " "), ("scope", "customers:read")])
    assert no_name.status_code == 400 and "Enter the name" in await no_name.get_data(as_text=True)
    no_csrf = await client.post(PAGE + "new", form={"form_key": key, "name": "X", "scope": "customers:read"})
    assert no_csrf.status_code == 403
    with in_tenant(tenant):
        assert await ApiClient.all().count() == 0
    # The refused attempts did not use up the key.
    await post_form(client, PAGE + "new", [("form_key", key), ("name", "Books Sync"), ("scope", "customers:read")])
    with in_tenant(tenant):
        assert await ApiClient.all().count() == 1


async def test_technicians_get_403_and_no_menu_item(client_for, tenant, in_tenant):
    admin = client_for(tenant)
    await sign_in_staff(admin, "ann@acme.test", role="admin")
    assert 'href="/console/api-clients/"' in await (await admin.get("/console/")).get_data(as_text=True)
    _, location = await create_in_console(admin)
    client_id, _ = credentials(await (await admin.get(location)).get_data(as_text=True))

    technician = client_for(tenant)
    await sign_in_staff(technician, "tech@acme.test", role="staff")
    home = await (await technician.get("/console/")).get_data(as_text=True)
    assert "API clients" not in home and "/console/api-clients/" not in home
    for path in (PAGE, PAGE + "new", f"{PAGE}{client_id}/rotate", f"{PAGE}{client_id}/revoke"):
        assert (await technician.get(path)).status_code == 403, path
    assert (await technician.submit(f"{PAGE}{client_id}/revoke")).status_code == 403
    refused = await post_form(technician, PAGE + "new", [("form_key", "k" * 32), ("name", "Mine"), ("scope", "customers:write")])
    assert refused.status_code == 403
    with in_tenant(tenant):
        assert await ApiClient.all().count() == 1 and (await ApiClient.get(client_id=client_id)).revoked_at is None


async def test_another_business_client_id_is_404(client, other_client, tenant, other_tenant, in_tenant):
    await sign_in_staff(client, "owner@acme.test", role="owner")
    _, location = await create_in_console(client)
    client_id, secret = credentials(await (await client.get(location)).get_data(as_text=True))

    await sign_in_staff(other_client, "owner@globex.test", role="owner")
    assert client_id not in await (await other_client.get(PAGE)).get_data(as_text=True)
    assert (await other_client.get(f"{PAGE}{client_id}/rotate")).status_code == 404
    assert (await other_client.get(f"{PAGE}{client_id}/revoke")).status_code == 404
    assert (await other_client.submit(f"{PAGE}{client_id}/revoke")).status_code == 404
    assert (await post_form(other_client, f"{PAGE}{client_id}/rotate", [("form_key", "k" * 32)])).status_code == 404
    # Another staff member (or business) cannot open this secret page either.
    assert await token_status(client, client_id, secret) == 200
    with in_tenant(tenant):
        assert (await ApiClient.get(client_id=client_id)).revoked_at is None


async def test_the_secret_page_is_only_for_who_created_it(client_for, tenant):
    owner = client_for(tenant)
    await sign_in_staff(owner, "owner@acme.test", role="owner")
    _, location = await create_in_console(owner)
    admin = client_for(tenant)
    await sign_in_staff(admin, "ann@acme.test", role="admin")
    assert "cs_" not in await (await admin.get(location)).get_data(as_text=True)
    assert "you will not see it again" in await (await owner.get(location)).get_data(as_text=True)
