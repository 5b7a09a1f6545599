"""The page benchmark's building blocks, in a tiny mode, so ``bench/pages.py`` does not rot.

PostgreSQL only: the benchmark and its generator are PostgreSQL tools. One
test walks what a benchmark run does, small: generate a "big account" and
extra tenants with set-based SQL, sign its customer in through the real
password form over HTTP, count a page's SQL statements with the bench's
counting middleware, and measure the ceiling page with wrk and /proc.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil

import asyncpg
import pytest
import uvicorn

from bench import ceiling, pages, servers, sqlcount
from bench.bigaccount import BIG_EMAIL, EXTRA_TENANT_PREFIX, Sizes, generate
from core.auth.passwords import hash_password

pytestmark = pytest.mark.parametrize("porchside_backend", ["postgres"], indirect=True)

PASSWORD = "bench-pages-password"
SIZES = Sizes(invoices=30, jobs=25, payments=5, extra_tenants=3, quotes=4)


async def _serve(app) -> tuple[uvicorn.Server, asyncio.Task, int]:
    """Serve the started test app over real HTTP on loopback, in this event loop."""
    port = servers.free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            return server, task, port
        await asyncio.sleep(0.02)
    raise AssertionError("uvicorn did not start")


async def test_generated_big_account_signs_in_is_counted_and_measured(app, tenant, porchside_backend):
    conn = await asyncpg.connect(porchside_backend.direct_url.replace("postgres://", "postgresql://", 1))
    try:
        big = await generate(conn, tenant.slug, await hash_password(PASSWORD), SIZES)
        rows = {
            table: await conn.fetchval(f"SELECT count(*) FROM {table} WHERE account_id = $1", big.account_id)
            for table in ("invoice", "job", "payment", "quotes_quote")
        }
        extra = await conn.fetchval(
            "SELECT count(*) FROM tenant AS t JOIN tenant_domain AS d ON d.tenant_id = t.id AND d.is_primary"
            " WHERE t.slug LIKE $1 || '%'", EXTRA_TENANT_PREFIX)
        lines = await conn.fetchval(
            "SELECT count(*) FROM invoice_line AS l JOIN invoice AS i ON i.id = l.invoice_id WHERE i.account_id = $1",
            big.account_id)
    finally:
        await conn.close()
    # More invoices than jobs: one per job plus the rest without a job.
    assert rows == {"invoice": 30, "job": 25, "payment": 5, "quotes_quote": 4}
    assert extra == 3 and lines == 60

    sqlcount.install()
    app.asgi_app = sqlcount.CountingMiddleware(app.asgi_app)
    server, task, port = await _serve(app)
    try:
        host = f"{tenant.slug}.localhost"
        cookie = await asyncio.to_thread(servers.sign_in, port, BIG_EMAIL, PASSWORD, host=host)
        headers = {"Host": host, "Cookie": cookie}
        sql, resets, redis_calls, size = await asyncio.to_thread(pages.counts, port, "/invoices", headers)
        status, body, _ = await asyncio.to_thread(servers.fetch, port, f"/invoices/{big.invoice_public_id}", headers)
        signed_out, _, _ = await asyncio.to_thread(servers.fetch, port, "/invoices", {"Host": host})
        if shutil.which("wrk") is None:
            pytest.skip("wrk is not installed: apt-get install -y wrk")
        figures = await asyncio.to_thread(pages.measure, ThisProcess(port), "/invoices", headers, 2, 1, 0)
    finally:
        server.should_exit = True
        await task
        sqlcount.uninstall()
    # The list shows the generated invoices, and the middleware saw the statements that read them.
    assert sql >= 2 and resets >= 0 and redis_calls >= 1 and size > 1000
    assert status == 200 and re.search(rb"BI-\d+", body)
    assert signed_out in (302, 303)  # signed out: sent to sign in, not shown the account
    assert figures.requests > 0 and figures.errors == 0 and figures.cpu_ms > 0 and figures.p99_ms > 0


async def test_ceiling_page_is_one_query_and_25_rows(app, tenant, porchside_backend, monkeypatch):
    conn = await asyncpg.connect(porchside_backend.direct_url.replace("postgres://", "postgresql://", 1))
    try:
        await generate(conn, tenant.slug, "not-a-hash", Sizes(invoices=30, jobs=30, payments=1, extra_tenants=1, quotes=1))
    finally:
        await conn.close()
    monkeypatch.setenv("BENCH_CEILING_DSN", porchside_backend.direct_url.replace("postgres://", "postgresql://", 1))
    monkeypatch.setenv("BENCH_CEILING_TENANT", str(tenant.id))
    ceiling_app = ceiling.create_app()
    async with ceiling_app.test_app() as started:
        answer = await started.test_client().get("/")
        body = await answer.get_data()
    assert answer.status_code == 200
    assert body.count(b"<tr>") == 26  # the header and 25 of the tenant's invoices
    assert re.search(rb"<td>USD [\d,]+\.\d\d</td>", body)  # money from minor units


class ThisProcess:
    """What ``pages.measure`` needs of a server, for the app served in this test's own process."""

    name = "in-process"

    def __init__(self, port: int) -> None:
        self.port = port

    def cpu_seconds(self) -> float:
        times = os.times()
        return times.user + times.system

    def wait_idle(self) -> None:
        pass
