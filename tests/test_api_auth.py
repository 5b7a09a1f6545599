"""Integration API authentication (issue 12): OAuth 2.0 client credentials, bearer tokens, scopes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import time_machine

from core.api.clients import create_client, revoke_client
from core.models.api import ApiClient, ApiToken
from tests.api_helpers import ALL, basic, bearer, request_token


async def test_token_by_basic_auth_carries_the_asked_subset_of_scopes(client, tenant, in_tenant):
    api_client, secret = await create_client(tenant, "Books Sync", ALL)
    response = await request_token(client, api_client.client_id, secret, scope="customers:read")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = await response.get_json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["scope"] == "customers:read"
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert (await client.get("/api/v1/customers", headers=headers)).status_code == 200
    refused = await client.get("/api/v1/contacts", headers=headers)
    assert refused.status_code == 403
    problem = await refused.get_json()
    assert problem["code"] == "insufficient_scope"
    assert 'scope="contacts:read"' in refused.headers["WWW-Authenticate"]
    with in_tenant(tenant):
        stored = await ApiToken.get(client_id=api_client.id)
        assert body["access_token"] not in stored.token_hash  # only a digest is kept
        assert (await ApiClient.get(id=api_client.id)).last_used_at is not None


async def test_token_by_form_fields_and_all_scopes_by_default(client, tenant):
    api_client, secret = await create_client(tenant, "Books Sync", ["customers:read", "customers:write"])
    response = await client.post(
        "/oauth/token",
        form={"grant_type": "client_credentials", "client_id": api_client.client_id, "client_secret": secret},
    )
    assert response.status_code == 200
    assert (await response.get_json())["scope"] == "customers:read customers:write"


async def test_token_refusals_follow_rfc_6749(client, tenant, in_tenant):
    api_client, secret = await create_client(tenant, "Books Sync", ["customers:read"])
    wrong = await request_token(client, api_client.client_id, secret + "x")
    assert wrong.status_code == 401 and (await wrong.get_json())["error"] == "invalid_client"
    assert "WWW-Authenticate" in wrong.headers
    unknown = await request_token(client, "ci_nobody", secret)
    assert unknown.status_code == 401 and (await unknown.get_json())["error"] == "invalid_client"
    more = await request_token(client, api_client.client_id, secret, scope="customers:read customers:write")
    assert more.status_code == 400 and (await more.get_json())["error"] == "invalid_scope"
    grant = await client.post("/oauth/token", form={"grant_type": "password"}, headers=basic(api_client.client_id, secret))
    assert grant.status_code == 400 and (await grant.get_json())["error"] == "unsupported_grant_type"
    with in_tenant(tenant):
        await revoke_client(api_client)
    revoked = await request_token(client, api_client.client_id, secret)
    assert revoked.status_code == 401 and (await revoked.get_json())["error"] == "invalid_client"


async def test_client_of_another_tenant_gets_no_token_here(client, other_client, tenant, other_tenant):
    api_client, secret = await create_client(tenant, "Books Sync", ["customers:read"])
    response = await request_token(other_client, api_client.client_id, secret)
    assert response.status_code == 401


async def test_token_of_another_tenant_is_401(client, other_client, tenant, other_tenant):
    headers = await bearer(client, tenant, ALL)
    response = await other_client.get("/api/v1/customers", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert (await response.get_json())["code"] == "invalid_token"


async def test_missing_or_malformed_token_is_401_with_a_challenge(client, tenant):
    missing = await client.get("/api/v1/customers")
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    assert missing.headers["Content-Type"].startswith("application/problem+json")
    malformed = await client.get("/api/v1/customers", headers={"Authorization": "Basic abc"})
    assert malformed.status_code == 401 and (await malformed.get_json())["code"] == "invalid_request"
    unknown = await client.get("/api/v1/customers", headers={"Authorization": "Bearer pst_nothing"})
    assert unknown.status_code == 401 and (await unknown.get_json())["code"] == "invalid_token"


async def test_token_expires_after_an_hour(client, tenant):
    start = datetime.now(timezone.utc)
    with time_machine.travel(start, tick=False):
        headers = await bearer(client, tenant, ALL)
    with time_machine.travel(start + timedelta(minutes=59), tick=False):
        assert (await client.get("/api/v1/customers", headers=headers)).status_code == 200
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        expired = await client.get("/api/v1/customers", headers=headers)
    assert expired.status_code == 401
    assert 'error="invalid_token"' in expired.headers["WWW-Authenticate"]
    assert "expired" in (await expired.get_json())["detail"]


async def test_revoking_a_client_ends_its_tokens(client, tenant, in_tenant):
    api_client, secret = await create_client(tenant, "Books Sync", ALL)
    token = (await (await request_token(client, api_client.client_id, secret)).get_json())["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/customers", headers=headers)).status_code == 200
    with in_tenant(tenant):
        await revoke_client(api_client)
    assert (await client.get("/api/v1/customers", headers=headers)).status_code == 401


async def test_create_client_refuses_bad_names_and_scopes(app, tenant):
    import pytest

    with pytest.raises(ValueError):
        await create_client(tenant, "  ", ["customers:read"])
    with pytest.raises(ValueError):
        await create_client(tenant, "Books", ["customers:delete"])
    with pytest.raises(ValueError):
        await create_client(tenant, "Books", ["widgets:read"], known_scopes=["customers:read"])


async def test_token_endpoint_needs_no_csrf_and_refuses_control_characters(client, tenant):
    api_client, secret = await create_client(tenant, "Books Sync", ALL)
    response = await client.post(
        "/oauth/token",
        data=f"grant_type=client_credentials&client_id={api_client.client_id}&client_secret=%00",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400
    assert (await response.get_json())["error"]["code"] == "invalid_characters"
