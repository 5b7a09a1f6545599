"""The ceiling page of ``bench/pages.py``: bare Quart, one asyncpg query, a 25-row Jinja table.

What a page of the portal cannot beat: no tenant, session, plugins or ORM,
just the framework, one query through an asyncpg pool and a template. The
pages benchmark reports every Porchside page's CPU per request as a multiple
of this one's (issue 13 asks for at most 2x).

Served like Porchside (uvicorn, one worker, uvloop, httptools)::

    BENCH_CEILING_DSN=postgresql://... BENCH_CEILING_TENANT=1 \\
        uvicorn bench.ceiling:create_app --factory --loop uvloop --http httptools
"""

from __future__ import annotations

import os

import asyncpg
from quart import Quart, render_template

QUERY = """SELECT number, issued_on, due_on, status, total_minor, paid_minor, currency
           FROM invoice WHERE tenant_id = $1 AND status <> 'draft' ORDER BY id DESC LIMIT 25"""


def money(minor: int, currency: str) -> str:
    return f"{currency} {minor / 100:,.2f}"


def create_app() -> Quart:
    app = Quart(__name__)
    app.add_template_filter(money)
    dsn = os.environ["BENCH_CEILING_DSN"]
    tenant_id = int(os.environ.get("BENCH_CEILING_TENANT", "1"))
    pool: asyncpg.Pool | None = None

    @app.before_serving
    async def open_pool() -> None:
        nonlocal pool
        pool = await asyncpg.create_pool(dsn, min_size=1, max_size=20)

    @app.after_serving
    async def close_pool() -> None:
        if pool is not None:
            await pool.close()

    @app.get("/healthz")
    async def healthz():
        return "ok"

    @app.get("/")
    async def page():
        rows = await pool.fetch(QUERY, tenant_id)
        return await render_template("ceiling.html", rows=rows)

    return app
