"""Quotes plugin: Estimates customers can view, download, approve, reject or question.

Registered through the ``porchside`` entry-point group like any third-party
plugin; it reaches core only through the hooks in :mod:`core.hookspecs`.
"""

from __future__ import annotations

from core import hookimpl
from core.records import PluginInfo


@hookimpl
def porchside_plugin_info():
    return PluginInfo(
        name="quotes",
        label="Quotes",
        version="0.1.0",
        description="Estimates customers can view, download, approve, reject or question.",
        default_enabled=True,
    )
