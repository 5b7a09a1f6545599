"""The console's first page: where the portal stands and what to set up next."""

from __future__ import annotations

from quart import Blueprint, g

from core.console.access import staff_required
from core.console.invite_email import is_customised
from core.console.shell import render_console
from core.links import portal_url
from core.services import current_services

blueprint = Blueprint("home", __name__)


@blueprint.get("/")
@staff_required("console")
async def index():
    tenant = g.tenant
    return await render_console(
        "console/home.html",
        portal_address=await portal_url(current_services(), tenant, "/"),
        invite_customised=is_customised(tenant),
    )

