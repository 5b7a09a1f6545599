"""Money, dates, times and file sizes in the reader's language, the tenant's territory, currency and time zone.

The functions take the tenant explicitly so background tasks and PDFs can
use them; the Jinja filters read ``tenant`` from the template's context, so
pages and emails (which have no request) format alike.
"""

from __future__ import annotations

import functools
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, get_currency_precision
from jinja2 import Environment, pass_context
from quart import Quart, g

from core.i18n import format_locale, ngettext
from core.i18n import gettext as _
from tenants.context import current_tenant_or_none

if TYPE_CHECKING:
    from tenants.models import Tenant

DEFAULT_LOCALE = "en_US"


def _locale(tenant: "Tenant | None") -> str:
    """The reader's language with the business's territory (:func:`core.i18n.format_locale`)."""
    return format_locale(tenant)


def _zone(tenant: "Tenant | None") -> ZoneInfo:
    return ZoneInfo(tenant.timezone if tenant else "UTC")


@functools.lru_cache(maxsize=64)
def babel_locale(name: str) -> Locale:
    """The parsed locale ``name``, parsed once per process (a long statement
    formats thousands of amounts and dates)."""
    return Locale.parse(name)


def format_money(amount_minor: int | None, currency: str | None, tenant: "Tenant | None") -> str:
    """Integer minor units as money, e.g. 12345 USD -> "$123.45".

    What babel's ``format_currency`` does, with the locale parsed once and the
    amount an exact Decimal.
    """
    currency = currency or (tenant.currency if tenant else "USD")
    return _formatted_money(amount_minor or 0, currency, _locale(tenant))


@functools.lru_cache(maxsize=8192)
def _formatted_money(amount_minor: int, currency: str, locale_name: str) -> str:
    """Prices repeat down a statement: each amount is formatted once per process."""
    locale = babel_locale(locale_name)
    amount = Decimal(amount_minor).scaleb(-get_currency_precision(currency))
    return locale.currency_formats["standard"].apply(amount, locale, currency=currency)


def format_local_datetime(value: datetime | None, tenant: "Tenant | None", fmt: str = "medium") -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return format_datetime(value.astimezone(_zone(tenant)), fmt, locale=babel_locale(_locale(tenant)))


def format_local_date(value: date | datetime | None, tenant: "Tenant | None", fmt: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        value = value.astimezone(_zone(tenant)).date()
    return _formatted_date(value, fmt, _locale(tenant))


@functools.lru_cache(maxsize=4096)
def _formatted_date(value: date, fmt: str, locale: str) -> str:
    """Days repeat down a statement: each is formatted once per process."""
    return format_date(value, fmt, locale=babel_locale(locale))


def format_file_size(size: int | None, tenant: "Tenant | None") -> str:
    """A file's size in the reader's words and digits, e.g. "1.7 kB", "1,7 ko".

    Decimal units (1 kB = 1,000 bytes), as Jinja's ``filesizeformat``.
    """
    size = int(size or 0)
    locale = babel_locale(_locale(tenant))
    if size < 1000:
        return ngettext("%(size)s byte", "%(size)s bytes", size, size=format_decimal(size, locale=locale))
    power = 1
    while power < 4 and size >= 1000 ** (power + 1):
        power += 1
    shown = format_decimal(Decimal(size).scaleb(-3 * power), format="#,##0.0", locale=locale)
    if power == 1:
        return _("%(size)s kB", size=shown)
    if power == 2:
        return _("%(size)s MB", size=shown)
    if power == 3:
        return _("%(size)s GB", size=shown)
    return _("%(size)s TB", size=shown)


def tenant_today(tenant: "Tenant | None") -> date:
    """Today's date where the business is."""
    return datetime.now(_zone(tenant)).date()


def _tenant_of(ctx) -> "Tenant | None":
    """The template's ``tenant``, else the current one: a macro imported without
    context (``{% from ... import ... %}``) sees no ``tenant`` and would
    otherwise write times in UTC."""
    return ctx.get("tenant") or current_tenant_or_none()


@pass_context
def _money(ctx, amount_minor: int | None, currency: str | None = None) -> str:
    return format_money(amount_minor, currency, _tenant_of(ctx))


@pass_context
def _datetime(ctx, value: datetime | None, fmt: str = "medium") -> str:
    return format_local_datetime(value, _tenant_of(ctx), fmt)


@pass_context
def _date(ctx, value: date | datetime | None, fmt: str = "medium") -> str:
    return format_local_date(value, _tenant_of(ctx), fmt)


@pass_context
def _filesize(ctx, size: int | None) -> str:
    return format_file_size(size, _tenant_of(ctx))


@pass_context
def _timestamp(ctx, value: float | None, fmt: str = "medium") -> str:
    """A Unix timestamp (sessions keep them) in the tenant's zone."""
    if value is None:
        return ""
    return format_local_datetime(datetime.fromtimestamp(value, timezone.utc), _tenant_of(ctx), fmt)


def install_filters(env: Environment) -> None:
    """Add ``money``, ``datetime``, ``date``, ``timestamp`` and ``filesize`` and
    the gettext functions (:mod:`core.i18n`) to an environment.

    Jinja's own ``filesizeformat`` (English units) is replaced by ``filesize``."""
    from core.i18n import install_gettext

    install_gettext(env)
    env.filters["money"] = _money
    env.filters["datetime"] = _datetime
    env.filters["date"] = _date
    env.filters["timestamp"] = _timestamp
    env.filters["filesize"] = env.filters["filesizeformat"] = _filesize


def install_template_globals(app: Quart) -> None:
    install_filters(app.jinja_env)

    @app.context_processor
    async def _tenant():
        return {"tenant": g.get("tenant")}
