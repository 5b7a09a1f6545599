"""The quotes plugin's per-tenant settings (Q3, Q5), declared for the console's Plugins page."""

from __future__ import annotations

from dataclasses import dataclass

from quart import g, has_app_context

from core.i18n import lazy_gettext
from core.plugin_state import plugin_settings
from core.records import SettingField

PLUGIN = "quotes"
DEFAULT_VALIDITY_DAYS = 30
VALIDITY_RANGE = (1, 365)

FIELDS = [
    SettingField(
        name="validity_days",
        label=lazy_gettext("Quotes are valid for (days)"),
        kind="int",
        default=DEFAULT_VALIDITY_DAYS,
        help=lazy_gettext("A new quote's validity date is this many days after it is created (1 to 365); staff can change it per quote."),
    ),
    SettingField(
        name="require_signature",
        label=lazy_gettext("Ask for a signature to approve"),
        kind="bool",
        default=True,
        help=lazy_gettext("The customer types their full name to approve a quote; the name, time and address are recorded."),
    ),
    SettingField(
        name="offer_changes",
        label=lazy_gettext("Offer “Request changes”"),
        kind="bool",
        default=True,
        help=lazy_gettext("Customers may ask for changes to a quote instead of approving or rejecting it."),
    ),
]


@dataclass(frozen=True)
class QuoteSettings:
    validity_days: int
    require_signature: bool
    offer_changes: bool


async def quote_settings(host) -> QuoteSettings:
    """The current tenant's settings, read once per request."""
    cached = g.get("quotes_settings") if has_app_context() else None
    if cached is not None:
        return cached
    stored = await plugin_settings(PLUGIN, host)
    days = stored.get("validity_days")
    low, high = VALIDITY_RANGE
    settings = QuoteSettings(
        validity_days=days if isinstance(days, int) and low <= days <= high else DEFAULT_VALIDITY_DAYS,
        require_signature=bool(stored.get("require_signature", True)),
        offer_changes=bool(stored.get("offer_changes", True)),
    )
    if has_app_context():
        g.quotes_settings = settings
    return settings
