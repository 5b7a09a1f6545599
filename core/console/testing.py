"""Test support for console pages: a staff session without going through sign-in.

For tests of pages behind staff sign-in (core's and plugins'); the sign-in
flows themselves are tested through their real pages::

    from core.console.testing import sign_in_staff

    async def test_admins_see_settings(client):
        await sign_in_staff(client, "ann@acme.test", role="admin")
        assert (await client.get("/console/settings/portal")).status_code == 200
"""

from __future__ import annotations

from typing import Any

from core.console.access import COOKIE, COOKIE_PATH, staff_sessions
from core.models.staff import StaffUser
from tenants.context import use_tenant
from tenants.models import Tenant


async def sign_in_staff(client: Any, email: str = "owner@acme.test", role: str = "owner", name: str = "") -> StaffUser:
    """Give ``client`` (a :class:`core.testing.TenantClient`) a staff session.

    The staff member is created in the client's tenant with ``role`` unless
    the address is already on its staff (then their stored role is kept).
    """
    services = client.app.extensions["porchside"]
    async with client.app.test_request_context(COOKIE_PATH + "/", headers={"Host": client.host}):
        resolution = await services.resolver.resolve(client.host)
        tenant = await Tenant.get(id=resolution.tenant_id)
        with use_tenant(tenant):
            staff = await StaffUser.get_or_none(email=email)
            if staff is None:
                staff = await StaffUser.create(email=email, name=name or email.split("@")[0].title(), role=role)
            session_id, _ = await staff_sessions().create(staff.public_id, remember=False, ip="127.0.0.1", user_agent="test")
    client.client.set_cookie(client.host.split(":")[0], COOKIE, session_id, path=COOKIE_PATH)
    return staff
