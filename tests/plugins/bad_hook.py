"""Bad hook: implements ``porchside_nav_tab`` (sic), which no spec declares.

Start-up must stop and name the plugin, instead of silently never calling it.
"""

from __future__ import annotations

from core import hookimpl
from core.records import NavTab


@hookimpl
def porchside_nav_tab():
    return [NavTab(id="typo", label="Typo", endpoint="portal.home")]
