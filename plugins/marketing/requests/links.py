"""Marketing and booking links (M4): two settings and a "published" switch, shown in the portal's top bar.

Staff enter the business's marketing site and booking page on the console's
Plugins page (the marketing plugin's settings). The links appear at the top
of every portal page, signed in or not, through ``porchside_header_links``
only while the plugin is enabled *and* "published" is on *and* the address
is set; an address that is not ``http(s)://`` is refused when saved
(:func:`core.plugin_state.save_plugin_settings`) and never shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from quart import g, has_app_context

from core.i18n import lazy_gettext
from core.plugin_state import plugin_settings
from core.portal.context import Portal
from core.records import HeaderLink, SettingField
from core.services import current_services

PLUGIN = "marketing"
SITE = "marketing_url"
BOOKING = "booking_url"
PUBLISHED = "published"

SETTINGS_FIELDS = [
    SettingField(
        name=SITE,
        label=lazy_gettext("Marketing site"),
        kind="url",
        help=lazy_gettext("Your business's website, e.g. https://www.example.com. Shown as “Our website” at the top of the portal."),
    ),
    SettingField(
        name=BOOKING,
        label=lazy_gettext("Online booking page"),
        kind="url",
        help=lazy_gettext("Where customers book online, e.g. https://www.example.com/book. Shown as “Book online” at the top of the portal."),
    ),
    SettingField(
        name=PUBLISHED,
        label=lazy_gettext("Show these links in the portal"),
        kind="bool",
        default=False,
        help=lazy_gettext("Leave off until the addresses are ready; customers see the links only while this is on."),
    ),
]


@dataclass(frozen=True)
class MarketingLinks:
    site: str | None
    booking: str | None


def web_address(value: object) -> str | None:
    """``value`` if it is an absolute http(s) address, else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return value.strip()


async def marketing_links() -> MarketingLinks:
    """The current tenant's published links (None where unset or unpublished), read once per request."""
    cached = g.get("marketing_links") if has_app_context() else None
    if cached is not None:
        return cached
    stored = await plugin_settings(PLUGIN, current_services().plugins)
    if stored.get(PUBLISHED):
        links = MarketingLinks(web_address(stored.get(SITE)), web_address(stored.get(BOOKING)))
    else:
        links = MarketingLinks(None, None)
    if has_app_context():
        g.marketing_links = links
    return links


async def site_url(portal: Portal) -> str | None:
    return (await marketing_links()).site


async def booking_url(portal: Portal) -> str | None:
    return (await marketing_links()).booking


HEADER_LINKS = [
    HeaderLink(id="marketing_site", label=lazy_gettext("Our website"), url=site_url, order=10),
    HeaderLink(id="marketing_booking", label=lazy_gettext("Book online"), url=booking_url, order=20),
]
