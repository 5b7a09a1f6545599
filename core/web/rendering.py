"""Template globals: the current tenant, money and dates in its locale."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency
from quart import Quart, g


def money(amount_minor: int | None, currency: str | None = None, locale: str | None = None) -> str:
    """Format integer minor units as money in the tenant's locale."""
    tenant = g.get("tenant")
    currency = currency or (tenant.currency if tenant else "USD")
    locale = locale or (tenant.locale if tenant else "en_US")
    from babel.numbers import get_currency_precision

    digits = get_currency_precision(currency)
    return format_currency((amount_minor or 0) / (10**digits), currency, locale=locale)


def local_datetime(value: datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    tenant = g.get("tenant")
    zone = ZoneInfo(tenant.timezone if tenant else "UTC")
    return format_datetime(value.astimezone(zone), fmt, locale=tenant.locale if tenant else "en_US")


def local_date(value: date | datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    tenant = g.get("tenant")
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(tenant.timezone if tenant else "UTC")).date()
    return format_date(value, fmt, locale=tenant.locale if tenant else "en_US")


def install_template_globals(app: Quart) -> None:
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["datetime"] = local_datetime
    app.jinja_env.filters["date"] = local_date

    @app.context_processor
    async def _tenant():
        return {"tenant": g.get("tenant")}
