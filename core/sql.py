"""SQL that Tortoise's query API does not build, in one place (issue 13).

Hot pages sometimes need a statement Tortoise cannot express. Each helper
here starts from Tortoise querysets, so the models' tenant scoping and the
caller's filters (account, status, dates) stay in the parts exactly as the
caller wrote them; only the way the parts are put together is added here:
grouped queries joined by ``UNION ALL`` (:func:`union_all_values`, the
statement's totals), and a row's short lists of children as JSON arrays in
correlated subqueries, read back as typed model instances
(:func:`rows_json`, :func:`rows_from_json`, :func:`job_lists` for the job
page). Tested on SQLite and PostgreSQL in ``tests/test_sql.py``.
"""

from __future__ import annotations

import json
from typing import Any, Sequence

from pypika_tortoise.terms import LiteralValue, Parameterizer
from tortoise.expressions import RawSQL
from tortoise.fields import BooleanField
from tortoise.models import Model
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


def rows_json(child: type[Model], parent: type[Model], where: str, order: Sequence[str]) -> RawSQL:
    """An annotation of ``parent`` rows: its ``child`` rows that ``where`` selects,
    ordered by ``order`` (column names, ``-`` for descending), as one JSON array
    (decode with :func:`rows_from_json`). A correlated subquery: one statement
    loads a row with several short lists of its children.

    ``where`` is SQL over the child as ``c`` and the parent by its table name;
    the child's tenant is the parent's (the parent's query is tenant-scoped).
    """
    meta = child._meta
    parent_table = parent._meta.db_table
    columns = list(meta.fields_db_projection.values())
    pairs = ",".join(f"'{column}',c.\"{column}\"" for column in columns)
    orders = ",".join(f'c."{o.lstrip("-")}" {"DESC" if o.startswith("-") else "ASC"}' for o in order)
    scope = f'c."tenant_id"="{parent_table}"."tenant_id" AND ({where})'
    if meta.db.capabilities.dialect == "postgres":
        return RawSQL(
            f"(SELECT COALESCE(json_agg(json_build_object({pairs}) ORDER BY {orders}),'[]') "
            f'FROM "{meta.db_table}" c WHERE {scope})'
        )
    # SQLite (before 3.44) has no ORDER BY inside an aggregate: it aggregates an ordered subquery.
    return RawSQL(f'(SELECT json_group_array(json_object({pairs})) FROM (SELECT * FROM "{meta.db_table}" c WHERE {scope} ORDER BY {orders}) c)')


def rows_from_json(child: type[Model], text: Any) -> list[Model]:
    """The ``child`` instances of a :func:`rows_json` annotation, typed as a query would give them."""
    meta = child._meta
    rows = json.loads(text) if isinstance(text, (str, bytes)) else (text or [])
    out = []
    for raw in rows:
        values = {}
        for name, column in meta.fields_db_projection.items():
            field, value = meta.fields_map[name], raw.get(column)
            if value is not None:
                value = bool(value) if isinstance(field, BooleanField) else field.to_python_value(value)
            values[column] = value
        out.append(child._init_from_db(**values))
    return out


def job_lists() -> dict[str, RawSQL]:
    """Annotations of a :class:`~core.models.jobs.Job` query: what its customer page
    lists besides the job, as :func:`rows_json` arrays: ``charges`` (in order),
    shared ``notes`` (newest first), shared ``files`` of the job and of its visits
    (oldest first), completed ``visits`` (newest first)."""
    from core.models.jobs import Attachment, Job, JobCharge, Note, Visit

    own = 'c."job_id"="job"."id"'
    of_visits = 'c."visit_id" IN (SELECT v."id" FROM "visit" v WHERE v."tenant_id"="job"."tenant_id" AND v."job_id"="job"."id")'
    return {
        "charges_json": rows_json(JobCharge, Job, own, ("position", "id")),
        "notes_json": rows_json(Note, Job, f'{own} AND c."shared"', ("-created_at", "-id")),
        "files_json": rows_json(Attachment, Job, f'({own} OR {of_visits}) AND c."shared"', ("created_at", "id")),
        "visits_json": rows_json(Visit, Job, f'{own} AND c."completed_at" IS NOT NULL', ("-completed_at", "-id")),
    }
