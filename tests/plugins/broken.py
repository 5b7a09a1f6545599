"""Broken: on by default, and every part of it fails at run time.

Its tabs, links and hooks raise (or point at a route that does not exist);
pages must still render without them and other plugins must still be called.
"""

from __future__ import annotations

from core import hookimpl
from core.records import HeaderLink, JobTab, NavTab, PluginInfo


class BrokenPluginError(RuntimeError):
    """Raised on purpose; tests look for it in the log."""


def _explode(*args, **kwargs):
    raise BrokenPluginError("broken on purpose")


@hookimpl
def porchside_plugin_info():
    return PluginInfo(name="broken", label="Broken", default_enabled=True)


@hookimpl
def porchside_nav_tabs():
    return [
        NavTab(id="broken_shown", label="Broken predicate", endpoint="portal.contact", is_shown=_explode),
        NavTab(id="broken_endpoint", label="Broken endpoint", endpoint="broken.nowhere"),
    ]


@hookimpl
def porchside_job_tabs():
    return [JobTab(id="broken_job_tab", label="Broken job tab", endpoint="portal.contact", is_shown=_explode)]


@hookimpl
def porchside_header_links():
    return [HeaderLink(id="broken_link", label="Broken link", url=_explode)]


@hookimpl
def porchside_startup(app):
    _explode()


@hookimpl
async def porchside_event(tenant, event):
    _explode()


@hookimpl
def porchside_notify(tenant, notification, recipients):
    _explode()
