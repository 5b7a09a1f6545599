"""Portal lists: page, page size, sort, filters and date ranges from query arguments.

Every list page (work history, service history, documents, invoices,
payments) keeps its state in the URL, so a filtered and sorted page can be
bookmarked, shared and used without JavaScript. Bad values never fail the
page: a page number out of range is clamped, an unknown sort or filter falls
back to the default, and a malformed date range falls back to the default
with a sentence for the customer (:attr:`DateRange.error`).

Typical use in a view::

    SORTS = Sorter({"date": ("scheduled_start",), "number": ("number",)}, default="-date")

    sort = SORTS.parse()
    status = choice_arg("status", ("open", "paid"), default="")
    page = await paginate(Invoice.filter(account=account).order_by(*sort.order_by))

and in its template (``portal/_lists.html``)::

    {% from "portal/_lists.html" import sort_header, pagination %}
    <tr>{{ sort_header(sort, "date", "Date") }}</tr> ... {{ pagination(page) }}

Links built here keep the request's other query arguments and go back to
page 1 whenever the sort changes.

Deep pages cost what a first page costs (keyset pagination): the link to
the next page carries ``?after=<public id of the last row shown>`` and the
link to the previous one ``?before=<public id of the first row>``, so the
page is read from that row onwards through the list's index instead of
skipping rows with OFFSET; the last page is read from the end of the list.
A page number alone (a bookmark, a hand-typed URL) still works; only the
page links near either end are offered without a cursor. A cursor is looked
up inside the page's own query (same tenant, account and filters): one of
another account, or one that left the list, is ignored. Keyset pages need
every sort field to be a column of the listed model; a sort on an
annotation or a related row falls back to OFFSET.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING, Any, Generic, Mapping, Sequence, TypeVar
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from quart import request
from tortoise.expressions import Q, RawSQL

from core.i18n import gettext

if TYPE_CHECKING:
    from tortoise.queryset import QuerySet

    from tenants.models import Tenant

T = TypeVar("T")

PAGE_PARAM = "page"
AFTER_PARAM, BEFORE_PARAM = "after", "before"
# Rows an OFFSET may skip before a page counts as deep (cursor links only).
CHEAP_OFFSET = 200
CURSOR_MAX = 60
PER_PAGE_PARAM = "per_page"
SORT_PARAM = "sort"
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
# Years a date filter accepts; beyond them date arithmetic overflows.
MIN_YEAR, MAX_YEAR = 1900, 2999


def url_with(**changes: Any) -> str:
    """The current path and query with ``changes`` applied (``None`` removes a key).

    Keys keep their order; repeated keys (``?tag=a&tag=b``) survive.
    """
    items: list[tuple[str, str]] = []
    for key, value in request.args.items(multi=True):
        if key not in changes:
            items.append((key, value))
    for key, value in changes.items():
        if value is not None and value != "":
            items.append((key, str(value)))
    query = urlencode(items)
    return request.path + ("?" + query if query else "")


def int_arg(name: str, default: int, low: int, high: int) -> int:
    """An integer query argument clamped to ``[low, high]``; junk gives ``default``."""
    raw = request.args.get(name, "")
    try:
        value = int(raw)
    except ValueError:
        return default
    return min(max(value, low), high)


def choice_arg(name: str, allowed: Sequence[str], default: str = "") -> str:
    """A query argument that must be one of ``allowed``; anything else gives ``default``."""
    value = request.args.get(name, "")
    return value if value in allowed else default


# -- pages --------------------------------------------------------------------


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its items and where it sits in the whole."""

    items: list[T]
    number: int
    per_page: int
    total: int
    # Links to the neighbouring pages carry a cursor (see the module's docstring).
    keyset: bool = False

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first_index(self) -> int:
        """1-based position of the first item shown (0 on an empty list)."""
        return (self.number - 1) * self.per_page + 1 if self.items else 0

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.items) - 1 if self.items else 0

    def url(self, number: int) -> str:
        """The link to page ``number`` (page 1 has no ``page`` argument); the
        next and previous pages of a keyset list carry their cursor."""
        changes: dict[str, Any] = {PAGE_PARAM: number if number > 1 else None, AFTER_PARAM: None, BEFORE_PARAM: None}
        if self.keyset and self.items and 1 < number < self.pages:
            if number == self.number + 1:
                changes[AFTER_PARAM] = getattr(self.items[-1], "public_id", None)
            elif number == self.number - 1:
                changes[BEFORE_PARAM] = getattr(self.items[0], "public_id", None)
        return url_with(**changes)

    def is_cheap(self, number: int) -> bool:
        """Whether page ``number`` can be read without a cursor at a small cost:
        near the start, near the end, or a neighbour of this one."""
        if not self.keyset or abs(number - self.number) <= 1:
            return True
        skipped = min((number - 1) * self.per_page, max(self.total - number * self.per_page, 0))
        return skipped <= CHEAP_OFFSET

    def window(self, around: int = 2) -> list[int | None]:
        """Page numbers to link: the first, the last and ``around`` each side of this one
        (on a keyset list, only those that are cheap to read).

        ``None`` marks a gap, shown as an ellipsis.
        """
        wanted = {1, self.pages, *range(self.number - around, self.number + around + 1)}
        numbers = sorted(n for n in wanted if 1 <= n <= self.pages and self.is_cheap(n))
        out: list[int | None] = []
        for n in numbers:
            if out and n - out[-1] > 1:  # type: ignore[operator]
                out.append(None)
            out.append(n)
        return out


def _requested(per_page: int | None) -> tuple[int, int]:
    """``(page number, page size)`` asked for in the query, both clamped from below."""
    size = int_arg(PER_PAGE_PARAM, per_page or DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    number = int_arg(PAGE_PARAM, 1, 1, 10**9)
    return number, size


def _clamp(number: int, size: int, total: int) -> int:
    return min(number, max(1, math.ceil(total / size)))


async def paginate(
    query: "QuerySet[T]", per_page: int | None = None, *, total: int | None = None, count_with_rows: bool = False
) -> Page[T]:
    """One page of ``query`` as asked for by ``?page=``, ``?per_page=`` and a cursor
    (``?after=`` / ``?before=``, see the module's docstring).

    Two queries whatever the list's size and the page's depth (a count, then
    the page; just the count when the list is empty), three when a cursor is
    looked up. Pass ``total`` when the caller already counted the list. With
    ``count_with_rows`` the first page (no cursor) is one query: its rows
    carry the list's length (``COUNT(*) OVER ()``, counted before the LIMIT);
    only for a query without DISTINCT or GROUP BY, whose rows are the list. A
    page past the end shows the last page. Ordering (which must end on a
    unique field, as :class:`Sorter` does), ``select_related`` and
    ``prefetch_related`` stay the caller's.
    """
    number, size = _requested(per_page)
    if total is None and count_with_rows and number == 1 and not (_cursor(AFTER_PARAM) or _cursor(BEFORE_PARAM)):
        rows = list(await query.annotate(**{_LIST_TOTAL: RawSQL("COUNT(*) OVER ()")}).limit(size))
        return Page(rows, 1, size, int(getattr(rows[0], _LIST_TOTAL)) if rows else 0, _keyset_fields(query) is not None)
    if total is None:
        total = await query.count()
    number = _clamp(number, size, total)
    fields = _keyset_fields(query)
    keyset = fields is not None
    if not total:
        return Page([], number, size, 0, keyset)
    items: list[T] | None = None
    if fields is not None and number > 1:
        items = await _from_cursor(query, fields, size)
    if items is None:
        items = await _by_offset(query, number, size, total)
    return Page(items, number, size, total, keyset)


# The annotation that carries the list's length on a first page read with its count.
_LIST_TOTAL = "list_total_"


def _keyset_fields(query: "QuerySet[T]") -> list[tuple[str, bool, bool]] | None:
    """``(column, ascending, nullable)`` of the query's ordering, or None when a
    field is not a column of the model (keyset pages need plain columns)."""
    meta = query.model._meta
    out = []
    for name, order in query._orderings:
        field = meta.fields_map.get(name)
        if field is None or name not in meta.fields_db_projection or name in query._annotations:
            return None
        out.append((name, str(getattr(order, "value", order)).upper() != "DESC", bool(field.null)))
    if not out or not any(name in ("id", meta.pk_attr) or meta.fields_map[name].unique for name, _, _ in out):
        return None
    return out


def _flipped(fields: list[tuple[str, bool, bool]]) -> list[tuple[str, bool, bool]]:
    return [(name, not ascending, nullable) for name, ascending, nullable in fields]


def _order(fields: list[tuple[str, bool, bool]]) -> list[str]:
    return [("" if ascending else "-") + name for name, ascending, _ in fields]


async def _by_offset(query: "QuerySet[T]", number: int, size: int, total: int) -> list[T]:
    """Page ``number`` by OFFSET, counted from whichever end of the list is nearer
    (the last pages cost what the first ones do)."""
    skip_front = (number - 1) * size
    skip_back = max(total - number * size, 0)
    fields = _keyset_fields(query)
    if fields is None or skip_front <= skip_back:
        return list(await query.offset(skip_front).limit(size))
    rows = list(await query.order_by(*_order(_flipped(fields))).offset(skip_back).limit(min(size, total - skip_front)))
    rows.reverse()
    return rows


def _cursor(name: str) -> str:
    value = request.args.get(name, "").strip()
    return value if 0 < len(value) <= CURSOR_MAX else ""


async def _from_cursor(query: "QuerySet[T]", fields: list[tuple[str, bool, bool]], size: int) -> list[T] | None:
    """The ``size`` rows after ``?after=`` (or before ``?before=``) in the query's
    order; None without a cursor, when its row is not in the list or when
    nothing is left beyond it."""
    after, before = _cursor(AFTER_PARAM), _cursor(BEFORE_PARAM)
    if not (after or before):
        return None
    found = await query.filter(public_id=after or before).limit(1).values_list(*(name for name, _, _ in fields))
    if not found:
        return None
    values = found[0]
    walk = fields if after else _flipped(fields)
    nulls_high = query.model._meta.db.capabilities.dialect == "postgres"
    rows = list(await query.filter(_beyond(walk, values, nulls_high)).order_by(*_order(walk)).limit(size))
    if not rows:  # the list changed under the cursor: show the page by its number
        return None
    if before:
        rows.reverse()
    return rows


def _past(name: str, ascending: bool, nullable: bool, value: Any, nulls_high: bool, inclusive: bool = False) -> Q | None:
    """Rows whose ``name`` comes after ``value`` in this direction (or equals it when
    ``inclusive``); None when no row can (or, inclusive, when every row does). NULL sorts last ascending on PostgreSQL
    (``nulls_high``) and first on SQLite, and the other way round descending."""
    nulls_after = nullable and nulls_high == ascending
    if value is None:
        if inclusive:
            return Q(**{f"{name}__isnull": True}) if nulls_after else None
        return None if nulls_after else Q(**{f"{name}__isnull": False})
    op = ("gte" if inclusive else "gt") if ascending else ("lte" if inclusive else "lt")
    condition = Q(**{f"{name}__{op}": value})
    if nulls_after:
        condition |= Q(**{f"{name}__isnull": True})
    return condition


def _equal(name: str, value: Any) -> Q:
    return Q(**{f"{name}__isnull": True}) if value is None else Q(**{name: value})


def _beyond(fields: list[tuple[str, bool, bool]], values: Sequence[Any], nulls_high: bool) -> Q:
    """Rows after ``values`` in the order of ``fields`` (the last field is unique):
    ``f1 > v1 OR (f1 = v1 AND f2 > v2) OR ...``, and ``f1 >= v1`` besides, which
    lets the database start its index scan at the cursor."""
    terms: list[Q] = []
    for i, (name, ascending, nullable) in enumerate(fields):
        past = _past(name, ascending, nullable, values[i], nulls_high)
        if past is None:
            continue
        for j in range(i):
            past &= _equal(fields[j][0], values[j])
        terms.append(past)
    condition = terms[0]
    for term in terms[1:]:
        condition |= term
    name, ascending, nullable = fields[0]
    bound = _past(name, ascending, nullable, values[0], nulls_high, inclusive=True)
    return condition & bound if bound is not None else condition


def page_of(items: Sequence[T], per_page: int | None = None) -> Page[T]:
    """The same as :func:`paginate` for a list already in memory."""
    number, size = _requested(per_page)
    number = _clamp(number, size, len(items))
    start = (number - 1) * size
    return Page(list(items[start : start + size]), number, size, len(items))


# -- sorting ------------------------------------------------------------------


@dataclass(frozen=True)
class Sort:
    """The sort a list is shown in: a key the page offers and a direction."""

    key: str
    descending: bool
    order_by: tuple[str, ...]
    default: str

    @property
    def value(self) -> str:
        return ("-" if self.descending else "") + self.key

    def aria(self, key: str) -> str | None:
        """``aria-sort`` of a column header: set only on the sorted column."""
        if key != self.key:
            return None
        return "descending" if self.descending else "ascending"

    def url(self, key: str) -> str:
        """The link of a column header: the other direction on the sorted column,
        ascending on another one; back to page 1."""
        target = ("" if self.descending else "-") + key if key == self.key else key
        return url_with(**{SORT_PARAM: None if target == self.default else target, PAGE_PARAM: None, AFTER_PARAM: None, BEFORE_PARAM: None})


class Sorter:
    """The sorts a list offers, each a key mapped to the fields it orders by.

    :param columns: ``{"date": ("scheduled_start",), ...}``; a field may carry
        its own ``-`` (always the reverse of the key's direction). ``id`` is
        added as the last tie-breaker so pages never overlap.
    :param default: the sort without a ``?sort=``, e.g. ``"-date"``.
    """

    def __init__(self, columns: Mapping[str, Sequence[str]], default: str) -> None:
        if default.lstrip("-") not in columns:
            raise ValueError(f"default sort {default!r} is not one of {', '.join(columns)}")
        self.columns = {key: tuple(fields) for key, fields in columns.items()}
        self.default = default

    def parse(self, value: str | None = None) -> Sort:
        """The sort asked for by ``?sort=`` (or ``value``); an unknown key gives the default."""
        raw = request.args.get(SORT_PARAM, "") if value is None else value
        if raw.lstrip("-") not in self.columns:
            raw = self.default
        descending = raw.startswith("-")
        key = raw.lstrip("-")
        fields = [_flip(f) if descending else f for f in self.columns[key]]
        if not any(f.lstrip("-") == "id" for f in fields):
            fields.append("-id" if descending else "id")
        return Sort(key, descending, tuple(fields), self.default)


def _flip(field: str) -> str:
    return field[1:] if field.startswith("-") else "-" + field


# -- date ranges --------------------------------------------------------------


@dataclass(frozen=True)
class DateRange:
    """An inclusive range of the tenant's calendar days, read from two query arguments.

    :param error: why the dates asked for were not used (shown to the
        customer), or None.
    """

    start: date
    end: date
    error: str | None = None
    is_default: bool = True

    def bounds(self, tenant: "Tenant") -> tuple[datetime, datetime]:
        """``[start, end)`` in UTC: midnight at the start of ``start`` and after ``end``,
        where the business is (a visit at 11 pm local belongs to that day)."""
        zone = ZoneInfo(tenant.timezone)
        low = datetime.combine(self.start, time.min, tzinfo=zone)
        high = datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=zone)
        return low.astimezone(timezone.utc), high.astimezone(timezone.utc)


def _parse_day(raw: str) -> date | None:
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        return None
    return day if MIN_YEAR <= day.year <= MAX_YEAR else None


def date_range_arg(default_start: date, default_end: date, start_param: str = "from", end_param: str = "to") -> DateRange:
    """The range asked for by ``?from=YYYY-MM-DD&to=YYYY-MM-DD``.

    A missing bound takes its default; a malformed one, or a start after the
    end, gives the default range with an ``error`` saying why.
    """
    raw_start = request.args.get(start_param, "").strip()
    raw_end = request.args.get(end_param, "").strip()
    if not raw_start and not raw_end:
        return DateRange(default_start, default_end)
    start = _parse_day(raw_start) if raw_start else default_start
    end = _parse_day(raw_end) if raw_end else default_end
    if start is None or end is None:
        return DateRange(default_start, default_end, gettext("Enter dates as year-month-day, for example 2025-03-31. Showing the usual range instead."))
    if start > end:
        return DateRange(default_start, default_end, gettext("The start date is after the end date. Showing the usual range instead."))
    return DateRange(start, end, is_default=(start, end) == (default_start, default_end))
