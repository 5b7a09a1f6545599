"""The console's frame: navigation, the unread-notifications count, page rendering.

Every console page renders through :func:`render_console` and extends
``console/base.html`` (blocks ``page_title`` and ``content``). The
navigation is the :data:`NAV` table, plus the entries of enabled plugins
(``porchside_console_links``): an item shows when its endpoint exists
in this app and the signed-in role has its permission, so an area that is
not built yet, or not allowed, simply does not appear. The item marked
``counts_unread`` carries the number of unread notifications for the
signed-in staff member (their own and those addressed to all staff).

So that the bar fits a phone, most entries sit in a few menus
(:data:`GROUPS`: Customers, Work, Billing, Settings), drawn as ``<details>``
disclosures that open without JavaScript; Home and Notifications stay in
the bar. A menu the role sees one entry of is drawn as that entry alone.
Labels are lazy texts (:func:`core.i18n.lazy_gettext`), drawn in the
reader's language; a plugin's link labels translate through its catalog.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from quart import current_app, g, render_template, request, url_for
from tortoise.expressions import Q

from core.console.access import ROLE_LABELS, can
from core.console.permissions import MONEY
from core.i18n import lazy_gettext
from core.models.platform import Notification
from core.services import current_services


@dataclass(frozen=True)
class ConsoleNavItem:
    """One entry of the console navigation.

    :param endpoint: the page it opens; the item is hidden while no such
        endpoint is registered.
    :param permission: a key of :data:`core.console.access.PERMISSIONS`.
    :param counts_unread: show the unread-notifications count beside it.
    :param group: the menu (a key of :data:`GROUPS`) it is in; None keeps
        it in the bar itself (core's Home and Notifications only).
    """

    label: str
    endpoint: str
    permission: str
    order: int
    counts_unread: bool = False
    group: str | None = None


@dataclass(frozen=True)
class ConsoleNavGroup:
    """A menu of the console's navigation, placed in the bar by ``order``."""

    label: str
    order: int


#: The menus, by the ids of :data:`core.records.CONSOLE_GROUPS`.
GROUPS: dict[str, ConsoleNavGroup] = {
    "customers": ConsoleNavGroup(lazy_gettext("Customers"), 10),
    "work": ConsoleNavGroup(lazy_gettext("Work"), 20),
    "billing": ConsoleNavGroup(lazy_gettext("Billing"), 25),
    "settings": ConsoleNavGroup(lazy_gettext("Settings"), 50),
}

#: Where a plugin's link without a ``group`` goes, by its permission (else Settings).
GROUP_OF_PERMISSION: dict[str, str] = {
    "customers": "customers",
    "invites": "customers",
    "console": "work",
    "back_office": "work",
    MONEY: "billing",
}

NAV: tuple[ConsoleNavItem, ...] = (
    ConsoleNavItem(lazy_gettext("Home"), "console.home.index", "console", 0),
    ConsoleNavItem(lazy_gettext("Customers"), "console.customers.index", "customers", 10, group="customers"),
    ConsoleNavItem(lazy_gettext("Jobs"), "console.jobs.index", "back_office", 20, group="work"),
    ConsoleNavItem(lazy_gettext("Invoices"), "console.invoices.index", "back_office", 25, group="billing"),
    ConsoleNavItem(lazy_gettext("Notifications"), "console.notifications.index", "console", 30, counts_unread=True),
    ConsoleNavItem(lazy_gettext("Business"), "console.business.edit", "business", 48, group="settings"),
    ConsoleNavItem(lazy_gettext("Customer portal"), "console.settings.portal", "settings", 50, group="settings"),
    ConsoleNavItem(lazy_gettext("Invite email"), "console.invite_email.edit", "settings", 55, group="settings"),
    ConsoleNavItem(lazy_gettext("Branding"), "console.branding.edit", "settings", 60, group="settings"),
    ConsoleNavItem(lazy_gettext("Plugins"), "console.plugins.index", "plugins", 70, group="settings"),
    ConsoleNavItem(lazy_gettext("Staff"), "console.staff.index", "team", 80, group="settings"),
    ConsoleNavItem(lazy_gettext("Failed emails"), "console.emails.failed", "emails", 85, group="settings"),
    ConsoleNavItem(lazy_gettext("API clients"), "console.api_clients.index", "api", 87, group="settings"),
    ConsoleNavItem(lazy_gettext("Webhooks"), "console.webhooks.index", "api", 88, group="settings"),
    ConsoleNavItem(lazy_gettext("Audit log"), "console.audit.index", "audit", 90, group="settings"),
)


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    current: bool
    unread: int = 0


@dataclass(frozen=True)
class NavMenu:
    """A menu of the bar: its label and the links the signed-in role may open."""

    id: str
    label: str
    links: tuple[NavLink, ...]

    @property
    def current(self) -> bool:
        return any(link.current for link in self.links)

    @property
    def unread(self) -> int:
        return sum(link.unread for link in self.links)


async def unread_notifications() -> int:
    """Unread notifications of the signed-in staff member, plus those for all staff."""
    staff = g.get("staff")
    if staff is None:
        return 0
    loaded = getattr(staff, "unread_notifications", None)  # counted with the staff row (core.console.access.load_staff)
    if loaded is not None and not g.get("notifications_changed"):
        return int(loaded)
    return await Notification.filter(Q(staff_id=staff.id) | Q(staff_id=None), read_at__isnull=True).count()


async def console_nav() -> list[NavLink | NavMenu]:
    """The bar: links and menus in order, each holding what the role may open."""
    if g.get("staff") is None:
        return []
    host = current_services().plugins
    # Plugins' entries (porchside_console_links) of plugins enabled in this tenant.
    added = [
        ConsoleNavItem(
            link.label, link.endpoint, link.permission, link.order,
            group=link.group or GROUP_OF_PERMISSION.get(link.permission, "settings"),
        )
        for link in await host.visible(host.declared.console_links, g.get("enabled_plugins", frozenset()))
    ]
    bar: list[tuple[int, NavLink | str]] = []
    in_menu: dict[str, list[NavLink]] = {}
    for item in sorted((*NAV, *added), key=lambda i: i.order):
        if item.endpoint not in current_app.view_functions or not can(item.permission):
            continue
        url = url_for(item.endpoint)  # remembered by the app (core.app: url_for)
        current = request.path == url or (item.order > 0 and request.path.startswith(url.rstrip("/") + "/"))
        link = NavLink(item.label, url, current, await unread_notifications() if item.counts_unread else 0)
        if item.group is None:
            bar.append((item.order, link))
        else:
            if item.group not in in_menu:
                bar.append((GROUPS[item.group].order, item.group))
            in_menu.setdefault(item.group, []).append(link)
    out: list[NavLink | NavMenu] = []
    for _, entry in sorted(bar, key=lambda pair: pair[0]):
        if isinstance(entry, NavLink):
            out.append(entry)
        elif len(in_menu[entry]) == 1:
            out.append(in_menu[entry][0])
        else:
            out.append(NavMenu(entry, GROUPS[entry].label, tuple(in_menu[entry])))
    return out


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
