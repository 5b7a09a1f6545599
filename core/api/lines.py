"""Priced lines written through the API: a job's charges and an invoice's lines.

A body sends the whole list; :func:`sync_lines` makes the stored rows match
it, updating rows in place and leaving identical ones untouched, so an
upsert repeated by a nightly sync changes nothing. Amounts are computed
here (quantity in thousandths times the unit price, in minor units), never
taken from the client.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from core.api.fields import text
from core.api.resources import ApiModel
from core.money import line_amount

MAX_LINES = 200
Description = text(300, required=True)


class LineIn(ApiModel):
    description: Description  # type: ignore[valid-type]
    quantity_milli: int = Field(default=1000, ge=1, le=1_000_000_000, description="Quantity in thousandths (1500 is 1.5).")
    unit_price_minor: int = Field(ge=-10**12, le=10**12, description="Price of one unit in minor units.")


class LineOut(ApiModel):
    id: str
    description: str
    quantity_milli: int
    unit_price_minor: int
    amount_minor: int = Field(description="quantity_milli x unit_price_minor / 1000, rounded half away from zero.")


def line_out(row: Any) -> dict[str, Any]:
    return {
        "id": row.public_id, "description": row.description, "quantity_milli": row.quantity_milli,
        "unit_price_minor": row.unit_price_minor, "amount_minor": row.amount_minor,
    }


def _values(item: LineIn, position: int) -> dict[str, Any]:
    return {
        "description": item.description, "quantity_milli": item.quantity_milli, "unit_price_minor": item.unit_price_minor,
        "amount_minor": line_amount(item.quantity_milli, item.unit_price_minor), "position": position,
    }


def lines_differ(existing: list[Any], wanted: list[LineIn]) -> bool:
    """Whether writing ``wanted`` would change ``existing`` (ordered rows)."""
    if len(existing) != len(wanted):
        return True
    return any(
        any(getattr(row, k) != v for k, v in _values(item, n).items()) for n, (row, item) in enumerate(zip(existing, wanted))
    )


async def sync_lines(model: type, existing: list[Any], wanted: list[LineIn], **owner: Any) -> bool:
    """Make ``existing`` (ordered rows of ``model``) equal ``wanted``; True if anything changed."""
    changed = False
    for n, item in enumerate(wanted):
        values = _values(item, n)
        if n < len(existing):
            row = existing[n]
            if any(getattr(row, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(row, k, v)
                await row.save(update_fields=list(values))
                changed = True
        else:
            await model.create(**owner, **values)
            changed = True
    for row in existing[len(wanted):]:
        await row.delete()
        changed = True
    return changed
