"""A business's name, time zone, currency and locale: checked once, for the CLI and the console.

Each value is checked against the same references the pages format with:
time zones by :mod:`zoneinfo` (IANA names), currencies by Babel's ISO 4217
list, locales by Babel. The currency is fixed once the business has an
invoice: amounts are stored in minor units of the currency they were
billed in, and a business may not switch under them.
"""

from __future__ import annotations

import zoneinfo

from babel import Locale, UnknownLocaleError
from babel.numbers import list_currencies
from tortoise.transactions import in_transaction

from tenants.models import Tenant
from tenants.resolver import TenantResolver

NAME_MAX = 200


class TenantSettingError(ValueError):
    """A value was refused; the message names the setting and says why."""


def clean_timezone(value: str) -> str:
    value = value.strip()
    if value not in zoneinfo.available_timezones():
        raise TenantSettingError(f"time zone {value!r} is not an IANA time zone name such as America/Chicago or Europe/Paris")
    return value


def clean_currency(value: str) -> str:
    code = value.strip().upper()
    if code not in list_currencies():
        raise TenantSettingError(f"currency {value!r} is not an ISO 4217 code such as USD, CAD or EUR")
    return code


def clean_locale(value: str) -> str:
    try:
        return str(Locale.parse(value.strip().replace("-", "_")))
    except (ValueError, UnknownLocaleError):
        raise TenantSettingError(f"locale {value!r} is not a known locale such as en_US, en_GB or fr_CA") from None


def clean_name(value: str) -> str:
    name = " ".join(value.split())
    if not name:
        raise TenantSettingError("the name must not be empty")
    if len(name) > NAME_MAX:
        raise TenantSettingError(f"the name may have at most {NAME_MAX} characters")
    return name


_CLEANERS = {"name": clean_name, "timezone": clean_timezone, "currency": clean_currency, "locale": clean_locale}


def clean_tenant_settings(**values: str | None) -> dict[str, str]:
    """The given (non-None) values, each checked; raises :class:`TenantSettingError` on the first bad one."""
    return {field: _CLEANERS[field](value) for field, value in values.items() if value is not None}


async def apply_tenant_settings(tenant: Tenant, changes: dict[str, str], resolver: TenantResolver) -> dict[str, str]:
    """Save the cleaned ``changes``; return those that differ from before.

    :raises TenantSettingError: a currency change once the business has an invoice.
    """
    from core.models.billing import Invoice
    from tenants.context import use_tenant

    changed = {field: value for field, value in changes.items() if getattr(tenant, field) != value}
    if not changed:
        return {}
    async with in_transaction():
        if "currency" in changed:
            with use_tenant(tenant):
                invoices = await Invoice.all().count()
            if invoices:
                raise TenantSettingError(
                    f"the currency stays {tenant.currency}: the business has {invoices} invoice(s) in it, "
                    "and amounts are kept in that currency. Nothing was changed."
                )
        for field, value in changed.items():
            setattr(tenant, field, value)
        await tenant.save(update_fields=list(changed))
    await resolver.invalidate(tenant)
    return changed
