"""The console's frame: navigation, the unread-notifications count, page rendering.

Every console page renders through :func:`render_console` and extends
``console/base.html`` (blocks ``page_title`` and ``content``). The
navigation is the :data:`NAV` table, plus the entries of enabled plugins
(``porchside_console_links``): an item shows when its endpoint exists
in this app and the signed-in role has its permission, so an area that is
not built yet, or not allowed, simply does not appear. The item marked
``counts_unread`` carries the number of unread notifications for the
signed-in staff member (their own and those addressed to all staff).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from quart import current_app, g, render_template, request, url_for
from tortoise.expressions import Q

from core.console.access import ROLE_LABELS, can
from core.models.platform import Notification
from core.services import current_services


@dataclass(frozen=True)
class ConsoleNavItem:
    """One entry of the console navigation.

    :param endpoint: the page it opens; the item is hidden while no such
        endpoint is registered.
    :param permission: a key of :data:`core.console.access.PERMISSIONS`.
    :param counts_unread: show the unread-notifications count beside it.
    """

    label: str
    endpoint: str
    permission: str
    order: int
    counts_unread: bool = False


NAV: tuple[ConsoleNavItem, ...] = (
    ConsoleNavItem("Home", "console.home.index", "console", 0),
    ConsoleNavItem("Customers", "console.customers.index", "customers", 10),
    ConsoleNavItem("Jobs", "console.jobs.index", "back_office", 20),
    ConsoleNavItem("Invoices", "console.invoices.index", "back_office", 25),
    ConsoleNavItem("Notifications", "console.notifications.index", "console", 30, counts_unread=True),
    ConsoleNavItem("Customer portal", "console.settings.portal", "settings", 50),
    ConsoleNavItem("Invite email", "console.invite_email.edit", "settings", 55),
    ConsoleNavItem("Branding", "console.branding.edit", "settings", 60),
    ConsoleNavItem("Plugins", "console.plugins.index", "plugins", 70),
    ConsoleNavItem("Staff", "console.staff.index", "team", 80),
    ConsoleNavItem("Failed emails", "console.emails.failed", "emails", 85),
    ConsoleNavItem("API clients", "console.api_clients.index", "api", 87),
    ConsoleNavItem("Webhooks", "console.webhooks.index", "api", 88),
    ConsoleNavItem("Audit log", "console.audit.index", "audit", 90),
)


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    current: bool
    unread: int = 0


async def unread_notifications() -> int:
    """Unread notifications of the signed-in staff member, plus those for all staff."""
    staff = g.get("staff")
    if staff is None:
        return 0
    return await Notification.filter(Q(staff_id=staff.id) | Q(staff_id=None), read_at__isnull=True).count()


async def console_nav() -> list[NavLink]:
    if g.get("staff") is None:
        return []
    host = current_services().plugins
    # Plugins' entries (porchside_console_links) of plugins enabled in this tenant.
    added = [
        ConsoleNavItem(link.label, link.endpoint, link.permission, link.order)
        for link in await host.visible(host.declared.console_links, g.get("enabled_plugins", frozenset()))
    ]
    links = []
    for item in sorted((*NAV, *added), key=lambda i: i.order):
        if item.endpoint not in current_app.view_functions or not can(item.permission):
            continue
        url = url_for(item.endpoint)
        current = request.path == url or (item.order > 0 and request.path.startswith(url.rstrip("/") + "/"))
        links.append(NavLink(item.label, url, current, await unread_notifications() if item.counts_unread else 0))
    return links


def notice(messages: Mapping[str, str]) -> str | None:
    """The confirmation named by ``?done=`` among ``messages`` (never the raw query text)."""
    return messages.get(request.args.get("done", ""))


async def render_console(template: str, **context: Any) -> str:
    """Render a console page with the navigation and the signed-in staff member."""
    return await render_template(
        template,
        staff=g.get("staff"),
        role_label=ROLE_LABELS,
        console_nav=await console_nav(),
        can=can,
        **context,
    )
