"""Bad characters in requests get a clear 400 (or 404 in a path), never a 500 (issue 14, item 7).

PostgreSQL refuses a NUL byte in text and asyncpg cannot encode a lone
surrogate, so before the guard these requests ended in 500s there (and a
queued sign-in link job retried). The guard in ``core.web.input_guard``
refuses them once for every route, plugins' included.
"""

from __future__ import annotations

import pytest
from werkzeug.test import encode_multipart

from core.auth.links import TASK_SEND_LINK
from core.console.testing import sign_in_staff
from core.queue.errors import QueueError
from tests.plugins import gate
from tests.portal_data import PAT, pat, pat_client  # noqa: F401 - fixtures

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def refused(response, status: int = 400, code: str = "invalid_characters") -> str:
    body = await response.get_data(as_text=True)
    assert response.status_code == status, (response.status_code, body[:300])
    assert f"<code>{code}</code>" in body
    return body


async def test_nul_in_the_sign_in_email_is_refused(client, tenant, pat):
    for path in ("/sign-in/password", "/sign-in/link", "/forgot-password"):
        body = f"email=pat%00@example.com&password=x&csrf_token={await client.csrf()}"
        page = await refused(await client.post(path, data=body, headers=FORM))
        assert "not allowed" in page


async def test_multipart_field_with_nul_is_refused(client, tenant, pat):
    boundary, body = encode_multipart({"email": "pat\x00@example.com", "password": "x", "csrf_token": await client.csrf()})
    response = await client.post("/sign-in/password", data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    await refused(response)


async def test_nul_in_an_id_of_the_path_is_not_found(pat_client):
    for path in ("/invoices/inv_%00x", "/files/%00", "/jobs/%00"):
        await refused(await pat_client.get(path), 404, "not_found")


async def test_nul_in_a_query_parameter_is_refused(client, tenant):
    await sign_in_staff(client, "olive@acme.test", role="staff")
    await refused(await client.get("/console/invoices/?account=%00"))
    await refused(await client.get("/console/invoices/?account=acc%01x"))


async def test_json_string_with_nul_is_refused_with_a_json_error(make_app, client_for, make_customer):
    from tenants.service import create_tenant

    async with make_app(plugins=[("gate", gate)]) as app:
        acme = await create_tenant("acme", "Acme Pool Care")
        await make_customer(acme, "Pat Doe", emails=[PAT])
        client = client_for(acme, app)
        await client.sign_in_as(PAT)
        headers = {"X-CSRF-Token": await client.csrf()}
        fine = await client.post("/gate/jobs", json={"job": "job_unknown"}, headers=headers)
        assert fine.status_code == 200 and (await fine.get_json()) == {"found": False}
        for bad in ("job_\u0000", "job_\ud800"):
            response = await client.post("/gate/jobs", json={"job": bad}, headers=headers)
            assert response.status_code == 400, await response.get_data(as_text=True)
            assert (await response.get_json())["error"]["code"] == "invalid_characters"


async def test_invalid_utf8_and_other_controls_are_refused_but_line_breaks_are_text(client, tenant, pat):
    token = await client.csrf()
    for body in (f"email=pat%ff@example.com&csrf_token={token}", f"email=pat%01@example.com&csrf_token={token}",
                 f"email=pat%ed%a0%80@example.com&csrf_token={token}"):
        await refused(await client.post("/sign-in/link", data=body, headers=FORM))
    await refused(await client.get("/sign-in?next=%ff"))
    await refused(await client.get("/sign-in?next=/invoices%07"))
    # Tabs and line breaks are text in a form: the guard lets them through to the view.
    sent = await client.post("/sign-in/link", data=f"email=pat%40example.com&note=a%0D%0Ab%09c&csrf_token={token}", headers=FORM)
    assert sent.status_code == 200, await sent.get_data(as_text=True)


async def test_queued_jobs_never_receive_unstorable_text(app, tenant):
    """However a value got past the requests, a job that could never run is not queued."""
    queue = app.extensions["porchside"].queue
    for email in ("pat\x00@example.com", "pat\ud800@example.com"):
        with pytest.raises(QueueError, match="NUL byte or a lone surrogate"):
            await queue.enqueue(TASK_SEND_LINK, tenant=tenant, purpose="magic", email=email)


async def test_line_breaks_in_a_query_value_are_text(client, tenant):
    # A link may prefill a form's multi-line field (the marketing plugin's "turn into a quote").
    assert (await client.get("/sign-in?email=a%0Ab%09c")).status_code == 200
    assert (await client.get("/sign-in?email=a%07b")).status_code == 400
    # A redirect target is an address, though: a line break there never reaches a Location header.
    from core.auth.current import safe_next

    assert safe_next("/invoices\n") == "/" and safe_next("/invoices?q=a") == "/invoices?q=a"
