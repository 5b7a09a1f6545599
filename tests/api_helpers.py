"""Helpers for API tests: a client with a token, as an integrator gets one."""

from __future__ import annotations

import base64

from core.api.clients import create_client


def basic(client_id: str, secret: str) -> dict[str, str]:
    pair = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}


async def request_token(http, client_id: str, secret: str, scope: str | None = None):
    form = {"grant_type": "client_credentials"}
    if scope is not None:
        form["scope"] = scope
    return await http.post("/oauth/token", form=form, headers=basic(client_id, secret))


async def bearer(http, tenant, scopes: list[str], name: str = "Books Sync", scope: str | None = None) -> dict[str, str]:
    """Create an API client of ``tenant`` and return headers carrying a fresh token."""
    client, secret = await create_client(tenant, name, scopes)
    response = await request_token(http, client.client_id, secret, scope)
    assert response.status_code == 200, await response.get_data(as_text=True)
    return {"Authorization": f"Bearer {(await response.get_json())['access_token']}"}


ALL = ["customers:read", "customers:write", "contacts:read", "contacts:write"]
CORE_RESOURCES = ("customers", "contacts", "jobs", "visits", "notes", "attachments", "invoices", "payments")
EVERY_CORE = [f"{name}:{verb}" for name in CORE_RESOURCES for verb in ("read", "write")]
