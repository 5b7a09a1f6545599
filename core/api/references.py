"""Objects a request body names by public id (``"customer": "acct_..."``), read in the current tenant.

An id that is unknown or another business's is a 422 naming the field, so
an integrator sees which reference is wrong.
"""

from __future__ import annotations

from typing import Any

from core.api.errors import ApiError


async def referenced(model: type, public_id: str, param: str, noun: str, query: Any = None) -> Any:
    """The ``model`` row with ``public_id`` (tenant-scoped), or 422 ``validation_failed`` on ``param``."""
    row = await (query if query is not None else model.all()).filter(public_id=public_id).first()
    if row is None:
        raise ApiError(422, "validation_failed", f"No {noun} has the id {public_id!r}.", param=param)
    return row


async def public_ids(model: type, ids: set[int | None]) -> dict[int, str]:
    """``{primary key: public id}`` of the ``model`` rows in ``ids`` (one query; None ignored)."""
    wanted = {i for i in ids if i is not None}
    return dict(await model.filter(id__in=wanted).values_list("id", "public_id")) if wanted else {}
