"""Measure Porchside's signed-in pages against a bare Quart page and print tables (issue 13).

Builds a throw-away PostgreSQL database and Redis prefix (``porchside
migrate``, ``porchside seed-demo``), adds a generated big account and
10,000 extra businesses (``bench/bigaccount.py``), then serves, side by
side on 127.0.0.1:

* the ceiling: ``bench/ceiling.py``, bare Quart with one asyncpg query and
  a 25-row Jinja table, under uvicorn (one worker, uvloop, httptools);
* Porchside: ``porchside serve`` (uvicorn, one worker, uvloop and httptools
  when installed, as in production);
* Porchside wrapped by ``bench/sqlcount.py`` (unmeasured), which counts
  each page's SQL statements, pool resets and Redis round trips.

It signs a small demo customer, the big account's customer and the owners
of both demo businesses in through the real password forms, then, in
interleaved rounds (the ceiling, every page of one account, the ceiling,
every page of the other), drives each page with ``wrk`` and reads the
server's CPU time from /proc. Last, Porchside with two workers takes every
page at 64 connections for the tail latency. Only loopback is contacted
and every load stops after its duration. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import html
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import servers  # noqa: E402
from bench.bigaccount import BIG_EMAIL, BigAccount, Sizes, generate  # noqa: E402

PYTHON = servers.PYTHON
UVICORN_OPTIONS = ["--host", "127.0.0.1", "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning"]
PASSWORD = servers.DEMO_PASSWORD

# (key, label, path template, who): who is "customer" or "staff".
PAGES: list[tuple[str, str, str, str]] = [
    ("home", "home", "/", "customer"),
    ("jobs", "work history", "/jobs", "customer"),
    ("invoices", "invoices, page 1", "/invoices", "customer"),
    ("invoices-deep", "invoices, deep page", "{deep_path}", "customer"),
    ("job", "one job", "/jobs/{job}", "customer"),
    ("invoice", "one invoice", "/invoices/{invoice}", "customer"),
    ("statement", "statement", "/statement", "customer"),
    ("service-history", "service history", "/service-history", "customer"),
    ("quotes", "quotes", "/quotes", "customer"),
    ("console-invoices", "console: invoices list", "/console/invoices/", "staff"),
]


@dataclass
class Account:
    """Who is signed in for one set of pages, and what their pages are."""

    name: str  # "small" or "big"
    host: str  # the customer's business
    customer: str
    staff_host: str  # the business whose console list is measured
    staff: str
    job: str = ""
    invoice: str = ""
    deep_page: int = 1
    deep_path: str = ""  # how a customer reaches page deep_page: the previous page's "next" link
    invoices: int = 0  # invoices the customer sees
    customer_cookie: str = ""
    staff_cookie: str = ""

    def request(self, page: tuple[str, str, str, str]) -> tuple[str, dict[str, str]]:
        key, _, template, who = page
        path = template.format(job=self.job, invoice=self.invoice, deep_path=self.deep_path or f"/invoices?page={self.deep_page}")
        if who == "staff":
            return path, {"Host": self.staff_host, "Cookie": self.staff_cookie}
        return path, {"Host": self.host, "Cookie": self.customer_cookie}


@dataclass
class Figures:
    """One measured load run."""

    requests: int
    errors: int
    rps: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float  # server CPU (user + system of all its processes) per completed request


@dataclass
class Result:
    """Everything measured for one page of one account."""

    page: str
    account: str
    path: str
    sql: int = -1
    resets: int = -1
    redis: int = -1
    bytes: int = 0
    statements: list[str] = field(default_factory=list)
    runs: list[Figures] = field(default_factory=list)
    at64: Figures | None = None

    def median(self, key: str) -> float:
        return statistics.median(getattr(run, key) for run in self.runs)


# -- processes ------------------------------------------------------------------


class Process(servers.Server):
    """A server process from an explicit command line, in a session of its own (for /proc CPU)."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.port = servers.free_port()
        self.log_path = log_dir / f"{name}.log"
        self.log = self.log_path.open("ab")
        command = [part.replace("{port}", str(self.port)) for part in command]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def cpu_seconds(self) -> float:
        return servers.session_cpu_seconds(self.process.pid)

    def wait_idle(self, limit: float = 10.0) -> None:
        """Wait until the server stops using CPU (the previous load's requests are done)."""
        deadline = time.monotonic() + limit
        before = self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(0.25)
            now = self.cpu_seconds()
            if now - before < 0.02:
                return
            before = now


def ceiling_server(env: dict[str, str], tenant_id: int, log_dir: Path, workers: int = 1) -> Process:
    env = {**env, "BENCH_CEILING_DSN": env["PORCHSIDE_DATABASE_URL"].replace("postgres://", "postgresql://", 1),
           "BENCH_CEILING_TENANT": str(tenant_id)}
    command = [PYTHON, "-m", "uvicorn", "bench.ceiling:create_app", "--factory", "--port", "{port}",
               "--workers", str(workers), *UVICORN_OPTIONS]
    return Process(f"ceiling-{workers}w", command, env, log_dir)


def porchside_server(env: dict[str, str], log_dir: Path, workers: int = 1) -> Process:
    command = [servers.PORCHSIDE, "serve", "--host", "127.0.0.1", "--port", "{port}", "--workers", str(workers)]
    return Process(f"porchside-{workers}w", command, env, log_dir)


def counting_server(env: dict[str, str], log_dir: Path) -> Process:
    env = {**env, "BENCH_SQL_LOG": str(log_dir / "sql.jsonl")}
    command = [PYTHON, "-m", "uvicorn", "bench.sqlcount:create_app", "--factory", "--port", "{port}",
               "--workers", "1", *UVICORN_OPTIONS]
    return Process("sqlcount", command, env, log_dir)


# -- measuring ------------------------------------------------------------------


def load(port: int, path: str, headers: dict[str, str], connections: int, seconds: float) -> dict[str, float]:
    """``wrk`` for ``seconds`` at ``connections`` connections; its figures (a slow page may take 30 s to answer)."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "30s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://127.0.0.1:{port}{path}")
    output = subprocess.run(command, check=True, capture_output=True, text=True, timeout=seconds + 60).stdout
    return servers.parse_wrk(output)


def measure(server: Process, path: str, headers: dict[str, str], connections: int, seconds: int, warmup: int) -> Figures:
    """Load ``path`` unmeasured for ``warmup`` s, then measured for ``seconds``: wrk's figures and server CPU.

    CPU is read just before and after the measured run, after the server
    went idle, so the warm-up's requests are not counted. Requests still in
    flight when wrk stops cost CPU without being counted, which overstates
    a page that completes few requests; the table marks such runs.
    """
    if warmup:
        server.wait_idle()
        load(server.port, path, headers, connections, warmup)
    server.wait_idle()
    before = server.cpu_seconds()
    figures = load(server.port, path, headers, connections, seconds)
    cpu = server.cpu_seconds() - before
    return Figures(
        requests=int(figures["requests"]), errors=int(figures["errors"]), rps=figures["rps"],
        p50_ms=figures["p50_ms"], p99_ms=figures["p99_ms"], cpu_ms=1000 * cpu / max(figures["requests"], 1),
    )


def counts(port: int, path: str, headers: dict[str, str], repeat: int = 3) -> tuple[int, int, int, int]:
    """SQL statements, pool resets, Redis round trips and bytes of ``path`` on a warm cache (the last of ``repeat``)."""
    for _ in range(repeat):
        status, body, answer = servers.fetch(port, path, headers)
        if status != 200:
            raise RuntimeError(f"GET {path} for {headers['Host']} answered {status}, not 200")
    return int(answer["x-bench-sql"]), int(answer["x-bench-resets"]), int(answer["x-bench-redis"]), len(body)


def warm_up(server: Process, accounts: list[Account], pages: list[tuple[str, str, str, str]], times: int = 3) -> None:
    """Load every page a few times, one at a time: templates compiled, caches filled (every worker, likely)."""
    for account in accounts:
        for page in pages:
            path, headers = account.request(page)
            for _ in range(times):
                status, _, _ = servers.fetch(server.port, path, headers)
                if status != 200:
                    raise RuntimeError(f"{server.name}: GET {path} for {headers['Host']} answered {status}, not 200")


def last_statements(log_path: Path) -> list[str]:
    lines = log_path.read_text().splitlines() if log_path.exists() else []
    return json.loads(lines[-1])["sql"] if lines else []


# -- the data -------------------------------------------------------------------


async def _prepare_accounts(database_url: str, sizes: Sizes) -> tuple[Account, Account, int, BigAccount]:
    import asyncpg

    from core.auth.passwords import hash_password

    conn = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    try:
        big = await generate(conn, "sunny-pools", await hash_password(PASSWORD), sizes)
        # The small console list is the plumber's (a few dozen invoices), the big one Sunny Pools' (20,000 more).
        small = Account("small", "sunny-pools.localhost", servers.DEMO_EMAIL, "pipeworks.localhost", "owen@pipeworks.example")
        row = await conn.fetchrow(
            """SELECT a.id FROM customer_account AS a JOIN contact AS c ON c.account_id = a.id
               JOIN contact_email AS e ON e.contact_id = c.id WHERE e.email = $1 AND a.tenant_id = $2 LIMIT 1""",
            servers.DEMO_EMAIL, big.tenant_id,
        )
        accounts = []
        for account, account_id in ((small, row["id"]), (Account("big", "sunny-pools.localhost", BIG_EMAIL, "sunny-pools.localhost", "maria@sunny-pools.example"), big.account_id)):
            account.job = await conn.fetchval(
                """SELECT j.public_id FROM job AS j LEFT JOIN invoice AS i ON i.job_id = j.id
                   WHERE j.account_id = $1 AND j.status = 'completed'
                   ORDER BY (i.id IS NULL), j.scheduled_start DESC LIMIT 1""", account_id)
            account.invoice = await conn.fetchval(
                """SELECT public_id FROM invoice WHERE account_id = $1 AND status <> 'draft'
                   ORDER BY (status = 'open') DESC, issued_on DESC, id DESC LIMIT 1""", account_id)
            account.invoices = await conn.fetchval(
                "SELECT count(*) FROM invoice WHERE account_id = $1 AND status <> 'draft'", account_id)
            # The middle page of the list: far enough for OFFSET to cost what it costs.
            account.deep_page = max(1, -(-account.invoices // 20) // 2)
            accounts.append(account)
        return accounts[0], accounts[1], big.tenant_id, big
    finally:
        await conn.close()


def sign_in_everyone(port: int, accounts: list[Account]) -> None:
    for account in accounts:
        account.customer_cookie = servers.sign_in(port, account.customer, PASSWORD, host=account.host)
        account.staff_cookie = servers.sign_in(port, account.staff, PASSWORD, host=account.staff_host, console=True)
        account.deep_path = deep_link(port, account)


def deep_link(port: int, account: Account) -> str:
    """The link a customer follows to the deep page: the "next" link of the page before it.

    On a list with keyset pages that is ``?after=<the last row's id>``;
    where the list offers no cursor, the page number itself.
    """
    by_number = f"/invoices?page={account.deep_page}"
    if account.deep_page < 2:
        return by_number
    status, body, _ = servers.fetch(port, f"/invoices?page={account.deep_page - 1}",
                                    {"Host": account.host, "Cookie": account.customer_cookie})
    if status != 200:
        raise RuntimeError(f"GET /invoices?page={account.deep_page - 1} answered {status}")
    for href in re.findall(r'href="([^"]+)"', body.decode()):
        href = html.unescape(href)
        if urlsplit(href).path == "/invoices" and "after" in parse_qs(urlsplit(href).query):
            return urlsplit(href)._replace(scheme="", netloc="").geturl()
    return by_number


# -- report ---------------------------------------------------------------------


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({model or platform.processor()}), Python {platform.python_version()}, {platform.system()} {platform.release()}"


def commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        return head + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def tables(results: list[Result], ceiling: list[Figures], ceiling64: Figures | None, connections: int) -> str:
    ceiling_cpu = statistics.median(run.cpu_ms for run in ceiling)
    ceiling_rps = statistics.median(run.rps for run in ceiling)
    lines = [
        f"Ceiling (bare Quart + asyncpg + 25-row Jinja table): {ceiling_cpu:.2f} ms CPU/request, {ceiling_rps:.0f} req/s "
        f"at {connections} connections (median of {len(ceiling)} runs)",
        "",
        f"| page | account | CPU ms/req | x ceiling | req/s | p50 ms | p99 ms | SQL | resets | Redis | KB | p99 ms @64, 2 workers |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        if not r.runs:
            continue
        few = " *" if min(run.requests for run in r.runs) < 10 * connections else ""
        errors = sum(run.errors for run in r.runs)
        at64 = "-" if r.at64 is None else f"{r.at64.p99_ms:.0f}" if r.at64.requests else "none answered"
        if r.at64 is not None and r.at64.errors:
            at64 += f" ({r.at64.errors} errors)"
        lines.append(
            f"| {r.page} | {r.account} | {r.median('cpu_ms'):.2f}{few} | {r.median('cpu_ms') / ceiling_cpu:.1f} "
            f"| {r.median('rps'):.0f} | {r.median('p50_ms'):.1f} | {r.median('p99_ms'):.1f}"
            + (f" ({errors} errors)" if errors else "")
            + f" | {r.sql} | {r.resets} | {r.redis} | {r.bytes / 1024:.0f} | {at64} |"
        )
    if ceiling64 is not None:
        lines.append(f"| ceiling | - | {ceiling_cpu:.2f} | 1.0 | {ceiling_rps:.0f} | - | - | 1 | - | 0 | - | {ceiling64.p99_ms:.0f} |")
    lines += [
        "",
        f"CPU ms/req, req/s, p50 and p99: medians over the rounds at {connections} connections, one worker. "
        "SQL: statements of one request on a warm cache, resets: asyncpg pool resets (one per connection "
        "acquisition), Redis: round trips. * = fewer than 10 requests per connection completed, so the "
        "CPU figure is overstated by the requests still in flight.",
    ]
    return "\n".join(lines)


# -- main -----------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 round of 3 s per page, 5 s at 64 connections")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds (default: %(default)s)")
    parser.add_argument("--duration", type=int, default=8, help="measured seconds per page and round (default: %(default)s)")
    parser.add_argument("--warmup", type=int, default=0,
                        help="unmeasured seconds of wrk before each run, on top of loading every page a few times first (default: %(default)s)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections for the CPU runs (default: %(default)s)")
    parser.add_argument("--duration64", type=int, default=10, help="seconds per page at 64 connections, 2 workers; 0 skips (default: %(default)s)")
    parser.add_argument("--pages", default="", help=f"comma-separated subset of: {', '.join(p[0] for p in PAGES)}")
    parser.add_argument("--accounts", default="small,big", help="small, big or both (default: %(default)s)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the generated sizes (default 1: 20,000 invoices and jobs, 5,000 payments, 10,000 tenants)")
    parser.add_argument("--show-sql", action="store_true", help="print each page's SQL statements")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.duration, args.duration64 = 1, 3, min(args.duration64, 5)
    known = {p[0] for p in PAGES}
    wanted = [p.strip() for p in args.pages.split(",") if p.strip()]
    if unknown := [p for p in wanted if p not in known]:
        parser.error(f"unknown page(s): {', '.join(unknown)}")
    args.pages = [p for p in PAGES if not wanted or p[0] in wanted]
    args.accounts = [a.strip() for a in args.accounts.split(",") if a.strip()]
    if not args.accounts or set(args.accounts) - {"small", "big"}:
        parser.error("--accounts takes small, big or small,big")
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed: apt-get install wrk")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = datetime.datetime.now(datetime.timezone.utc)
    work = Path(tempfile.mkdtemp(prefix="porchside-bench-pages-"))
    env = servers.demo_environment("postgres", work / "data")
    env["PORCHSIDE_REDIS_PREFIX"] = f"porchside-bench-pages-{os.getpid()}"
    # The code of the tree this file is in, also when it is a worktree of another commit (see README).
    # Example plugins installed in development mode come from the same tree too.
    examples = [str(path.parent) for path in sorted(ROOT.glob("examples/*/pyproject.toml"))]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(ROOT), *examples, os.environ.get("PYTHONPATH"))))
    sizes = Sizes().scaled(args.scale)
    running: list[Process] = []
    results: list[Result] = []
    ceiling_runs: list[Figures] = []
    ceiling64: Figures | None = None

    def start(process: Process) -> Process:
        running.append(process)
        process.wait_ready(timeout=90)
        return process

    def stop(process: Process) -> None:
        process.stop()
        running.remove(process)

    servers.create_database(env)
    try:
        step = time.monotonic()
        servers.seed(env)
        small, big, tenant_id, _ = asyncio.run(_prepare_accounts(env["PORCHSIDE_DATABASE_URL"], sizes))
        accounts = [a for a in (small, big) if a.name in args.accounts]
        print(f"demo seeded and {sizes} generated in {time.monotonic() - step:.0f} s; logs in {work}", flush=True)

        ceiling = start(ceiling_server(env, tenant_id, work))
        porchside = start(porchside_server(env, work))
        counter = start(counting_server(env, work))
        sign_in_everyone(porchside.port, accounts)
        for account in accounts:
            for page in args.pages:
                path, headers = account.request(page)
                result = Result(page[1], account.name, path)
                result.sql, result.resets, result.redis, result.bytes = counts(counter.port, path, headers)
                result.statements = last_statements(work / "sql.jsonl")
                results.append(result)
                print(f"{account.name:>5} {page[1]:<24} {result.sql:3} SQL {result.resets:3} resets "
                      f"{result.redis:3} Redis {result.bytes / 1024:6.0f} KB  {path}", flush=True)
                if args.show_sql:
                    for statement in result.statements:
                        print("        " + statement[:300])
        stop(counter)
        warm_up(porchside, accounts, args.pages)
        for _ in range(3):
            servers.fetch(ceiling.port, "/", {"Host": "127.0.0.1"})

        print("load average (1, 5, 15 min) at the start: " + ", ".join(f"{n:.2f}" for n in os.getloadavg()), flush=True)
        for round_ in range(1, args.rounds + 1):
            order = accounts if round_ % 2 else accounts[::-1]
            for account in order:
                run = measure(ceiling, "/", {"Host": "127.0.0.1"}, args.connections, args.duration, args.warmup)
                ceiling_runs.append(run)
                print(f"round {round_} ceiling{'':<23} {run.cpu_ms:7.2f} ms CPU/req {run.rps:6.0f} req/s p99 {run.p99_ms:7.1f} ms", flush=True)
                for page in args.pages:
                    path, headers = account.request(page)
                    result = next(r for r in results if r.page == page[1] and r.account == account.name)
                    run = measure(porchside, path, headers, args.connections, args.duration, args.warmup)
                    result.runs.append(run)
                    print(f"round {round_} {account.name:>5} {page[1]:<24} {run.cpu_ms:7.2f} ms CPU/req {run.rps:6.0f} req/s "
                          f"p99 {run.p99_ms:7.1f} ms  errors {run.errors}", flush=True)
        stop(porchside)
        stop(ceiling)

        if args.duration64:
            ceiling2 = start(ceiling_server(env, tenant_id, work, workers=2))
            for _ in range(6):
                servers.fetch(ceiling2.port, "/", {"Host": "127.0.0.1"})
            ceiling64 = measure(ceiling2, "/", {"Host": "127.0.0.1"}, 64, args.duration64, 0)
            stop(ceiling2)
            print(f"64 connections, 2 workers: ceiling p99 {ceiling64.p99_ms:.0f} ms", flush=True)
            porchside2 = start(porchside_server(env, work, workers=2))
            warm_up(porchside2, accounts, args.pages, times=6)
            for account in accounts:
                for page in args.pages:
                    path, headers = account.request(page)
                    result = next(r for r in results if r.page == page[1] and r.account == account.name)
                    result.at64 = measure(porchside2, path, headers, 64, args.duration64, 0)
                    print(f"64 connections, 2 workers: {account.name:>5} {page[1]:<24} {result.at64.rps:6.0f} req/s "
                          f"p99 {result.at64.p99_ms:7.1f} ms  errors {result.at64.errors}", flush=True)
            stop(porchside2)
    finally:
        for process in list(running):
            process.stop()
        servers.drop_database(env)

    print()
    print("load average (1, 5, 15 min) at the end: " + ", ".join(f"{n:.2f}" for n in os.getloadavg()))
    print(f"{started:%Y-%m-%d %H:%M} UTC, commit {commit()}, {machine()}")
    print(f"PostgreSQL + Redis, demo data + {sizes.invoices:,} invoices, {sizes.jobs:,} jobs, {sizes.payments:,} payments "
          f"on the big account ({big.invoices:,} invoices visible) and {sizes.extra_tenants:,} extra tenants; "
          f"wrk -t1 -c{args.connections}, {args.rounds} rounds of {args.duration} s")
    print()
    print(tables(results, ceiling_runs, ceiling64, args.connections))
    if args.json:
        args.json.write_text(json.dumps({"ceiling": [asdict(r) for r in ceiling_runs],
                                         "ceiling64": asdict(ceiling64) if ceiling64 else None,
                                         "pages": [asdict(r) for r in results]}, indent=2))
    shutil.rmtree(work, ignore_errors=True)
    failed = any(run.errors for r in results for run in r.runs)
    if failed:
        print("some requests failed: those figures are not valid", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
