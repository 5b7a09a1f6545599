"""Numbers people read (account C-1001, job J-2301, invoice INV-5101), unique per tenant.

A new number continues the business's own sequence: the last row's number
with its trailing digits plus one, zero-padding kept (``INV-0871`` ->
``INV-0872``), so imported or demo numbering carries on. A tenant without
rows starts at ``<prefix>1001``; after a number without trailing digits
(``SPECIAL``) the count of rows picks up the ``<prefix>`` sequence.
Two requests may pick the same number at once; the table's unique index
refuses the second, and :func:`create_numbered` tries the next number.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from tortoise.exceptions import IntegrityError

from core.models.base import TenantModel

M = TypeVar("M", bound=TenantModel)

FIRST = 1001
_TRAILING_DIGITS = re.compile(r"^(.*?)(\d+)$")
_ATTEMPTS = 5
_SKIPS = 100


def following(number: str) -> str | None:
    """The number after ``number`` (``J-099`` -> ``J-100``), or None without trailing digits."""
    match = _TRAILING_DIGITS.match(number or "")
    if match is None:
        return None
    prefix, digits = match.groups()
    return f"{prefix}{int(digits) + 1:0{len(digits)}d}"


async def next_number(model: type[TenantModel], prefix: str) -> str:
    """The next free number of ``model`` in the current tenant."""
    last = await model.all().order_by("-id").limit(1).values_list("number", flat=True)
    candidate = following(last[0]) if last else None
    if candidate is None:
        candidate = f"{prefix}{FIRST + await model.all().count()}"
    for _ in range(_SKIPS):
        if not await model.filter(number=candidate).exists():
            return candidate
        candidate = following(candidate) or candidate
    raise RuntimeError(f"no free {model.__name__} number near {candidate}")


async def number_taken(model: type[TenantModel], number: str, *, exclude_id: int | None = None) -> bool:
    query = model.filter(number=number)
    if exclude_id is not None:
        query = query.exclude(id=exclude_id)
    return await query.exists()


async def create_numbered(model: type[M], prefix: str, **fields: Any) -> M:
    """Create a row of ``model`` with the next free ``number`` (retrying a lost race)."""
    for attempt in range(_ATTEMPTS):
        number = await next_number(model, prefix)
        try:
            return await model.create(number=number, **fields)
        except IntegrityError:
            if attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")
