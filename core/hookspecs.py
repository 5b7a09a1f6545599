"""The plugin contract: every hook a Porchside plugin may implement.

Plugins import the marker from the package root::

    from core import hookimpl

    @hookimpl
    def porchside_nav_tabs():
        return [NavTab(id="reviews", label="Reviews", endpoint="reviews.index")]

Rules that hold for every hook (``docs/hooks.md`` is the full reference):

* Declaration hooks (:data:`DECLARATION_HOOKS`) are called once at start-up,
  without arguments, and must be synchronous. What they return is checked
  then (types, duplicate ids), so a broken plugin stops start-up with a clear
  message instead of failing a page later. Their records carry ``is_shown``
  callables for anything that depends on the tenant or the person.
* Run-time hooks (:data:`RUNTIME_HOOKS`) may be ``async def``; the host
  awaits them. ``porchside_event`` and ``porchside_notify`` are called only
  for plugins enabled for the tenant, and an exception is logged with the
  plugin's name without stopping the page or the other plugins.
* No hook uses ``firstresult`` (a coroutine is "non-None" before it is
  awaited) and hook wrappers are refused: every implementation is called.
* Signatures only grow: an implementation may accept any subset of the
  arguments listed, so adding an argument later breaks nobody.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from datetime import date

    import click
    from quart import Blueprint, Quart

    from core.api.resources import ApiResource
    from core.webhooks.events import WebhookEventType
    from core.records import (
        Action,
        ConsoleAction,
        ConsoleLink,
        Event,
        HeaderLink,
        HomeCard,
        JobTab,
        ModelApp,
        NavTab,
        PageSection,
        PluginInfo,
        SettingField,
        StaticDir,
        Task,
        WorkTab,
    )
    from tenants.models import Tenant

PROJECT = "porchside"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

# Called by the host once at start-up, without arguments; never async.
DECLARATION_HOOKS = (
    "porchside_plugin_info",
    "porchside_nav_tabs",
    "porchside_job_tabs",
    "porchside_actions",
    "porchside_header_links",
    "porchside_home_cards",
    "porchside_blueprints",
    "porchside_template_dirs",
    "porchside_translation_dirs",
    "porchside_static_dirs",
    "porchside_model_apps",
    "porchside_settings_fields",
    "porchside_cli_commands",
    "porchside_tasks",
    "porchside_console_links",
    "porchside_console_actions",
    "porchside_work_tabs",
    "porchside_page_sections",
    "porchside_api_resources",
    "porchside_webhook_event_types",
)
# Called through PluginHost.call while the app runs; may be async.
RUNTIME_HOOKS = ("porchside_startup", "porchside_event", "porchside_notify", "porchside_demo_seed")


@hookspec
def porchside_plugin_info() -> "PluginInfo":
    """Describe the plugin for the console's Plugins page.

    Declaration hook.

    :return: a :class:`~core.records.PluginInfo`. A plugin without it is
        listed under its registration name, disabled until a tenant turns it on.
    """


@hookspec
def porchside_nav_tabs() -> "list[NavTab]":
    """Tabs of the portal's main navigation.

    Declaration hook. A tab shows when its plugin is enabled for the tenant,
    its ``section`` is included in the portal and its ``is_shown(portal)``
    agrees.

    :return: :class:`~core.records.NavTab` records. Ids must be unique across
        all plugins; a duplicate stops start-up.
    """


@hookspec
def porchside_job_tabs() -> "list[JobTab]":
    """Tabs of a job page, next to Details, Charges, Notes and Attachments.

    Declaration hook.

    :return: :class:`~core.records.JobTab` records whose endpoint takes
        ``job_id`` (the job's public id). Ids are unique across plugins.
    """


@hookspec
def porchside_actions() -> "list[Action]":
    """Buttons on jobs, invoices, the invoice list and quotes.

    Declaration hook.

    :return: :class:`~core.records.Action` records; ``target`` says where
        each one appears. Ids are unique across plugins.
    """


@hookspec
def porchside_header_links() -> "list[HeaderLink]":
    """Links in the portal's top bar, e.g. the business's website and booking.

    Declaration hook.

    :return: :class:`~core.records.HeaderLink` records; a link whose
        ``url(portal)`` returns None is not shown.
    """


@hookspec
def porchside_home_cards() -> "list[HomeCard]":
    """Cards on the portal's home page, beside core's balance due and next visit.

    Declaration hook. A card shows to a signed-in customer when its plugin is
    enabled, its ``section`` is included in the portal, its
    ``is_shown(portal)`` agrees and its ``summary(portal)`` returns a text.

    :return: :class:`~core.records.HomeCard` records. Ids are unique across
        plugins; a card with both ``endpoint`` and ``url`` stops start-up.

    .. versionadded:: 0.1 (issue 4)
    """


@hookspec
def porchside_blueprints() -> "list[Blueprint]":
    """Quart blueprints with the plugin's routes.

    Declaration hook. The host registers each one on the app and answers 404
    for all of its routes (nested blueprints included) in a tenant where the
    plugin is disabled. Blueprint names are unique across plugins.
    """


@hookspec
def porchside_template_dirs() -> "list[str]":
    """Folders of Jinja templates.

    Declaration hook. A plugin's templates are found before core's, so a
    template of the same name overrides core's for every tenant;
    ``{% extends "core:portal/base.html" %}`` reaches the original.
    """


@hookspec
def porchside_translation_dirs() -> "list[str]":
    """Folders of gettext catalogs: ``<lang>/LC_MESSAGES/messages.po`` (and ``.mo``).

    Declaration hook. Each folder is added behind core's catalogs
    (:func:`core.i18n.add_catalog_dir`): a text core translates keeps core's
    translation; the plugin's catalogs are read for the texts core does not
    have. A ``.po`` without a newer ``.mo`` is compiled in memory.

    .. versionadded:: 0.1
    """


@hookspec
def porchside_static_dirs() -> "list[StaticDir]":
    """Folders of static files, served at ``/plugin-static/<name>/<path>``.

    Declaration hook. Static files are public and the same for every tenant.
    """


@hookspec
def porchside_model_apps() -> "list[ModelApp]":
    """Tortoise model modules of the plugin, with their migrations package.

    Declaration hook. Each :class:`~core.records.ModelApp` becomes a Tortoise
    app of its own, migrated with core's (:func:`core.db.run_migrations`)
    but independently of other apps. Tenant-owned models
    subclass :class:`core.models.base.TenantModel`.
    """


@hookspec
def porchside_settings_fields() -> "list[SettingField]":
    """Fields of the plugin's per-tenant settings form in the console.

    Declaration hook. Values are read with
    :func:`core.plugin_state.plugin_settings` and saved with
    :func:`core.plugin_state.save_plugin_settings`.
    """


@hookspec
def porchside_cli_commands() -> "list[click.Command]":
    """Click commands added under ``porchside``.

    Declaration hook.
    """


@hookspec
def porchside_tasks() -> "list[Task]":
    """Background tasks (and scheduled ones) the plugin runs.

    Declaration hook. Task names are unique across plugins.
    """


@hookspec
def porchside_console_links() -> "list[ConsoleLink]":
    """Entries of the staff console's navigation, beside core's.

    Declaration hook. An entry shows to signed-in staff when its plugin is
    enabled for the tenant and the staff member's role has its
    ``permission`` (a key of :data:`core.console.access.PERMISSIONS`).

    :return: :class:`~core.records.ConsoleLink` records. Ids are unique across
        plugins; an unknown permission stops start-up.

    .. versionadded:: 0.1 (issue 6)
    """


@hookspec
def porchside_console_actions() -> "list[ConsoleAction]":
    """Buttons on the staff console's customer (account), job, invoice and visit pages.

    Declaration hook. A button shows to signed-in staff when its plugin is
    enabled for the tenant, the staff member's role has its ``permission``
    and its ``is_shown(obj, staff)`` agrees; the route it opens must check
    the permission again.

    :return: :class:`~core.records.ConsoleAction` records. Ids are unique
        across plugins; an unknown target or permission stops start-up.

    .. versionadded:: 0.1 (issue 16)
    .. versionchanged:: 0.1 (issue 16, H9) the ``visit`` target.
    """


@hookspec
def porchside_page_sections() -> "list[PageSection]":
    """Sections at the end of core's pages: a visit's page and Service history
    in the portal, the visit and job pages in the console.

    Declaration hook. On each view of its page, a section's ``load(obj,
    viewer)`` is called when its plugin is enabled for the tenant and (portal)
    its ``section`` is included in the portal or (console) the staff
    member's role has its ``permission``; what it returns is the context of
    the plugin's ``template``, drawn inside a card titled ``title``; None
    leaves the section out. A ``load`` or template that raises is logged with
    the plugin's name and its section left out; the page still renders.
    Several plugins' sections share a page, by ``order``.

    :return: :class:`~core.records.PageSection` records. Ids are unique
        across plugins; an unknown page, permission or stylesheet folder
        stops start-up.

    .. versionadded:: 0.1 (issue 16, H9)
    """


@hookspec
def porchside_work_tabs() -> "list[WorkTab]":
    """Tabs of the portal's Work history page, after core's Upcoming, Past and All.

    Declaration hook. A tab shows to a signed-in customer when its plugin is
    enabled for the tenant, the portal includes the "work_history" section
    and its ``is_shown(portal)`` agrees; its ``count(portal)``, if any, is
    shown as a badge. The tab's page can draw the same tab bar with
    :func:`core.portal.contributions.work_tab_links` and the
    ``portal/_work_tabs.html`` macro.

    :return: :class:`~core.records.WorkTab` records. Ids are unique across
        plugins; a duplicate stops start-up.

    .. versionadded:: 0.1 (issue 8)
    """


@hookspec
def porchside_api_resources() -> "list[ApiResource]":
    """Resources of the integration API under ``/api/v1/<name>``.

    Declaration hook. Core declares its own resources (customers, contacts,
    ...) through this hook like any plugin. Each record gets list, get and,
    as declared, create, update, delete, upsert by external id and actions,
    with scopes ``<name>:read`` and ``<name>:write``, pagination, ETags,
    idempotent POSTs, audit entries and its part of the OpenAPI document.
    A plugin's resources exist only for tenants that enabled the plugin
    (404 otherwise, and absent from their OpenAPI document).

    :return: :class:`~core.api.resources.ApiResource` records. Names are
        unique across plugins; a duplicate or an invalid declaration stops
        start-up.

    .. versionadded:: 0.1 (issue 12)
    """


@hookspec
def porchside_webhook_event_types() -> "list[WebhookEventType]":
    """Event types that outgoing webhooks can carry (``invoice.paid``, ``quote.approved``).

    Declaration hook. Core declares its own through this hook like any
    plugin. A type is made from the events the code already announces
    (:func:`core.plugin_state.announce`): ``sources`` names them (default:
    the type's own name) and ``match`` picks by their data, so a plugin adds
    no call where things happen. :func:`core.webhooks.events.emit` sends a
    type directly. A plugin's types can be subscribed to only where the
    plugin is enabled.

    :return: :class:`~core.webhooks.events.WebhookEventType` records. Names
        are unique across plugins; a duplicate stops start-up.

    .. versionadded:: 0.1 (issue 12)
    """


@hookspec
def porchside_startup(app: "Quart") -> Any:
    """Called once when an app starts serving, after the database is open.

    Run-time hook, may be async; called for every loaded plugin.

    :param app: the Quart application.
    """


@hookspec
def porchside_event(tenant: "Tenant", event: "Event") -> Any:
    """Something happened in ``tenant`` (an invoice was issued, a quote decided).

    Run-time hook, may be async. Called for every plugin enabled in the
    tenant, inside the tenant's scope
    (:func:`core.plugin_state.call_for_tenant`).

    :param tenant: the tenant it happened in.
    :param event: the :class:`~core.records.Event`.
    """


@hookspec
def porchside_notify(tenant: "Tenant", notification: Any, recipients: list) -> Any:
    """Deliver a staff notification through another channel (SMS, chat).

    Run-time hook, may be async. Called for every plugin enabled in the
    tenant, inside its scope. Core has already stored the notification for
    the in-app inbox and queued the emails.

    :param tenant: the tenant.
    :param notification: the stored :class:`~core.models.platform.Notification`.
    :param recipients: the :class:`~core.models.staff.StaffUser` rows it is for.
    """


@hookspec
def porchside_demo_seed(tenant: "Tenant", services: Any, today: "date") -> Any:
    """Add the plugin's demo data to a demo business that was just created.

    Run-time hook, may be async. Called by :func:`core.demo.seed_demo` after
    core's own demo rows (customers, staff, jobs, invoices) exist, inside the
    tenant's scope and the same transaction, for every plugin enabled in the
    tenant. A business that was already seeded is left alone, so this runs
    once per demo business.

    :param tenant: the demo business.
    :param services: the app's :class:`~core.services.Services` (storage, plugins).
    :param today: the day the demo's dates are counted from, in the tenant's time zone.

    .. versionadded:: 0.1 (issue 6)
    """
