"""Plugins' routes are closed unless they say who may open them (issue 14, item 8).

Before, a plugin route without ``login_required`` answered 200 to anyone.
Now start-up stops on a route that declares nothing (naming the plugin and
the endpoint), a declared-public route stays open, customer routes send a
signed-out visitor to sign in, and console routes need staff with the
declared permission. ``core.web.plugin_routes`` checks the URL map at
start-up and the mark again before each request.
"""

from __future__ import annotations

import pytest

from core.app import create_app
from core.console.testing import sign_in_staff
from core.plugins import PluginError
from tests.plugins import gate, undeclared
from tenants.service import create_tenant

PAT = "pat@acme.example"


@pytest.fixture
async def gate_app(make_app):
    async with make_app(plugins=[("gate", gate)]) as started:
        yield started


@pytest.fixture
async def acme(gate_app, make_customer):
    tenant = await create_tenant("acme", "Acme Pool Care")
    await make_customer(tenant, "Pat Doe", emails=[PAT])
    return tenant


@pytest.mark.parametrize(
    "plugin, words",
    [
        (undeclared, ["plugin 'undeclared'", "route 'undeclared.index' (/undeclared)", "does not say who may open it", "@public"]),
        (undeclared.CustomerInConsole(), ["plugin 'undeclared'", "'console_undeclared.console_index'", "console route but asks for a signed-in customer"]),
        (undeclared.StaffOutsideConsole(), ["plugin 'undeclared'", "'undeclared_staff.team_notes'", "needs staff but is not under /console/"]),
    ],
)
def test_a_plugin_route_without_a_workable_declaration_stops_start_up(porchside_settings_factory, plugin, words):
    """porchside_blueprints: every route of a plugin blueprint says who may open it."""
    with pytest.raises(PluginError) as failure:
        create_app(porchside_settings_factory(), plugins=[("undeclared", plugin)])
    for word in words:
        assert word in str(failure.value)


async def test_a_declared_public_route_answers_signed_out_visitors(gate_app, acme, client_for):
    page = await client_for(acme, gate_app).get("/gate/open")
    assert page.status_code == 200 and await page.get_data(as_text=True) == "open to everyone"


async def test_customer_routes_send_signed_out_visitors_to_sign_in(gate_app, acme, client_for):
    visitor = client_for(acme, gate_app)
    for path in ("/gate/mine", "/gate/members/"):
        response = await visitor.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == "/sign-in?next=" + path, response.headers["Location"]

    pat = client_for(acme, gate_app)
    await pat.sign_in_as(PAT)
    assert await (await pat.get("/gate/mine")).get_data(as_text=True) == f"signed in as {PAT}"
    assert await (await pat.get("/gate/members/")).get_data(as_text=True) == f"members: {PAT}"


async def test_console_routes_need_staff_with_the_declared_permission(gate_app, acme, client_for):
    visitor = client_for(acme, gate_app)
    await visitor.sign_in_as(PAT)  # a customer session opens no console page
    for path in ("/console/gate/", "/console/gate-back-room/"):
        response = await visitor.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/console/sign-in"), path

    technician = client_for(acme, gate_app)
    await sign_in_staff(technician, "tess@acme.test", role="staff")
    for path in ("/console/gate/", "/console/gate-back-room/"):
        refused = await technician.get(path)
        assert refused.status_code == 403 and "<code>forbidden</code>" in await refused.get_data(as_text=True), path

    admin = client_for(acme, gate_app)
    await sign_in_staff(admin, "ann@acme.test", role="admin")
    assert await (await admin.get("/console/gate/")).get_data(as_text=True) == "gate settings"
    assert await (await admin.get("/console/gate-back-room/")).get_data(as_text=True) == "back room: ann@acme.test"
