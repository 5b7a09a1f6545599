"""View the portal as a customer (A8): read only, bannered, audited, bound to the staff session.

A staff member with the ``view_as`` permission (owners and admins; staff too
when the business switches ``staff_may_view_as`` on) picks one address of a
contact; this browser gets a customer session for that address and account
with ``data = {"read_only": True, "staff": <staff email>, ...}``, lasting at
most :data:`VIEW_SECONDS`. The data also binds the view to the staff session
that opened it (:func:`core.auth.viewing.view_binding`): the view ends on the
next request once that session ends, the staff member is deactivated, their
role changes or the business takes the permission back. The portal then shows a banner ("You are viewing the
portal as ... (read only) - End") and :func:`refuse_writes_while_viewing`
answers 403 to every form the portal would otherwise accept, so nothing can
be approved, paid or changed in the customer's name. Console pages are not
affected: the staff member keeps working there.

The session is made directly, not through sign-in, so the customer's
``last_sign_in_at`` stays theirs. Starting and ending are audited
(``staff.view_as_customer``, ``staff.view_as_ended``).
"""

from __future__ import annotations

import time

from quart import Blueprint, abort, g, redirect, request, url_for

from core.audit import client_ip, record
from core.auth.current import COOKIE, customer_sessions
from core.auth.viewing import view_binding
from core.console.access import granted_by, staff_required
from core.i18n import gettext as _
from core.models.customers import ContactEmail
from core.web.errors import render_error
from core.web.security import SAFE_METHODS

blueprint = Blueprint("view_as", __name__, url_prefix="/view-as")

VIEW_SECONDS = 3600
# Portal forms a read-only viewer may still post: leaving.
ALLOWED_WHILE_VIEWING = frozenset({"auth.sign_out"})


@blueprint.post("/")
@staff_required("view_as")
async def start():
    email_id = (await request.form).get("email", "")
    address = await ContactEmail.get_or_none(public_id=email_id).select_related("contact__account") if email_id else None
    if address is None:
        abort(404)
    account = address.contact.account
    if account.archived:
        return await render_error(
            409, "account_archived", _("This account is archived: its contacts cannot use the portal. Restore it first."),
        )
    store = customer_sessions()
    old = request.cookies.get(COOKIE)
    if old:
        await store.destroy(old)
    session_id, session = await store.create(
        address.email, remember=False, ip=client_ip(), user_agent=request.headers.get("User-Agent", "")
    )
    session.account = account.public_id
    session.data = {
        "read_only": True,
        "staff": g.staff.email,
        "name": address.contact.full_name,
        **view_binding(g.staff, g.staff_session_id, granted_by(g.staff.role, "view_as", g.tenant)),
    }
    session.absolute_expires_at = min(session.absolute_expires_at, time.time() + VIEW_SECONDS)
    await store.save(session_id, session)
    g.set_session_cookie = (session_id, None)
    await record(
        "staff.view_as_customer", actor_type="staff", actor=g.staff.email, target=account.public_id, email=address.email
    )
    return redirect(url_for("portal.home"))


@blueprint.post("/end")
@staff_required("console")
async def end():
    """End a read-only view and go back to that customer in the console.

    It only ever ends a read-only session, never a customer's own. (A view
    lasts an hour at most, less than a staff session's idle time-out; the
    portal's "Sign out" ends it too.)
    """
    session, session_id = g.get("session"), g.get("session_id")
    if session is None or not session.data.get("read_only"):
        return redirect(url_for("console.customers.index"))
    await customer_sessions().destroy(session_id)
    g.clear_session_cookie = True
    await record(
        "staff.view_as_ended", actor_type="staff", actor=session.data.get("staff", ""), target=session.account or "",
        email=session.subject, reason="ended",
    )
    if session.account:
        return redirect(url_for("console.customers.detail", account_id=session.account))
    return redirect(url_for("console.customers.index"))


async def refuse_writes_while_viewing():
    """before_request of the app: a read-only view may look at the portal, not post to it."""
    portal = g.get("portal")
    if portal is None or not portal.read_only or request.method in SAFE_METHODS:
        return None
    if (request.blueprint or "").startswith("console") or request.endpoint in ALLOWED_WHILE_VIEWING:
        return None
    return await render_error(
        403,
        "read_only",
        _(
            "You are viewing the portal as this customer, read only: nothing can be changed from this view. "
            "End the view to go back to the console."
        ),
    )
