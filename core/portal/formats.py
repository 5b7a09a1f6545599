"""Portal formats beyond :mod:`core.web.rendering`: visit times and quantities.

``|datetime`` prints seconds ("9:00:00 AM") and ``|date`` drops the time;
schedules and completions want "Wed, Mar 4, 2026, 2:05 PM" in en_US and
"mer. 4 mars 2026, 14:05" in fr_FR (``|when``). Quantities are stored in
thousandths and print as "2.5" or "2,5" (``|quantity``). Patterns come from
the locale's own data (CLDR), never from an English template.
"""

from __future__ import annotations

import functools
from datetime import datetime

from babel.dates import match_skeleton
from babel.numbers import format_decimal
from jinja2 import pass_context

from core.i18n import format_locale
from core.web.rendering import _tenant_of, babel_locale, format_local_date, format_local_datetime

DATE_SKELETON = "yMMMEd"


@functools.lru_cache(maxsize=64)
def when_pattern(locale_name: str) -> str:
    """The locale's "weekday, date, short time" pattern."""
    locale = babel_locale(locale_name)
    skeleton = match_skeleton(DATE_SKELETON, locale.datetime_skeletons) or "yMMMd"
    date_pattern = locale.datetime_skeletons[skeleton].pattern
    time_pattern = locale.time_formats["short"].pattern
    glue = str(locale.datetime_formats["medium"])
    return glue.replace("{1}", date_pattern).replace("{0}", time_pattern)


def format_when(value: datetime | None, tenant, until: datetime | None = None) -> str:
    """``value`` in the tenant's time zone, e.g. "Wed, Mar 4, 2026, 2:05 PM".

    With ``until``, a span: "Wed, Mar 4, 2026, 2:05 PM – 4:00 PM" when both
    fall on the same local day, both dates in full otherwise.
    """
    if value is None:
        return ""
    locale_name = format_locale(tenant)
    start = format_local_datetime(value, tenant, when_pattern(locale_name))
    if until is None:
        return start
    if format_local_date(value, tenant, "short") == format_local_date(until, tenant, "short"):
        end = format_local_datetime(until, tenant, babel_locale(locale_name).time_formats["short"].pattern)
    else:
        end = format_local_datetime(until, tenant, when_pattern(locale_name))
    return f"{start} – {end}"


@pass_context
def when_filter(ctx, value: datetime | None, until: datetime | None = None) -> str:
    """``{{ visit.completed_at|when }}``, ``{{ job.scheduled_start|when(job.scheduled_end) }}``."""
    return format_when(value, _tenant_of(ctx), until)


def format_quantity(quantity_milli: int, tenant) -> str:
    """A quantity in thousandths, e.g. 2500 -> "2.5" (no trailing zeros)."""
    return format_decimal(quantity_milli / 1000, format="#,##0.###", locale=babel_locale(format_locale(tenant)))


@pass_context
def quantity_filter(ctx, quantity_milli: int) -> str:
    """``{{ charge.quantity_milli|quantity }}`` in templates."""
    return format_quantity(quantity_milli, _tenant_of(ctx))
