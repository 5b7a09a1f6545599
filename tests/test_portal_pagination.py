"""The shared list machinery (core/portal/pagination.py): pages, sorts, filters, date ranges.

Unit tests in a bare Quart request context: no database needed. The pages
that use it (work history, service history, documents, invoices) test it
again through HTTP on both databases.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from types import SimpleNamespace

import pytest
from quart import Quart

from core.portal.pagination import (
    MAX_PER_PAGE,
    DateRange,
    Page,
    Sorter,
    choice_arg,
    date_range_arg,
    int_arg,
    page_of,
    url_with,
)

app = Quart(__name__)
SORTS = Sorter({"date": ("scheduled_start",), "title": ("title", "-number"), "id": ("id",)}, default="-date")


def at(query: str):
    """A request context for ``/jobs?<query>``."""
    return app.test_request_context("/jobs" + ("?" + query if query else ""))


async def test_url_with_keeps_other_arguments_and_drops_emptied_ones():
    async with at("q=pool&tag=a&tag=b&page=3"):
        assert url_with(page=4) == "/jobs?q=pool&tag=a&tag=b&page=4"
        assert url_with(page=None) == "/jobs?q=pool&tag=a&tag=b"
        assert url_with(q="", page=None, tag=None) == "/jobs"
        assert url_with(q="a&b=c") == "/jobs?tag=a&tag=b&page=3&q=a%26b%3Dc"


async def test_int_and_choice_arguments_fall_back_or_clamp():
    async with at("n=7&big=99999&neg=-3&junk=ten&status=paid&evil=%3Cscript%3E"):
        assert int_arg("n", 1, 1, 10) == 7
        assert int_arg("big", 1, 1, 10) == 10
        assert int_arg("neg", 1, 1, 10) == 1
        assert int_arg("junk", 5, 1, 10) == 5 and int_arg("missing", 5, 1, 10) == 5
        assert choice_arg("status", ("open", "paid")) == "paid"
        assert choice_arg("evil", ("open", "paid"), "open") == "open"


@pytest.mark.parametrize(
    "query, number, items, first, last",
    [
        ("", 1, list(range(20)), 1, 20),
        ("page=2", 2, list(range(20, 25)), 21, 25),
        ("page=9", 2, list(range(20, 25)), 21, 25),  # past the end: the last page
        ("page=0", 1, list(range(20)), 1, 20),
        ("page=-5&per_page=abc", 1, list(range(20)), 1, 20),
        ("per_page=10&page=3", 3, list(range(20, 25)), 21, 25),
        ("per_page=0", 1, [0], 1, 1),  # at least one a page
    ],
)
async def test_page_of_clamps_number_and_size(query, number, items, first, last):
    async with at(query):
        page = page_of(list(range(25)))
        assert (page.number, page.items, page.first_index, page.last_index, page.total) == (number, items, first, last, 25)


async def test_page_size_is_capped_and_an_empty_list_has_one_page():
    async with at(f"per_page={MAX_PER_PAGE * 10}"):
        assert page_of(list(range(500))).per_page == MAX_PER_PAGE
    async with at("page=4"):
        empty = page_of([])
        assert (empty.number, empty.pages, empty.first_index, empty.last_index) == (1, 1, 0, 0)
        assert not empty.has_previous and not empty.has_next


async def test_page_links_and_window():
    async with at("q=pool&page=6"):
        page = page_of(list(range(200)))  # 10 pages of 20
        assert page.url(1) == "/jobs?q=pool" and page.url(7) == "/jobs?q=pool&page=7"
        assert page.window() == [1, None, 4, 5, 6, 7, 8, None, 10]
        assert page.has_previous and page.has_next
    async with at("page=2"):
        assert page_of(list(range(60))).window() == [1, 2, 3]


async def test_keyset_pages_link_only_cheap_page_numbers_and_cursor_their_neighbours():
    rows = [SimpleNamespace(public_id=f"inv_{n}") for n in range(20)]
    async with at("page=50&after=inv_x&sort=number"):
        page = Page(rows, 50, 20, 2000, keyset=True)  # 100 pages, far from both ends
        assert page.window() == [1, None, 49, 50, 51, None, 100]  # not 48 and 52
        assert page.url(51) == "/jobs?sort=number&page=51&after=inv_19"
        assert page.url(49) == "/jobs?sort=number&page=49&before=inv_0"
        assert page.url(1) == "/jobs?sort=number" and page.url(100) == "/jobs?sort=number&page=100"
        assert page.url(2) == "/jobs?sort=number&page=2"  # near the start: by number
    async with at("page=50"):
        # Without keyset (an in-memory list, a sort on a computed column): every number, no cursor.
        plain = Page(rows, 50, 20, 2000)
        assert plain.window() == [1, None, 48, 49, 50, 51, 52, None, 100] and plain.url(51) == "/jobs?page=51"


async def test_sorter_parses_keys_directions_and_tie_breaks():
    async with at(""):
        sort = SORTS.parse()
        assert (sort.key, sort.descending, sort.order_by) == ("date", True, ("-scheduled_start", "-id"))
        assert sort.aria("date") == "descending" and sort.aria("title") is None
    async with at("sort=title&page=3&q=x"):
        sort = SORTS.parse()
        # A field's own "-" is kept relative to the key's direction.
        assert sort.order_by == ("title", "-number", "id")
        assert sort.url("title") == "/jobs?q=x&sort=-title"  # the other way round, back to page 1
        assert sort.url("date") == "/jobs?q=x&sort=date"
    async with at("sort=-title"):
        assert SORTS.parse().order_by == ("-title", "number", "-id")
        assert SORTS.parse().url("title") == "/jobs?sort=title"
    async with at("sort=date"):
        assert SORTS.parse().url("date") == "/jobs"  # the default needs no argument
    async with at("sort=-id"):
        assert SORTS.parse().order_by == ("-id",)  # no second id
    async with at("sort=password&page=2"):
        assert SORTS.parse().value == "-date"
    with pytest.raises(ValueError, match="default sort 'name'"):
        Sorter({"date": ("created_at",)}, default="name")


DEFAULT = (date(2025, 1, 1), date(2025, 12, 31))


@pytest.mark.parametrize(
    "query, start, end, error, is_default",
    [
        ("", *DEFAULT, None, True),
        ("from=2025-03-01&to=2025-03-31", date(2025, 3, 1), date(2025, 3, 31), None, False),
        ("from=2025-03-01", date(2025, 3, 1), DEFAULT[1], None, False),
        ("to=2025-01-31", DEFAULT[0], date(2025, 1, 31), None, False),
        ("from=%202025-03-01%20", date(2025, 3, 1), DEFAULT[1], None, False),
        ("from=2025-01-01&to=2025-12-31", *DEFAULT, None, True),
        ("from=March&to=2025-03-31", *DEFAULT, "Enter dates as year-month-day", True),
        ("from=2025-02-30", *DEFAULT, "Enter dates as year-month-day", True),
        ("to=9999-12-31", *DEFAULT, "Enter dates as year-month-day", True),
        ("from=2025-04-01&to=2025-03-01", *DEFAULT, "The start date is after the end date", True),
    ],
)
async def test_date_range_arg(query, start, end, error, is_default):
    async with at(query):
        found = date_range_arg(*DEFAULT)
    assert (found.start, found.end, found.is_default) == (start, end, is_default)
    assert (found.error or "").startswith(error or "")
    assert (found.error is None) == (error is None)


def test_date_range_bounds_are_the_business_days_in_utc():
    new_york = SimpleNamespace(timezone="America/New_York")
    # 9 March 2025: clocks go forward, so that day is 23 hours long.
    low, high = DateRange(date(2025, 3, 9), date(2025, 3, 9)).bounds(new_york)
    assert low == datetime(2025, 3, 9, 5, tzinfo=timezone.utc)
    assert high == datetime(2025, 3, 10, 4, tzinfo=timezone.utc)
    low, high = DateRange(date(2025, 1, 1), date(2025, 12, 31)).bounds(SimpleNamespace(timezone="Asia/Tokyo"))
    assert (low, high) == (datetime(2024, 12, 31, 15, tzinfo=timezone.utc), datetime(2025, 12, 31, 15, tzinfo=timezone.utc))
