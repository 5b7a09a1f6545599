"""Marketing plugin: Job messages, open requests and links to the business's marketing site.

Registered through the ``porchside`` entry-point group like any third-party
plugin; it reaches core only through the hooks in :mod:`core.hookspecs`.
"""

from __future__ import annotations

from core import hookimpl
from core.records import PluginInfo


@hookimpl
def porchside_plugin_info():
    return PluginInfo(
        name="marketing",
        label="Marketing",
        version="0.1.0",
        description="Job messages, open requests and links to the business's marketing site.",
        default_enabled=True,
    )
