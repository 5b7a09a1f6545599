"""Adding a staff member: the CLI's first owner and every colleague invited later.

``porchside tenant create SLUG NAME --owner-email EMAIL`` and the console's
Staff page both call :func:`invite_staff`: it creates the
:class:`~core.models.staff.StaffUser` without a password and emails a
single-use link (purpose ``staff_invite``, 14 days) to choose one.
"""

from __future__ import annotations

from core.audit import record
from core.console.staff_links import send_staff_link
from core.i18n import gettext as _
from core.mail.addresses import clean_address
from core.mail.errors import MailError
from core.models.customers import normalise_email
from core.models.staff import ROLES, StaffUser
from core.services import Services

NAME_MAX = 200


class StaffError(ValueError):
    """A staff change was refused; the message says why, for the page or the CLI."""


def clean_staff_email(email: str) -> str:
    """A normalised address, or :class:`StaffError` (its sentence in the reader's language)."""
    address = normalise_email(email)
    try:
        return clean_address(address, "email address")
    except MailError:
        raise StaffError(_("%(address)s is not an email address.", address=address)) from None


def clean_staff_name(name: str, email: str) -> str:
    """The name as typed, or one made from the address when left empty."""
    name = " ".join((name or "").split())
    if not name:
        name = email.split("@", 1)[0].replace(".", " ").replace("_", " ").title()
    if len(name) > NAME_MAX:
        raise StaffError(_("Use at most %(max)d characters for the name.", max=NAME_MAX))
    return name


async def invite_staff(services: Services, email: str, name: str, role: str, invited_by: str = "") -> StaffUser:
    """Create a staff member of the current tenant and email them an invitation.

    :param invited_by: who invites (a staff email, or e.g. ``"porchside cli"``),
        named in the email and the audit log.
    :raises StaffError: a bad address or role, or someone already on the staff.
    """
    email = clean_staff_email(email)
    name = clean_staff_name(name, email)
    if role not in ROLES:
        raise StaffError(_("Choose a role: %(roles)s.", roles=", ".join(ROLES)))
    existing = await StaffUser.get_or_none(email=email)
    if existing is not None:
        if existing.active:
            raise StaffError(_("%(address)s is already on the staff.", address=email))
        raise StaffError(_("%(address)s is already on the staff (deactivated: reactivate them instead).", address=email))
    staff = await StaffUser.create(email=email, name=name, role=role)
    await record("staff.invited", actor_type="staff" if invited_by else "system", actor=invited_by, target=staff.public_id, role=role)
    await send_staff_link(services, "staff_invite", staff, created_by=invited_by)
    return staff
