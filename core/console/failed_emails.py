"""Failed emails: what could not be delivered, with the error, and a way to send it again.

Owners and admins (permission ``emails``). An email ends ``failed`` when the
mail server refused it for good or every retry ran out
(:mod:`core.mail.delivery`); until now only the log said so. "Retry" puts
it back in the queue once: a conditional update from ``failed`` to
``queued`` decides, so a double submit (or two staff at once) queues it a
single time, and the second gets "already on its way". Each retry is
audited as ``mail.retried``.
"""

from __future__ import annotations

import logging

from quart import Blueprint, g, redirect, request, url_for

from core.audit import record
from core.console.access import staff_required
from core.console.shell import notice, render_console
from core.i18n import gettext as _, lazy_gettext
from core.mail.delivery import DELIVER_TASK
from core.models.mail import OutboundEmail
from core.portal.pagination import paginate
from core.services import current_services
from core.web.errors import render_error

log = logging.getLogger("porchside.console")

blueprint = Blueprint("emails", __name__, url_prefix="/emails")

NOTICES = {
    "retried": lazy_gettext("The email is queued again; it leaves within a minute if the mail server takes it."),
    "already": lazy_gettext("That email is no longer failed: it was already sent again."),
    "not_queued": lazy_gettext("The email could not be queued again right now; try again in a moment."),
}


@blueprint.get("/failed")
@staff_required("emails")
async def failed():
    page = await paginate(OutboundEmail.filter(status="failed").order_by("-created_at", "-id"), per_page=25)
    return await render_console("console/emails/failed.html", page=page, notice=notice(NOTICES))


def _back(done: str):
    """Back to the page the button was on, with a confirmation."""
    number = request.args.get("page", "")
    args = {"done": done, **({"page": number} if number.isdigit() else {})}
    return redirect(url_for("console.emails.failed", **args))


@blueprint.post("/failed/<public_id>/retry")
@staff_required("emails")
async def retry(public_id: str):
    email = await OutboundEmail.get_or_none(public_id=public_id)
    if email is None:  # another tenant's id too: the manager scopes the query
        return await render_error(404, "not_found", _("There is no such email."))
    if not await OutboundEmail.filter(id=email.id, status="failed").update(status="queued"):
        return _back("already")
    try:
        # No job key: the update above already lets one retry through.
        await current_services().queue.enqueue(DELIVER_TASK, tenant=g.tenant, email_id=email.public_id)
    except Exception:
        log.exception("email %s could not be queued again", email.public_id)
        await OutboundEmail.filter(id=email.id, status="queued").update(status="failed")
        return _back("not_queued")
    await record(
        "mail.retried", actor_type="staff", actor=g.staff.email, target=email.public_id,
        to=email.to, kind=email.kind, error=email.last_error[:200],
    )
    return _back("retried")
