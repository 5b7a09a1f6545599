"""A business's default language, time zone and currency: the choices and their checks.

Shared by the console (Settings > Business) and the CLI (``porchside tenant
create`` / ``update``); time zones and currencies are checked by
:mod:`tenants.settings`. The language is kept as the language part of
``Tenant.locale``; its territory (``US`` of ``en_US``) stays, so money and
dates keep the country's conventions (:func:`core.i18n.format_locale`). The
currency may change only while the business has no invoice: amounts already
billed are in the old one.
"""

from __future__ import annotations

import functools
from zoneinfo import available_timezones

from babel.numbers import list_currencies

from core.i18n import SHIPPED_LANGUAGES, _locale_for
from tenants.settings import TenantSettingError, clean_currency, clean_timezone

DEFAULT_LANGUAGE = "en"
DEFAULT_TIMEZONE = "America/New_York"
DEFAULT_CURRENCY = "USD"
DEFAULT_LOCALE = "en_US"


RegionalError = TenantSettingError


@functools.lru_cache(maxsize=1)
def time_zones() -> tuple[str, ...]:
    """The IANA time zones, sorted."""
    return tuple(sorted(available_timezones()))


@functools.lru_cache(maxsize=1)
def currencies() -> tuple[str, ...]:
    """ISO 4217 codes babel knows, sorted."""
    return tuple(sorted(list_currencies()))


def check_language(code: str) -> str:
    """A shipped language code (``en``, ``es``, ``fr``), else :class:`TenantSettingError`."""
    cleaned = (code or "").strip().lower()
    if cleaned not in SHIPPED_LANGUAGES:
        raise TenantSettingError(f"language {code!r} is not one of {', '.join(SHIPPED_LANGUAGES)}")
    return cleaned


check_timezone = clean_timezone
check_currency = clean_currency


def locale_with_language(locale: str, language: str) -> str:
    """``locale`` with its language replaced, its territory kept where babel knows the pair
    (``en_US`` + ``es`` -> ``es_US``; ``en_US`` + ``fr`` -> ``fr``): the locale
    :func:`core.i18n.format_locale` writes for a reader of ``language``."""
    return _locale_for(language, locale or DEFAULT_LOCALE)


async def has_invoices(tenant) -> bool:
    """Whether the business has billed anything (its currency is then fixed)."""
    from core.models.billing import Invoice
    from tenants.context import use_tenant

    with use_tenant(tenant):
        return await Invoice.all().exists()
