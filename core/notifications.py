"""Staff notifications (S7): the console inbox, email copies, and other channels.

Core and plugins tell staff about an event with :func:`notify_staff`::

    from core.notifications import notify_staff

    await notify_staff(
        services, kind="quote.decided", title="Pat Lee approved quote Q-1042",
        body="Approved by Pat Lee at 14:02.", link="/console/quotes/qt_...", staff=creator,
    )

Every recipient gets a row of their own (:class:`~core.models.platform.Notification`),
so "read" is per person. A copy goes by email to each recipient whose
preferences allow that kind (:func:`wants_email`; on unless the kind says
otherwise), and the ``porchside_notify`` hook hands the notification to the
plugins enabled in the tenant for other channels (SMS, chat).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

from babel.support import LazyProxy
from quart import g, has_request_context
from tortoise.expressions import RawSQL

from core.i18n import business_language, known_language, language, lazy_gettext
from core.mail import MailError, send_email
from core.models.platform import Notification
from core.models.staff import StaffUser
from tenants.context import current_tenant

if TYPE_CHECKING:
    from core.services import Services

log = logging.getLogger("porchside.notifications")

KIND_RE = re.compile(r"^[a-z0-9_]+(?:[.-][a-z0-9_]+)*$")
KIND_MAX = 60
TITLE_MAX = 200
LINK_MAX = 300


@dataclass(frozen=True)
class NotificationKind:
    """A kind of notification staff can choose to receive by email.

    :param kind: what ``notify_staff(kind=...)`` is called with.
    :param label: what the preferences page says (a ``lazy_gettext`` text).
    :param email_by_default: whether a copy is emailed to someone who never chose.
    """

    kind: str
    label: Any
    email_by_default: bool = True


# The events of the feature map (S7) and core's own. A plugin may use any
# other kind ("reviews.posted"); it is listed, with a label made from its
# name, once the tenant has had one.
KNOWN_KINDS: dict[str, NotificationKind] = {
    k.kind: k
    for k in (
        NotificationKind("quote.decided", lazy_gettext("A customer approved or rejected a quote")),
        NotificationKind("quote.question", lazy_gettext("A customer asked about a quote or requested changes")),
        NotificationKind("payment.received", lazy_gettext("A payment was received")),
        NotificationKind("payment.failed", lazy_gettext("A payment failed or needs the customer's action")),
        NotificationKind("payment.refunded", lazy_gettext("A card payment was refunded")),
        NotificationKind("payment.disputed", lazy_gettext("A customer disputed a card payment")),
        NotificationKind("message.received", lazy_gettext("A customer sent a message")),
        NotificationKind("request.created", lazy_gettext("A customer asked for new work")),
        NotificationKind("invites.finished", lazy_gettext("Portal invites I sent have finished"), email_by_default=False),
    )
}


def with_unread_notifications(staff_query):
    """``staff_query`` (of :class:`StaffUser`) with each row's ``unread_notifications``:
    its unread notifications plus those for all staff, counted in the same statement.

    The console reads the signed-in staff member this way on every request;
    :func:`core.console.shell.unread_notifications` uses the figure unless the
    request changed notifications since (:func:`notifications_changed`).
    """
    return staff_query.annotate(unread_notifications=RawSQL(
        '(SELECT COUNT(*) FROM "notification" WHERE "notification"."tenant_id"="staff_user"."tenant_id"'
        ' AND ("notification"."staff_id"="staff_user"."id" OR "notification"."staff_id" IS NULL)'
        ' AND "notification"."read_at" IS NULL)'
    ))


def notifications_changed() -> None:
    """This request created or read notifications: the count loaded with the staff row is stale."""
    if has_request_context():
        g.notifications_changed = True


def kind_label(kind: str) -> str:
    """What staff read for ``kind``, in the reader's language (a plugin's own kind: made from its name)."""
    known = KNOWN_KINDS.get(kind)
    if known is not None:
        return str(known.label)
    return kind.replace(".", ": ").replace("_", " ").replace("-", " ").capitalize()


def wants_email(staff: StaffUser, kind: str) -> bool:
    """Whether ``staff`` gets an email copy of ``kind`` (their choice, else the kind's default)."""
    chosen = (staff.email_preferences or {}).get(kind)
    if chosen is not None:
        return bool(chosen)
    known = KNOWN_KINDS.get(kind)
    return known.email_by_default if known is not None else True


def safe_link(link: str) -> str:
    """A notification's link: a path on the tenant's own host, or nothing."""
    link = (link or "").strip()
    if not link:
        return ""
    if not link.startswith("/") or link.startswith("//") or "\\" in link or len(link) > LINK_MAX or re.search(r"[\x00-\x20\x7f]", link):
        raise ValueError(f"a notification link must be a path on this site, like /console/..., not {link[:80]!r}")
    return link


def _one_line(text: str, limit: int) -> str:
    line = " ".join((text or "").split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


async def _recipients(staff: StaffUser | Iterable[StaffUser] | None) -> list[StaffUser]:
    if staff is None:
        return list(await StaffUser.filter(active=True).order_by("id"))
    members = [staff] if isinstance(staff, StaffUser) else list(staff)
    wanted = {member.id for member in members}
    # Read again: only the current tenant's active staff are notified.
    return list(await StaffUser.filter(id__in=wanted, active=True).order_by("id")) if wanted else []


async def notify_staff(
    services: "Services",
    *,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    staff: StaffUser | Iterable[StaffUser] | None = None,
) -> list[Notification]:
    """Tell staff of the current tenant about something; return the stored rows.

    :param kind: what happened, ``<area>.<event>`` (``quote.decided``); staff
        choose by kind which ones they also get by email.
    :param title: one line for the inbox and the email subject (cut at 200 characters);
        a ``lazy_gettext`` text is stored in each recipient's language.
    :param body: more text, shown as written (escaped); lazy like ``title``.
    :param link: a path on the tenant's host where staff act on it (``/console/...``).
    :param staff: a staff member or several; ``None`` means every active one.
    :raises ValueError: a malformed kind or a link that is not a local path.
    :raises NoTenantError: outside a tenant scope.
    """
    if not KIND_RE.match(kind or "") or len(kind) > KIND_MAX:
        raise ValueError(f"a notification kind looks like 'quote.decided' (at most {KIND_MAX} characters), not {kind!r}")
    link = safe_link(link)
    tenant = current_tenant()
    recipients = await _recipients(staff)
    rows = []
    for member in recipients:
        # Each row in its reader's language (a plain str stays as it is).
        with language(known_language(member.language) or business_language(tenant)):
            member_title = _one_line(str(title or ""), TITLE_MAX) or kind_label(kind)
            member_body = str(body or "")
        rows.append(await Notification.create(staff=member, kind=kind, title=member_title, body=member_body, link=link))
    if rows:
        notifications_changed()
    for member, row in zip(recipients, rows):
        if wants_email(member, kind):
            await _email_copy(services, member, row)
    if rows:
        from core.plugin_state import enabled_plugins

        enabled = await enabled_plugins(services.plugins, services.cache)
        await services.plugins.call("porchside_notify", enabled, tenant=tenant, notification=rows[0], recipients=recipients)
    return rows


async def _email_copy(services: "Services", member: StaffUser, row: Notification) -> None:
    """Email ``row`` to ``member``; a refused address is logged, never raised to the caller."""
    try:
        await send_email(
            services,
            to=member.email,
            template="console/notification",
            kind="console.notification",
            context={
                "notification": row,
                "staff": member,
                "kind_label": LazyProxy(kind_label, row.kind, enable_cache=False),  # in the recipient's language
                "open_path": f"/console/notifications/{row.public_id}/open",
            },
        )
    except MailError as exc:
        log.warning("notification %s not emailed to staff %s: %s", row.public_id, member.public_id, exc)
