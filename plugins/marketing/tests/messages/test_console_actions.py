"""'Message this customer' on the console's customer, job and invoice pages (porchside_console_actions)."""

from __future__ import annotations

import re

from core.plugin_state import set_enabled
from core.testing_data import RecordMaker
from plugins.marketing.tests.messages.helpers import make_job, page
from tenants.context import use_tenant

BUTTON = re.compile(r'<a class="button secondary" href="([^"]+)" data-action="(message_customer\w*)">Message this customer</a>')


async def test_message_this_customer_opens_compose_or_the_job_thread(app, tenant, pat, staff_client):
    """porchside_console_actions: the marketing plugin's button goes to its compose page or the job's thread."""
    job = await make_job(tenant, pat)
    with use_tenant(tenant):
        invoice = await RecordMaker(tenant).invoice(pat, job=job)

    account_page = await page(staff_client, f"/console/accounts/{pat.public_id}/edit")
    assert BUTTON.findall(account_page) == [(f"/console/messages/new?account={pat.public_id}", "message_customer")]
    compose = await page(staff_client, f"/console/messages/new?account={pat.public_id}")
    assert re.search(rf'value="{pat.public_id}"[^>]*checked', compose), "the customer is chosen on the compose page"

    assert BUTTON.findall(await page(staff_client, f"/console/invoices/{invoice.public_id}")) == [
        (f"/console/messages/new?account={pat.public_id}", "message_customer_invoice")
    ]

    job_page = await page(staff_client, f"/console/jobs/{job.public_id}")
    assert BUTTON.findall(job_page) == [(f"/console/messages/jobs/{job.public_id}", "message_customer_job")]
    thread = await staff_client.get(f"/console/messages/jobs/{job.public_id}")
    assert thread.status_code == 302 and re.match(r"/console/messages/thr_", thread.headers["Location"])


async def test_no_button_where_marketing_is_disabled_and_the_route_needs_staff(app, tenant, pat, staff_client, client):
    """porchside_console_actions: a disabled plugin adds no button; its compose route refuses customers and strangers."""
    services = app.extensions["porchside"]
    with use_tenant(tenant):
        await set_enabled("marketing", False, services.plugins, services.cache)
    assert "Message this customer" not in await page(staff_client, f"/console/accounts/{pat.public_id}/edit")
    with use_tenant(tenant):
        await set_enabled("marketing", True, services.plugins, services.cache)
    assert "Message this customer" in await page(staff_client, f"/console/accounts/{pat.public_id}/edit")
    signed_out = await client.get(f"/console/messages/new?account={pat.public_id}")
    assert signed_out.status_code in (302, 303) and "sign-in" in signed_out.headers["Location"]
