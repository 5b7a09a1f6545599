"""Who is using the console and what they may do.

Roles are ranked (owner > admin > staff) and :data:`PERMISSIONS` is the one
table saying which least role each console permission needs; views declare
the permission they need with :func:`staff_required` and templates ask
``can("settings")``. Add a permission here rather than compare roles in a
view, so the role table in ``docs/console.md`` stays the whole truth. A
business may extend a few permissions to a lower role from its settings
(:data:`TENANT_GRANTS`, e.g. letting staff view the portal as a customer).

Staff sessions are server-side like customers' (:mod:`core.auth.sessions`,
kind ``"staff"``, subject the staff member's public id) behind their own
cookie, ``ps_staff``: host-only, HttpOnly, SameSite=Lax, Secure outside
localhost, and sent only to ``/console``. A customer session never opens a
console page and a staff session of one tenant is unknown on another's host
(sessions live in the tenant's cache namespace).
"""

from __future__ import annotations

from datetime import datetime, timezone
from functools import wraps
from typing import Any, Callable

from quart import Response, g, redirect, request, url_for

from core.audit import client_ip, record
from core.auth.current import safe_next
from core.auth.sessions import SessionStore
from core.console.permissions import MONEY
from core.i18n import gettext as _
from core.i18n import lazy_pgettext
from core.models.staff import StaffUser
from core.notifications import with_unread_notifications
from core.route_access import STAFF_PREFIX, mark
from core.services import current_services
from core.web.errors import render_error
from core.web.security import is_secure_host, rotate_csrf
from tenants.models import Tenant

COOKIE = "ps_staff"
COOKIE_PATH = "/console"

# Higher outranks lower; every role has what the roles below it have.
ROLE_RANK = {"staff": 1, "admin": 2, "owner": 3}
# Shown to staff (role menus, the team list), in the reader's language.
ROLE_LABELS = {
    "owner": lazy_pgettext("staff role", "Owner"),
    "admin": lazy_pgettext("staff role", "Admin"),
    "staff": lazy_pgettext("staff role", "Staff"),
}

# permission -> the least role that has it. The one table of the console's rules.
PERMISSIONS: dict[str, str] = {
    "console": "staff",  # sign in, the dashboard, notifications
    "customers": "staff",  # customers and contacts (S5, S6)
    "back_office": "staff",  # jobs, charges, notes, attachments, quotes, invoices (S6)
    MONEY: "admin",  # refunds, voids, plugin settings that move money (Stripe keys, AutoPay)
    "invites": "admin",  # send portal invites to customers (S5)
    "settings": "admin",  # sign-in methods, sections, branding, invite email (S2-S4, S8)
    "plugins": "admin",  # turn plugins on and off, edit their settings (S9)
    "team": "admin",  # list, invite, change roles, deactivate staff and admins (S1)
    "audit": "admin",  # read and export the audit log (S10)
    "emails": "admin",  # see emails that could not be delivered, send them again
    "api": "admin",  # API clients: create, rotate secrets, revoke (issue 12)
    "owners": "owner",  # make someone an owner, change or deactivate an owner
    "portal_switch": "owner",  # switch the whole portal on or off (S2)
    "portal_address": "owner",  # web address and custom domains (S2)
    "business": "owner",  # default language, time zone, currency, the portal's languages (issue 17)
    "view_as": "admin",  # view the portal as a customer (A8); staff too where the business allows it
}

# Permissions a business may extend to a lower role from its portal settings:
# permission -> (the ``Tenant.portal_settings`` switch, the least role it then reaches).
TENANT_GRANTS: dict[str, tuple[str, str]] = {
    "view_as": ("staff_may_view_as", "staff"),
}


def role_has(role: str, permission: str) -> bool:
    """Whether ``role`` carries ``permission`` (KeyError for an unknown permission)."""
    return ROLE_RANK.get(role, 0) >= ROLE_RANK[PERMISSIONS[permission]]


def granted_by(role: str, permission: str, tenant: Tenant | None) -> str | None:
    """The portal setting through which ``tenant`` gives ``role`` a permission it lacks, if on."""
    grant = TENANT_GRANTS.get(permission)
    if grant is None or tenant is None or ROLE_RANK.get(role, 0) < ROLE_RANK[grant[1]]:
        return None
    return grant[0] if tenant.portal_setting(grant[0]) else None


def role_may(role: str, permission: str, tenant: Tenant | None) -> bool:
    """Whether ``role`` has ``permission`` in ``tenant``: the table, or a grant the business switched on."""
    return role_has(role, permission) or granted_by(role, permission, tenant) is not None


def can(permission: str) -> bool:
    """Whether the signed-in staff member has ``permission`` (False when signed out)."""
    staff = g.get("staff")
    return staff is not None and role_may(staff.role, permission, g.get("tenant"))


def staff_sessions() -> SessionStore:
    return SessionStore(current_services().cache, "staff")


async def load_staff() -> None:
    """before_request of every console page: fill ``g.staff`` from ``ps_staff``.

    The role is read from the database on every request, so a changed role
    or a deactivation applies at once.
    """
    g.staff = None
    g.staff_session = None
    g.staff_session_id = None
    session_id = request.cookies.get(COOKIE)
    session = await staff_sessions().load(session_id)
    if session is None:
        if session_id:
            g.clear_staff_cookie = True
        return None
    # The unread-notification count of the navigation comes with the row (one statement).
    staff = await with_unread_notifications(StaffUser.filter(public_id=session.subject, active=True)).first()
    if staff is None:
        await staff_sessions().destroy(session_id)
        g.clear_staff_cookie = True
        return None
    g.staff, g.staff_session, g.staff_session_id = staff, session, session_id
    return None


async def write_staff_cookie(response: Response) -> Response:
    """after_request of every console page: set or clear ``ps_staff`` (async: Quart runs a sync hook in a thread)."""
    secure = is_secure_host(request.host)
    pending = g.get("set_staff_cookie")
    if pending is not None:
        response.set_cookie(COOKIE, pending, httponly=True, samesite="Lax", secure=secure, path=COOKIE_PATH)
    elif g.get("clear_staff_cookie"):
        response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="Lax", secure=secure)
    return response


async def start_staff_session(staff: StaffUser, method: str) -> None:
    """Sign ``staff`` in on this browser with a new session id and a new CSRF cookie.

    Any session this browser had ends, so a planted id (fixation) is useless.
    """
    store = staff_sessions()
    old = request.cookies.get(COOKIE)
    if old:
        await store.destroy(old)
    session_id, session = await store.create(
        staff.public_id, remember=False, ip=client_ip(), user_agent=request.headers.get("User-Agent", "")
    )
    g.staff, g.staff_session, g.staff_session_id = staff, session, session_id
    g.set_staff_cookie = session_id
    rotate_csrf()
    staff.last_sign_in_at = datetime.now(timezone.utc)
    await staff.save(update_fields=["last_sign_in_at"])
    await record("staff.sign_in", actor_type="staff", actor=staff.email, method=method)


async def end_staff_session() -> None:
    staff = g.get("staff")
    if g.get("staff_session_id"):
        await staff_sessions().destroy(g.staff_session_id)
    if staff is not None:
        await record("staff.sign_out", actor_type="staff", actor=staff.email)
    g.staff = None
    g.clear_staff_cookie = True


async def end_all_sessions_of(staff: StaffUser) -> int:
    """End every session of ``staff`` (deactivated, or a new password was set)."""
    return await staff_sessions().destroy_all(staff.public_id)


def console_next(target: str | None) -> str:
    """Where to go after signing in: a console path of this host, else the dashboard."""
    path = safe_next(target, "")
    if path == COOKIE_PATH or path.startswith(COOKIE_PATH + "/"):
        return path
    return url_for("console.home.index")


def public(view: Callable) -> Callable:
    """Mark a console view that needs no signed-in staff (sign-in, reset, invite)."""
    view.console_public = True  # type: ignore[attr-defined]
    return view


def staff_required(permission: str = "console") -> Callable[[Callable], Callable]:
    """The view needs a signed-in staff member whose role has ``permission``.

    Signed out: a redirect to the console sign-in page, coming back here
    afterwards. Signed in without the permission: 403 ``forbidden``. The
    permission is kept on the view (``console_permission``) so tests can
    check every console route against :data:`PERMISSIONS`.
    """
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown console permission {permission!r}; add it to PERMISSIONS")

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        async def wrapper(*args: Any, **kwargs: Any):
            staff = g.get("staff")
            if staff is None:
                return redirect(url_for("console.auth.sign_in", next=request.full_path.rstrip("?")))
            if not role_may(staff.role, permission, g.get("tenant")):
                return await render_error(403, "forbidden", _("Your role does not allow this. Ask an owner of the business."))
            return await view(*args, **kwargs)

        wrapper.console_permission = permission  # type: ignore[attr-defined]
        mark(wrapper, STAFF_PREFIX + permission)  # checked again per request for plugins (core.web.plugin_routes)
        return wrapper

    return decorate
