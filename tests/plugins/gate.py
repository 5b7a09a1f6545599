"""Gate: one route per kind of access, for the secure-defaults tests (issue 14).

A public page, a customer page, a customer JSON endpoint that looks a job
up by the id it is sent, and a console page that needs the ``settings``
permission; every route declares its access, as the app requires of
plugins. ``members`` and ``back_room`` declare it for the whole blueprint
instead, so only the host's check before each request guards them. On by
default.
"""

from __future__ import annotations

from quart import Blueprint, g, jsonify, request

from core import hookimpl, public
from core.auth.current import login_required
from core.console.access import load_staff, staff_required
from core.models.jobs import Job
from core.records import PluginInfo
from core.route_access import CUSTOMER, staff

blueprint = Blueprint("gate", __name__)
console = Blueprint("console_gate", __name__, url_prefix="/console/gate")
console.portal_section = None  # type: ignore[attr-defined]
console.before_request(load_staff)
# Declared once for every route of the blueprint: only the host's check per request guards them.
members = Blueprint("gate_members", __name__, url_prefix="/gate/members")
members.porchside_access = CUSTOMER  # type: ignore[attr-defined]
back_room = Blueprint("console_gate_back_room", __name__, url_prefix="/console/gate-back-room")
back_room.portal_section = None  # type: ignore[attr-defined]
back_room.porchside_access = staff("settings")  # type: ignore[attr-defined]


@blueprint.get("/gate/open")
@public
async def open_page():
    return "open to everyone"


@blueprint.get("/gate/mine")
@login_required
async def mine():
    return f"signed in as {g.portal.email}"


@blueprint.post("/gate/jobs")
@login_required
async def find_job():
    """JSON ``{"job": <public id>}``: whether the account has that job."""
    data = await request.get_json(silent=True) or {}
    job = await Job.get_or_none(public_id=str(data.get("job", "")), account_id=g.portal.account.id)
    return jsonify({"found": job is not None})


@console.get("/")
@staff_required("settings")
async def settings_page():
    return "gate settings"


@members.get("/")
async def members_page():
    return f"members: {g.portal.email}"


@back_room.get("/")
async def back_room_page():
    return f"back room: {g.staff.email}"


@hookimpl
def porchside_plugin_info():
    return PluginInfo(name="gate", label="Gate", version="1.0.0", default_enabled=True)


@hookimpl
def porchside_blueprints():
    return [blueprint, console, members, back_room]
