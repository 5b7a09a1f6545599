"""The staff notifications inbox (S7) and each staff member's email preferences.

The inbox lists the signed-in staff member's notifications (and any stored
for all staff, ``staff`` empty), newest first, filtered by unread or read;
each can be opened (marked read, then its link), marked read, or all marked
read at once. The unread count in the console's navigation comes from
:func:`core.console.shell.unread_notifications`. Notifications are created
by :func:`core.notifications.notify_staff`.
"""

from __future__ import annotations

from datetime import datetime, timezone

from quart import Blueprint, abort, g, redirect, request, url_for
from tortoise.expressions import Q

from core.audit import record
from core.auth.current import safe_next
from core.console.access import staff_required
from core.notifications import notifications_changed
from core.console.shell import notice, render_console
from core.i18n import lazy_gettext
from core.models.platform import Notification
from core.notifications import KNOWN_KINDS, kind_label, wants_email
from core.portal.pagination import choice_arg, paginate

blueprint = Blueprint("notifications", __name__, url_prefix="/notifications")

FILTERS = ("unread", "read")
NOTICES = {"all_read": lazy_gettext("Every notification is marked read."), "saved": lazy_gettext("Email preferences saved.")}


def mine():
    """The signed-in staff member's notifications and those for all staff."""
    return Notification.filter(Q(staff_id=g.staff.id) | Q(staff_id=None))


async def _mine_or_404(notification_id: str) -> Notification:
    row = await mine().get_or_none(public_id=notification_id)
    if row is None:
        abort(404)
    return row


async def _mark_read(query) -> int:
    notifications_changed()
    return await query.filter(read_at__isnull=True).update(read_at=datetime.now(timezone.utc))


@blueprint.get("/")
@staff_required("console")
async def index():
    shown = choice_arg("show", FILTERS)
    query = mine()
    if shown == "unread":
        query = query.filter(read_at__isnull=True)
    elif shown == "read":
        query = query.filter(read_at__isnull=False)
    page = await paginate(query.order_by("-created_at", "-id"), per_page=30)
    return await render_console(
        "console/notifications/index.html",
        page=page,
        shown=shown,
        notice=notice(NOTICES),
        kind_label=kind_label,
    )


@blueprint.get("/<notification_id>/open", endpoint="open")
@staff_required("console")
async def open_notification(notification_id: str):
    """Mark one notification read and go where it points (the inbox if nowhere)."""
    row = await _mine_or_404(notification_id)
    await _mark_read(Notification.filter(id=row.id))
    # Only a path on this host, even for a row a plugin stored itself.
    return redirect(safe_next(row.link, url_for("console.notifications.index")))


@blueprint.post("/<notification_id>/read")
@staff_required("console")
async def mark_read(notification_id: str):
    row = await _mine_or_404(notification_id)
    await _mark_read(Notification.filter(id=row.id))
    return redirect(url_for("console.notifications.index", show=request.args.get("show") or None))


@blueprint.post("/read-all")
@staff_required("console")
async def mark_all_read():
    await _mark_read(mine())
    return redirect(url_for("console.notifications.index", done="all_read"))


async def _kinds() -> list[str]:
    """The kinds to choose from: core's, those this tenant has had, those already chosen."""
    seen = await Notification.all().order_by("kind").distinct().values_list("kind", flat=True)
    return sorted(set(KNOWN_KINDS) | set(seen) | set(g.staff.email_preferences or {}), key=kind_label)


@blueprint.route("/preferences", methods=["GET", "POST"])
@staff_required("console")
async def preferences():
    """Which kinds of notification also come by email, for the signed-in staff member."""
    staff = g.staff
    kinds = await _kinds()
    if request.method == "POST":
        form = await request.form
        staff.email_preferences = {kind: form.get(f"email:{kind}") == "on" for kind in kinds}
        await staff.save(update_fields=["email_preferences"])
        await record("staff.notification_preferences", actor_type="staff", actor=staff.email, emailed=sorted(k for k, on in staff.email_preferences.items() if on))
        return redirect(url_for("console.notifications.preferences", done="saved"))
    return await render_console(
        "console/notifications/preferences.html",
        choices=[(kind, kind_label(kind), wants_email(staff, kind)) for kind in kinds],
        notice=notice(NOTICES),
    )
