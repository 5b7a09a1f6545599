"""Emails that carry a staff member's sign-in tokens: invitations and password resets.

Tokens are the same single-use, hashed, tenant-scoped tokens customers get
(:mod:`core.auth.tokens`) with purposes ``staff_invite`` (14 days) and
``staff_reset`` (one hour). A reset asked for on the sign-in page goes
through the queue (:func:`request_reset`), so the page answers alike, in the
same time, whether or not the address belongs to a staff member.
"""

from __future__ import annotations

from core.audit import record
from core.auth import tokens
from core.links import portal_url
from core.models.customers import normalise_email
from core.models.mail import OutboundEmail
from core.models.staff import StaffUser
from core.services import Services, current_services
from tenants.context import current_tenant

TASK_SEND_RESET = "console.send_staff_reset"

# purpose -> (page path prefix, email template)
PURPOSES = {
    "staff_invite": ("/console/accept-invite/", "console/staff_invite"),
    "staff_reset": ("/console/reset-password/", "console/staff_reset"),
}


async def send_staff_link(
    services: Services, purpose: str, staff: StaffUser, *, created_by: str = "", ip: str = ""
) -> OutboundEmail:
    """Issue a ``purpose`` token for ``staff`` and email its link (current tenant)."""
    path, template = PURPOSES[purpose]
    issued = await tokens.issue(purpose, staff.email, ip=ip, created_by=created_by)
    url = await portal_url(services, current_tenant(), path + issued.token)
    await record(
        f"staff.{purpose.removeprefix('staff_')}_link_sent",
        actor_type="staff" if created_by else "system",
        actor=created_by,
        target=staff.public_id,
    )
    from core.mail import send_email

    return await send_email(
        services,
        to=staff.email,
        template=template,
        kind=f"console.{purpose}",
        context={"url": url, "expires_at": issued.row.expires_at, "staff": staff, "invited_by": created_by},
    )


async def request_reset(email: str, ip: str = "") -> None:
    """Queue "email a reset link to this address if it is an active staff member"."""
    await current_services().queue.enqueue(TASK_SEND_RESET, tenant=current_tenant(), email=normalise_email(email), ip=ip)


async def send_reset_task(services: Services, email: str, ip: str = "") -> bool:
    """Background task: email a reset link when ``email`` is an active staff member."""
    staff = await StaffUser.get_or_none(email=normalise_email(email), active=True)
    if staff is None:
        await record("staff.reset_requested_unknown", actor_type="system", actor=email)
        return False
    await send_staff_link(services, "staff_reset", staff, ip=ip)
    return True
