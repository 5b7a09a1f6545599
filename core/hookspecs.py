"""The plugin contract: every hook a Porchside plugin may implement.

Plugins import the marker from the package root::

    from core import hookimpl

    @hookimpl
    def porchside_nav_tabs():
        return [NavTab(id="reviews", label="Reviews", endpoint="reviews.index")]

Rules that hold for every hook:

* Declaration hooks (``porchside_nav_tabs``, ``porchside_job_tabs``,
  ``porchside_actions``, ``porchside_header_links``, ``porchside_blueprints``,
  ``porchside_template_dirs``, ``porchside_static_dirs``,
  ``porchside_model_apps``, ``porchside_settings_fields``,
  ``porchside_cli_commands``, ``porchside_tasks``, ``porchside_plugin_info``)
  are called once at start-up and must be synchronous. Their records carry
  ``is_shown`` callables for anything that depends on the tenant or person.
* Run-time hooks (``porchside_event``, ``porchside_notify``) may be ``async
  def``; the host awaits them. They are called only for plugins enabled for
  the current tenant, and an exception is logged with the plugin's name
  without stopping the page or the other plugins.
* No hook uses ``firstresult``: every implementation is called.
* Signatures only grow: an implementation may accept any subset of the
  arguments listed, so adding an argument later breaks nobody.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click
    from quart import Blueprint, Quart

    from core.records import (
        Action,
        Event,
        HeaderLink,
        JobTab,
        ModelApp,
        NavTab,
        PluginInfo,
        SettingField,
        StaticDir,
        Task,
    )
    from tenants.models import Tenant

PROJECT = "porchside"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def porchside_plugin_info() -> "PluginInfo":
    """Describe the plugin for the console's Plugins page.

    :return: a :class:`~core.records.PluginInfo`. A plugin without it is
        listed under its registration name with no description.
    """


@hookspec
def porchside_nav_tabs() -> "list[NavTab]":
    """Tabs of the portal's main navigation.

    :return: :class:`~core.records.NavTab` records. Ids must be unique across
        all plugins; a duplicate stops start-up.
    """


@hookspec
def porchside_job_tabs() -> "list[JobTab]":
    """Tabs of a job page, next to Details, Charges, Notes and Attachments.

    :return: :class:`~core.records.JobTab` records whose endpoint takes
        ``job_id`` (the job's public id).
    """


@hookspec
def porchside_actions() -> "list[Action]":
    """Buttons on jobs, invoices, the invoice list and quotes.

    :return: :class:`~core.records.Action` records; ``target`` says where
        each one appears.
    """


@hookspec
def porchside_header_links() -> "list[HeaderLink]":
    """Links in the portal's top bar, e.g. the business's website and booking.

    :return: :class:`~core.records.HeaderLink` records; a link whose ``url``
        returns None is not shown.
    """


@hookspec
def porchside_blueprints() -> "list[Blueprint]":
    """Quart blueprints with the plugin's routes.

    The host registers each one on the tenant's host and answers 404 for all
    of its routes in a tenant where the plugin is disabled.
    """


@hookspec
def porchside_template_dirs() -> "list[str]":
    """Folders of Jinja templates. A plugin's templates override core's of the
    same name; ``{% extends "core:portal/base.html" %}`` reaches the original."""


@hookspec
def porchside_static_dirs() -> "list[StaticDir]":
    """Folders of static files, served at ``/plugin-static/<name>/<path>``."""


@hookspec
def porchside_model_apps() -> "list[ModelApp]":
    """Tortoise model modules of the plugin, with their migrations package.

    Tenant-owned models subclass :class:`core.models.base.TenantModel`.
    """


@hookspec
def porchside_settings_fields() -> "list[SettingField]":
    """Fields of the plugin's per-tenant settings form in the console."""


@hookspec
def porchside_cli_commands() -> "list[click.Command]":
    """Click commands added under ``porchside``."""


@hookspec
def porchside_tasks() -> "list[Task]":
    """Background tasks (and scheduled ones) the plugin runs."""


@hookspec
def porchside_startup(app: "Quart") -> Any:
    """Called once when an app starts serving, after the database is open.

    :param app: the Quart application.
    """


@hookspec
def porchside_event(tenant: "Tenant", event: "Event") -> Any:
    """Something happened in ``tenant`` (an invoice was issued, a quote decided).

    Called for every plugin enabled in the tenant, inside the tenant's scope.

    :param tenant: the tenant it happened in.
    :param event: the :class:`~core.records.Event`.
    """


@hookspec
def porchside_notify(tenant: "Tenant", notification: Any, recipients: list) -> Any:
    """Deliver a staff notification through another channel (SMS, chat).

    Core has already stored it for the in-app inbox and queued the emails.

    :param tenant: the tenant.
    :param notification: the stored :class:`~core.models.platform.Notification`.
    :param recipients: the :class:`~core.models.staff.StaffUser` rows it is for.
    """
