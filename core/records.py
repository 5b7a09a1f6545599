"""Small typed records that hooks return and the host renders.

Hooks return data, not markup: a tab is an id, a label, an order and a way
to build its URL; the portal decides how it looks. Records are declared once
at start-up (so duplicate ids are caught before the first request); what
depends on the tenant or the signed-in person goes in ``is_shown``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable, Literal

# A predicate or URL builder may be sync or async; the host awaits either.
MaybeAwaitable = Any
Shown = Callable[..., "bool | Awaitable[bool]"]

ACTION_TARGETS = ("job", "invoice", "invoices", "quote")
CONSOLE_ACTION_TARGETS = ("account", "job", "invoice", "visit")
# The pages a PageSection can join: the portal's visit page and Service
# history, the console's visit page and job page.
PAGE_SECTION_PAGES = ("portal_visit", "portal_service_history", "console_visit", "console_job")
SETTING_KINDS = ("text", "url", "int", "bool", "choice", "secret")
# The menus of the staff console's navigation a ConsoleLink can join.
CONSOLE_GROUPS = ("customers", "work", "billing", "settings")


@dataclass(frozen=True)
class NavTab:
    """A tab in the portal's main navigation.

    :param id: unique among all tabs, e.g. ``"quotes"``.
    :param label: what the customer reads.
    :param endpoint: the Quart endpoint the tab opens (``"quotes.list"``).
    :param order: smaller comes first; core uses multiples of 10.
    :param section: the "Included in portal" switch that hides the tab and its
        routes; plugins default to their own name.
    :param is_shown: ``is_shown(portal)`` -> bool (may be async), for anything
        more than the section switch, e.g. "only with a Stripe connection".
    :param icon: a name of the portal's icon set, :func:`core.icons.icon_names`
        (``home``, ``briefcase``, ``receipt``, ``calendar``, ``star``, ...;
        all in docs/plugins.md "Icons"); another name stops start-up.
    """

    id: str
    label: str
    endpoint: str
    order: int = 100
    section: str | None = None
    is_shown: Shown | None = None
    icon: str = "dot"


@dataclass(frozen=True)
class JobTab:
    """A tab on a job page. Its content is a route of the plugin.

    :param id: unique among all job tabs.
    :param endpoint: called with ``job_id=<job public id>``.
    :param is_shown: ``is_shown(job, portal)`` -> bool (may be async).
    """

    id: str
    label: str
    endpoint: str
    order: int = 100
    is_shown: Shown | None = None


@dataclass(frozen=True)
class WorkTab:
    """A tab of the portal's Work history page, after core's Upcoming, Past and All.

    :param id: unique among all work tabs.
    :param label: what the customer reads, e.g. ``"Open requests"``.
    :param endpoint: the Quart endpoint the tab opens, built with ``url_for(endpoint)``.
    :param order: smaller comes first; core's tabs always come before plugins'.
    :param is_shown: ``is_shown(portal)`` -> bool (may be async).
    :param count: ``count(portal)`` -> int or None (may be async), shown as a
        badge beside the label; None shows no badge.
    """

    id: str
    label: str
    endpoint: str
    order: int = 100
    is_shown: Shown | None = None
    count: Callable[..., "int | None | Awaitable[int | None]"] | None = None


@dataclass(frozen=True)
class Action:
    """A button on a job, an invoice, a quote or the invoice list.

    :param target: one of ``job``, ``invoice``, ``invoices``, ``quote``.
    :param href: ``href(target_object)`` -> URL (may be async).
    :param method: ``"get"`` for a link, ``"post"`` for a form button.
    :param is_shown: ``is_shown(target_object, portal)`` -> bool (may be async).
    :param style: ``"primary"`` or ``"secondary"``.
    """

    id: str
    label: str
    target: Literal["job", "invoice", "invoices", "quote"]
    href: Callable[[Any], "str | Awaitable[str]"]
    order: int = 100
    method: Literal["get", "post"] = "get"
    is_shown: Shown | None = None
    style: Literal["primary", "secondary"] = "secondary"


@dataclass(frozen=True)
class HeaderLink:
    """A link in the portal's top bar (e.g. the business's booking page).

    :param url: ``url(portal)`` -> the address, or None to hide the link
        (may be async).
    """

    id: str
    label: str
    url: Callable[..., "str | None | Awaitable[str | None]"]
    order: int = 100


@dataclass(frozen=True)
class HomeCard:
    """A card on the portal's home page: something that needs the customer's attention.

    :param summary: ``summary(portal)`` -> a short sentence ("2 quotes await
        your decision"), or None to leave the card out this time (may be async).
    :param endpoint: the Quart endpoint the card links to, built with
        ``url_for(endpoint)``; or give ``url`` instead (not both).
    :param url: an address the card links to (same site or another).
    :param link_label: the link's text.
    :param order: smaller comes first; core's own cards use 10 and 20.
    :param section: the "Included in portal" switch that hides the card;
        plugins default to their own name, as nav tabs do.
    :param is_shown: ``is_shown(portal)`` -> bool (may be async).
    """

    id: str
    title: str
    summary: Callable[..., "str | None | Awaitable[str | None]"]
    endpoint: str | None = None
    url: str | None = None
    link_label: str = "View"
    order: int = 100
    section: str | None = None
    is_shown: Shown | None = None


@dataclass(frozen=True)
class ConsoleLink:
    """An entry of the staff console's navigation.

    :param id: unique among all console links.
    :param label: what staff read.
    :param endpoint: the Quart endpoint it opens, built with ``url_for(endpoint)``;
        name console blueprints ``console_<plugin>`` so they stay reachable
        while a tenant's portal is switched off.
    :param order: smaller comes first; core's entries use 0 (Home) to 90 (Audit log).
    :param permission: a key of :data:`core.console.access.PERMISSIONS`; staff
        whose role lacks it do not see the entry.
    :param group: the navigation menu it joins, one of :data:`CONSOLE_GROUPS`
        (``customers``, ``work``, ``billing``, ``settings``). Without one it
        follows its permission: ``customers`` and ``invites`` go to Customers,
        ``back_office`` and ``console`` to Work, ``money`` to Billing, and
        the others (``settings``, ``plugins``, ``team``, ``api`` ...) to Settings.

    .. versionchanged:: issue 18 ``group`` added.
    """

    id: str
    label: str
    endpoint: str
    order: int = 100
    permission: str = "console"
    group: str | None = None


@dataclass(frozen=True)
class ConsoleAction:
    """A button on the staff console's customer (account), job, invoice or visit page.

    :param id: unique among all console actions.
    :param label: what staff read, e.g. ``"Message this customer"``.
    :param target: ``account``, ``job``, ``invoice`` or ``visit``.
    :param href: ``href(obj)`` -> the URL (may be async); ``obj`` is the
        page's ``CustomerAccount``, ``Job``, ``Invoice`` or ``Visit``.
    :param permission: a key of :data:`core.console.access.PERMISSIONS`;
        staff whose role lacks it do not see the button. The route it opens
        must check the same permission (``@staff_required``).
    :param method: ``"get"`` for a link, ``"post"`` for a form button (with
        the CSRF field).
    :param is_shown: ``is_shown(obj, staff)`` -> bool (may be async).
    :param style: ``"primary"`` or ``"secondary"``.

    .. versionadded:: 0.1 (issue 16)
    .. versionchanged:: 0.1 (issue 16, H9) the ``visit`` target.
    """

    id: str
    label: str
    target: Literal["account", "job", "invoice", "visit"]
    href: Callable[[Any], "str | Awaitable[str]"]
    permission: str = "console"
    order: int = 100
    method: Literal["get", "post"] = "get"
    is_shown: Shown | None = None
    style: Literal["primary", "secondary"] = "secondary"


@dataclass(frozen=True)
class PageSection:
    """A section a plugin adds at the end of one of core's pages, drawn from its own template.

    The host draws the frame (a card with ``title`` as its heading, a region
    named by it); the plugin's ``template`` draws the inside, with the
    context its ``load`` returned.

    :param id: unique among all page sections; the section's HTML id is
        ``section-<id>``.
    :param page: where it goes, one of :data:`PAGE_SECTION_PAGES`:
        ``portal_visit`` (a visit's page in Service history),
        ``portal_service_history`` (the Service history list),
        ``console_visit`` or ``console_job`` (the staff console's pages).
    :param title: the section's heading.
    :param template: a template of the plugin (``porchside_template_dirs``).
    :param load: ``async load(obj, viewer)`` -> a dict, the template's
        context, or None to leave the section out this time (may be sync).
        ``obj`` is the page's ``Visit`` (its ``job`` loaded; on the console
        its ``job.account`` too), ``Job`` (console job page) or, for Service
        history, the ``DateRange`` shown (``start``, ``end``,
        ``bounds(tenant)``; never one with an ``error``). ``viewer`` is the
        ``Portal`` (``tenant``, ``account``) on portal pages, the signed-in
        ``StaffUser`` on console pages. Called only for tenants that enabled
        the plugin; queries are scoped to the current tenant.
    :param order: smaller comes first; every section follows core's content.
    :param permission: console pages: a key of
        :data:`core.console.access.PERMISSIONS` the staff member's role needs.
    :param section: portal pages: the "Included in portal" switch that hides
        it; plugins default to their own name, as home cards do.
    :param stylesheets: files of the plugin's static folders linked in the
        page's head while the section shows, each ``"<static name>/<file>"``
        (``"readings/readings.css"``).

    .. versionadded:: 0.1 (issue 16, H9)
    """

    id: str
    page: Literal["portal_visit", "portal_service_history", "console_visit", "console_job"]
    title: str
    template: str
    load: Callable[..., "dict[str, Any] | None | Awaitable[dict[str, Any] | None]"]
    order: int = 100
    permission: str = "console"
    section: str | None = None
    stylesheets: tuple[str, ...] = ()


@dataclass(frozen=True)
class SettingField:
    """One field of a plugin's per-tenant settings form.

    :param name: the key in the stored settings; unique within the plugin.
    :param kind: ``text``, ``url``, ``int``, ``bool``, ``choice`` or ``secret``.
        Secret values are stored encrypted and never shown back.
    :param choices: ``(value, label)`` pairs of a ``choice`` field.
    :param required: an empty value is refused.
    """

    name: str
    label: str
    kind: Literal["text", "url", "int", "bool", "choice", "secret"] = "text"
    default: Any = None
    help: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    required: bool = False

    @property
    def secret(self) -> bool:
        return self.kind == "secret"


@dataclass(frozen=True)
class ModelApp:
    """Tortoise model modules a plugin adds, migrated as their own app.

    :param label: the Tortoise app label; use the plugin's name.
    :param modules: dotted module paths holding the models.
    :param migrations: dotted path of the migrations package.
    """

    label: str
    modules: tuple[str, ...]
    migrations: str


@dataclass(frozen=True)
class StaticDir:
    """A folder served at ``/plugin-static/<name>/``.

    :param name: letters, digits, ``-`` and ``_``; use the plugin's name.
    :param path: an existing folder.
    """

    name: str
    path: Path


@dataclass(frozen=True)
class Task:
    """A background task a plugin can enqueue, or run on a schedule.

    :param func: ``async def func(**kwargs)``; it runs inside the tenant's
        scope when enqueued with a tenant.
    :param cron: optional crontab expression (``"*/5 * * * *"``) for
        scheduled runs; a scheduled run is called once per active tenant
        that has the plugin enabled.
    """

    name: str
    func: Callable[..., Awaitable[Any]]
    cron: str | None = None
    retries: int = 5


@dataclass(frozen=True)
class Event:
    """Something that happened in a tenant, broadcast to enabled plugins.

    :param name: dotted, e.g. ``"invoice.issued"``, ``"quote.decided"``.
    :param subject: the public id of the thing it is about.
    :param actor: who did it (``customer:<email>``, ``staff:<email>``, ``system``).
    :param data: JSON-safe details.
    """

    name: str
    subject: str = ""
    actor: str = "system"
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PluginInfo:
    """What the Plugins page shows about a plugin.

    :param settings_permission: the console permission needed to open and
        save the plugin's settings form (a key of
        :data:`core.console.access.PERMISSIONS`, checked at start-up). A
        plugin whose settings move money (payment keys, automatic charges)
        says ``core.console.permissions.MONEY``.
    :param requires: the Porchside versions the plugin works with, as a
        version specifier (``">=0.2,<0.4"``, PEP 440); empty: any. The app
        refuses to start with a plugin whose range leaves out the running
        Porchside.
    """

    name: str
    label: str
    version: str = "0"
    description: str = ""
    default_enabled: bool = False
    settings_permission: str = "plugins"
    requires: str = ""
