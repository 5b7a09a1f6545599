"""SQL that Tortoise's query API does not build, in one place (issue 13).

Hot pages sometimes need a statement Tortoise cannot express. Each helper
here starts from Tortoise querysets, so the models' tenant scoping and the
caller's filters (account, status, dates) stay in the parts exactly as the
caller wrote them; only the way the parts are put together is added here.
Tested on SQLite and PostgreSQL in ``tests/test_sql.py``.
"""

from __future__ import annotations

from typing import Any

from pypika_tortoise.terms import LiteralValue, Parameterizer
from tortoise.queryset import ValuesQuery

# The column that tells which query a row of a union came from.
PART = "union_part"


async def union_all_values(*queries: ValuesQuery) -> list[tuple[int, dict[str, Any]]]:
    """The rows of several ``.values(...)`` queries in one statement (``UNION ALL``),
    each as ``(index of its query, row)``.

    The queries must select the same number of columns, named alike, in the same
    order, and hold no ORDER BY or LIMIT of their own (SQLite allows none inside
    a compound SELECT). Values come as the driver returns them, without
    Tortoise's conversion: sums may be ``Decimal`` on PostgreSQL, so callers
    convert (``int(value or 0)``). The querysets are used up.
    """
    if not queries:
        return []
    built = []
    for n, query in enumerate(queries):
        query._choose_db_if_not_chosen()
        query._make_query()
        query.query._select_other(LiteralValue(str(n)).as_(PART))
        built.append(query.query)
    ctx = built[0].QUERY_CLS.SQL_CONTEXT  # the database's dialect: $1, $2... on PostgreSQL
    if not ctx.parameterizer:
        ctx = ctx.copy(parameterizer=Parameterizer())  # one numbering over every part
    # Each part in the dialect's own context, joined here: pypika's set operation
    # renders its parts without the dialect (placeholders would all be "?").
    sql = " UNION ALL ".join(part.get_sql(ctx) for part in built)
    rows = await queries[0]._db.execute_query_dict(sql, ctx.parameterizer.values)
    out = []
    for row in rows:
        row = dict(row)
        out.append((int(row.pop(PART)), row))
    return out
