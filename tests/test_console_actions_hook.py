"""The ``porchside_console_actions`` hook: plugins' buttons on the console's account, job and invoice pages."""

from __future__ import annotations

import types

import pytest

from core.console.testing import sign_in_staff
from core.plugin_state import set_enabled
from core import hookimpl
from core.plugins import PluginError, PluginHost
from core.records import ConsoleAction
from core.testing_data import RecordMaker
from tenants.context import use_tenant
from tenants.service import create_tenant
from tests.plugins import callback


@pytest.fixture
async def callback_app(make_app):
    async with make_app(plugins=[("callback", callback)]) as started:
        yield started


async def html(client, path: str) -> str:
    response = await client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return await response.get_data(as_text=True)


async def test_console_actions_show_by_permission_and_where_enabled(callback_app, client_for):
    """porchside_console_actions: buttons on account, job and invoice pages, permission-checked, per tenant."""
    acme = await create_tenant("acme", "Acme Pool Care")
    globex = await create_tenant("globex", "Globex Plumbing")
    with use_tenant(acme):
        maker = RecordMaker(acme)
        account = await maker_account(acme)
        job = await maker.job(account)
        cancelled = await maker.job(account, status="cancelled")
        invoice = await maker.invoice(account)

    admin = client_for(acme, callback_app)
    await sign_in_staff(admin, "ann@acme.test", role="admin")
    page = await html(admin, f"/console/accounts/{account.public_id}/edit")
    assert f'href="/console/callback/accounts/{account.public_id}" data-action="callback">Schedule a call back</a>' in page
    assert 'data-action="callback_job"' in await html(admin, f"/console/jobs/{job.public_id}")
    assert 'data-action="callback_job"' not in await html(admin, f"/console/jobs/{cancelled.public_id}")  # is_shown said no
    page = await html(admin, f"/console/invoices/{invoice.public_id}")
    assert f'<form method="post" action="/console/callback/invoices/{invoice.public_id}"' in page
    assert 'data-action="refund_call">Call about a refund</button>' in page

    # A staff role lacks "money": no button, and the route refuses anyway.
    staff = client_for(acme, callback_app)
    await sign_in_staff(staff, "tyler@acme.test", role="staff")
    assert 'data-action="refund_call"' not in await html(staff, f"/console/invoices/{invoice.public_id}")
    assert (await staff.get(f"/console/callback/invoices/{invoice.public_id}")).status_code == 403
    assert 'data-action="callback"' in await html(staff, f"/console/accounts/{account.public_id}/edit")

    # Disabled in a tenant: no buttons there.
    services = callback_app.extensions["porchside"]
    with use_tenant(globex):
        await set_enabled("callback", False, services.plugins, services.cache)
        other_account = await maker_account(globex)
    other = client_for(globex, callback_app)
    await sign_in_staff(other, "owen@globex.test", role="owner")
    assert 'data-action="callback"' not in await html(other, f"/console/accounts/{other_account.public_id}/edit")


async def maker_account(tenant):
    from core.models.customers import CustomerAccount

    return await CustomerAccount.create(name="Pat Doe", number=f"C-{tenant.slug}-1")


def test_console_action_with_an_unknown_target_permission_or_duplicate_id_stops_start_up():
    """porchside_console_actions: records are checked when the app is built."""
    def plugin(*actions):
        return types.SimpleNamespace(porchside_console_actions=hookimpl(lambda: list(actions)))

    bad_target = ConsoleAction(id="x", label="X", target="quote", href=str)  # type: ignore[arg-type]
    with pytest.raises(PluginError, match="console action 'x' has target 'quote'"):
        PluginHost().load(extra=[("bad", plugin(bad_target))], load_entry_points=False)
    bad_permission = ConsoleAction(id="x", label="X", target="job", href=str, permission="superuser")
    with pytest.raises(PluginError, match="permission 'superuser'.*does not exist"):
        PluginHost().load(extra=[("bad", plugin(bad_permission))], load_entry_points=False)
    twin = ConsoleAction(id="callback", label="Again", target="job", href=str)
    with pytest.raises(PluginError, match="duplicate console action id 'callback'"):
        PluginHost().load(extra=[("callback", callback), ("twin", plugin(twin))], load_entry_points=False)
