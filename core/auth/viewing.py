"""A staff member's read-only view of the portal, bound to the staff session that opened it.

"View portal as this customer" (:mod:`core.console.view_as`) makes a customer
session whose ``data`` carries :func:`view_binding`: the hash of the staff
session behind it, the staff member and the role they had. Every request on
that session (:func:`core.auth.current.load_customer`) and every long-lived
response (:mod:`core.web.long_lived`) asks :func:`view_problem`, and the view
ends as soon as

* that staff session is gone: console sign-out, deactivation, a new
  password, or its own time-outs;
* the staff member is deactivated, or their role is not the one the view was
  opened with (any change: a view is re-opened under the new role's rules);
* the business setting that let their role view (``grant``) is switched off.

The cost is one cache read and one indexed query, paid only by view sessions.
"""

from __future__ import annotations

from core.auth.sessions import Session, SessionStore, hash_session_id
from core.cache import Cache
from core.models.staff import StaffUser
from tenants.models import Tenant

STAFF_KIND = "staff"


def view_binding(staff: StaffUser, staff_session_id: str, grant: str | None = None) -> dict:
    """The ``data`` keys that tie a view session to ``staff``'s current session.

    :param grant: the portal setting that allowed this role to view (None
        when the role has the permission on its own).
    """
    binding = {
        "staff_id": staff.public_id,
        "staff_session": hash_session_id(staff_session_id),
        "staff_role": staff.role,
    }
    if grant:
        binding["grant"] = grant
    return binding


async def view_problem(session: Session, tenant: Tenant, cache: Cache) -> str | None:
    """Why the view ``session`` may no longer be used, or None while it may.

    Call with ``tenant`` current. A read-only session without a binding (made
    before views were bound) is refused too.
    """
    data = session.data
    hashed, staff_id = data.get("staff_session"), data.get("staff_id")
    if not hashed or not staff_id:
        return "unbound"
    staff_session = await SessionStore(cache, STAFF_KIND, host="").load_hashed(hashed)
    if staff_session is None or staff_session.subject != staff_id:
        return "staff_session_ended"
    staff = await StaffUser.get_or_none(public_id=staff_id, active=True)
    if staff is None:
        return "staff_inactive"
    if staff.role != data.get("staff_role"):
        return "staff_role_changed"
    grant = data.get("grant")
    if grant and not tenant.portal_setting(grant):
        return "setting_off"
    return None
