"""Noticeboard: cards on the portal's home page (``porchside_home_cards``).

On by default. One card has an async summary and links to an endpoint, one
links to a URL and shows only to addresses that may see invoices, one has
nothing to say (its summary returns None) and one fails, so tests see that
a failing card is left out without taking the page down.
"""

from __future__ import annotations

from core import hookimpl
from core.records import HomeCard, PluginInfo


async def _renewal(portal) -> str:
    return f"{portal.account.name}: your service plan renews next month."


async def _billing_contact(portal) -> bool:
    return portal.can_see_invoices


def _nothing_to_say(portal) -> None:
    return None


def _broken(portal) -> str:
    raise RuntimeError("the noticeboard fell off the wall")


@hookimpl
def porchside_plugin_info():
    return PluginInfo(name="noticeboard", label="Noticeboard", default_enabled=True)


@hookimpl
def porchside_home_cards():
    return [
        HomeCard(id="renewal", title="Service plan", summary=_renewal, endpoint="portal.contact", link_label="Ask about renewal", order=15),
        HomeCard(id="newsletter", title="Newsletter", summary=lambda portal: "Spring pool tips are out.", url="https://news.example/spring", order=5, is_shown=_billing_contact),
        HomeCard(id="quiet", title="Quiet", summary=_nothing_to_say),
        HomeCard(id="broken", title="Broken", summary=_broken, order=1),
    ]
