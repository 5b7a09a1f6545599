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
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING, Any, Generic, Mapping, Sequence, TypeVar
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from quart import request

if TYPE_CHECKING:
    from tortoise.queryset import QuerySet

    from tenants.models import Tenant

T = TypeVar("T")

PAGE_PARAM = "page"
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
        """The link to page ``number`` (page 1 has no ``page`` argument)."""
        return url_with(**{PAGE_PARAM: number if number > 1 else None})

    def window(self, around: int = 2) -> list[int | None]:
        """Page numbers to link: the first, the last and ``around`` each side of this one.

        ``None`` marks a gap, shown as an ellipsis.
        """
        wanted = {1, self.pages, *range(self.number - around, self.number + around + 1)}
        numbers = sorted(n for n in wanted if 1 <= n <= self.pages)
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


async def paginate(query: "QuerySet[T]", per_page: int | None = None) -> Page[T]:
    """One page of ``query`` as asked for by ``?page=`` and ``?per_page=``.

    Two queries whatever the list's size (a count, then the page; just the
    count when the list is empty). A page past the end shows the last page.
    Ordering, ``select_related`` and ``prefetch_related`` stay the caller's.
    """
    number, size = _requested(per_page)
    total = await query.count()
    number = _clamp(number, size, total)
    items = list(await query.offset((number - 1) * size).limit(size)) if total else []
    return Page(items, number, size, total)


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
        return url_with(**{SORT_PARAM: None if target == self.default else target, PAGE_PARAM: None})


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
        return DateRange(default_start, default_end, "Enter dates as year-month-day, for example 2025-03-31. Showing the usual range instead.")
    if start > end:
        return DateRange(default_start, default_end, "The start date is after the end date. Showing the usual range instead.")
    return DateRange(start, end, is_default=(start, end) == (default_start, default_end))
