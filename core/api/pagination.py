"""Cursor pagination: ``limit`` (default 20, at most 100), ``after``, ``has_more``.

Keyset on the primary key, ascending: a page never repeats or skips a row
when rows are added meanwhile, and the cost of page 500 is that of page 1.
The cursor a client sends as ``after`` is the public id of the last object
it received (as Stripe's ``starting_after``), so it is opaque and never
reveals the sequential key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.queryset import QuerySet

from core.api.errors import ApiError

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    has_more: bool


def read_limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise ApiError(400, "invalid_parameter", f"limit must be a whole number from 1 to {MAX_LIMIT}.", param="limit")
    return int(raw)


async def paginate(query: QuerySet, model: type, limit: int, after: str | None) -> Page:
    """One page of ``query`` after the object whose public id is ``after``."""
    if after:
        anchor = await model.filter(public_id=after).values_list("id", flat=True)
        if not anchor:
            raise ApiError(
                400, "invalid_cursor",
                "after must be the id of an object of this list (the last one you received).", param="after",
            )
        query = query.filter(id__gt=anchor[0])
    rows = list(await query.order_by("id").limit(limit + 1))
    return Page(rows=rows[:limit], has_more=len(rows) > limit)
