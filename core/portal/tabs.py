"""Core's own navigation tabs, declared through the same hook as plugins'."""

from __future__ import annotations

from core.hookspecs import hookimpl
from core.records import NavTab


@hookimpl(trylast=True)
def porchside_nav_tabs():
    return [
        NavTab(id="home", label="Home", endpoint="portal.home", order=0, icon="home"),
        NavTab(id="contact", label="Contact us", endpoint="portal.contact", order=90, icon="phone"),
    ]
