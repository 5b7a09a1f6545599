"""Staff accounts (S1): the team list, inviting a colleague, roles, deactivation.

Needs ``team`` (owners and admins). Whatever makes, changes or removes an
owner needs ``owners`` as well, and the business always keeps at least one
active owner: the last one can be neither demoted nor deactivated. Nobody
deactivates themselves. Deactivating ends the person's sessions at once.
"""

from __future__ import annotations

from quart import Blueprint, abort, g, redirect, request, url_for

from core.audit import record
from core.console.access import ROLE_LABELS, can, end_all_sessions_of, staff_required
from core.console.bootstrap import StaffError, invite_staff
from core.console.shell import notice, render_console
from core.console.staff_links import send_staff_link
from core.i18n import gettext as _
from core.i18n import lazy_gettext
from core.models.staff import ROLES, StaffUser
from core.services import current_services
from core.web.errors import render_error

blueprint = Blueprint("staff", __name__, url_prefix="/staff")

OWNERS_ONLY = lazy_gettext("Only an owner can make, change or deactivate an owner.")
NOTICES = {
    "invited": lazy_gettext("Invitation sent."),
    "resent": lazy_gettext("A new invitation is on its way."),
    "role": lazy_gettext("Role changed."),
    "deactivated": lazy_gettext("Deactivated: they are signed out and can no longer sign in."),
    "reactivated": lazy_gettext("Reactivated: they can sign in again."),
}


def _done(key: str):
    return redirect(url_for("console.staff.index", done=key))


async def _list_page(status: int = 200, errors: dict[str, str] | None = None, form: dict | None = None):
    members = await StaffUser.all().order_by("-active", "name")
    return await render_console(
        "console/staff/index.html",
        members=members,
        roles=[(role, ROLE_LABELS[role]) for role in ROLES if role != "owner" or can("owners")],
        errors=errors or {},
        form=form or {},
        notice=notice(NOTICES),
    ), status


async def _member(public_id: str) -> StaffUser:
    member = await StaffUser.get_or_none(public_id=public_id)
    if member is None:
        abort(404)
    return member


async def _owner_guard(member: StaffUser, new_role: str = ""):
    """403 when ``member`` is, or is to become, an owner and I may not manage owners."""
    if "owner" in (member.role, new_role) and not can("owners"):
        return await render_error(403, "forbidden", str(OWNERS_ONLY))
    return None


async def _is_last_owner(member: StaffUser) -> bool:
    if member.role != "owner" or not member.active:
        return False
    return not await StaffUser.filter(role="owner", active=True).exclude(id=member.id).exists()


@blueprint.get("/")
@staff_required("team")
async def index():
    return await _list_page()


@blueprint.post("/invite")
@staff_required("team")
async def invite():
    form = await request.form
    role = form.get("role", "staff")
    if role == "owner" and not can("owners"):
        return await render_error(403, "forbidden", str(OWNERS_ONLY))
    try:
        await invite_staff(current_services(), form.get("email", ""), form.get("name", ""), role, invited_by=g.staff.email)
    except StaffError as exc:
        return await _list_page(400, {"invite": str(exc)}, dict(form))
    return _done("invited")


@blueprint.post("/<public_id>/resend")
@staff_required("team")
async def resend(public_id: str):
    member = await _member(public_id)
    if not member.active or member.password_hash:
        return await _list_page(400, {"member": _("%(name)s has already joined; they can reset their password from the sign-in page.", name=member.name)})
    await send_staff_link(current_services(), "staff_invite", member, created_by=g.staff.email)
    return _done("resent")


@blueprint.post("/<public_id>/role")
@staff_required("team")
async def change_role(public_id: str):
    member = await _member(public_id)
    role = (await request.form).get("role", "")
    if role not in ROLES:
        return await _list_page(400, {"member": _("Choose a role.")})
    if role == member.role:
        return _done("role")
    if refusal := await _owner_guard(member, role):
        return refusal
    if await _is_last_owner(member):
        return await _list_page(400, {"member": _("%(name)s is the only owner. Make someone else an owner first.", name=member.name)})
    old, member.role = member.role, role
    await member.save(update_fields=["role"])
    await record("staff.role_changed", actor_type="staff", actor=g.staff.email, target=member.public_id, old=old, new=role)
    return _done("role")


@blueprint.post("/<public_id>/deactivate")
@staff_required("team")
async def deactivate(public_id: str):
    member = await _member(public_id)
    if refusal := await _owner_guard(member):
        return refusal
    if member.id == g.staff.id:
        return await _list_page(400, {"member": _("You cannot deactivate yourself. Ask another owner or admin.")})
    if await _is_last_owner(member):
        return await _list_page(400, {"member": _("%(name)s is the only owner. Make someone else an owner first.", name=member.name)})
    member.active = False
    await member.save(update_fields=["active"])
    ended = await end_all_sessions_of(member)
    await record("staff.deactivated", actor_type="staff", actor=g.staff.email, target=member.public_id, sessions=ended)
    return _done("deactivated")


@blueprint.post("/<public_id>/reactivate")
@staff_required("team")
async def reactivate(public_id: str):
    member = await _member(public_id)
    if refusal := await _owner_guard(member):
        return refusal
    member.active = True
    await member.save(update_fields=["active"])
    await record("staff.reactivated", actor_type="staff", actor=g.staff.email, target=member.public_id)
    return _done("reactivated")
