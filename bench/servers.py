"""Measure ASGI servers on a real Porchside page and print a table.

Builds a throw-away demo (``porchside migrate`` and ``porchside seed-demo``),
then serves the app with each server in turn, one worker, on 127.0.0.1,
signs a demo customer in with their password, and drives their home page
(``GET /`` with ``Host: sunny-pools.localhost`` and the session cookie)
through ``wrk`` for a fixed time. Rounds are interleaved (A B C, A B C, ...)
and the median of the rounds is reported, so noise from other work on the
machine spreads over every server instead of hitting one.

Only loopback is ever contacted and every load run stops after
``--duration`` seconds. See bench/README.md for how to run it.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlencode

from core.auth.current import COOKIE as SESSION_COOKIE
from core.console.access import COOKIE as STAFF_COOKIE
from core.web.security import CSRF_COOKIE, CSRF_FIELD

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PORCHSIDE = str(Path(PYTHON).parent / "porchside")  # the CLI in this virtualenv
HOST_HEADER = "sunny-pools.localhost"
# A demo customer of sunny-pools with one account (see docs/demo.md).
DEMO_EMAIL = "lily.chen@example.com"
DEMO_PASSWORD = "porchside-demo"
PG_ADMIN_URL = os.environ.get("PORCHSIDE_TEST_PG", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("PORCHSIDE_TEST_REDIS", "redis://127.0.0.1:6379/0")

# name -> command line with {port}; one worker process unless the name says otherwise.
SERVERS: dict[str, list[str]] = {
    "uvicorn": [
        PYTHON, "-m", "uvicorn", "core.app:create_app", "--factory",
        "--host", "127.0.0.1", "--port", "{port}", "--workers", "1",
        "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning",
    ],
    "uvicorn-2workers": [
        PYTHON, "-m", "uvicorn", "core.app:create_app", "--factory",
        "--host", "127.0.0.1", "--port", "{port}", "--workers", "2",
        "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning",
    ],
    "hypercorn": [
        PYTHON, "-m", "hypercorn", "core.app:create_app()",
        "--bind", "127.0.0.1:{port}", "--workers", "1", "--log-level", "warning",
    ],
    "hypercorn-uvloop": [
        PYTHON, "-m", "hypercorn", "core.app:create_app()", "--worker-class", "uvloop",
        "--bind", "127.0.0.1:{port}", "--workers", "1", "--log-level", "warning",
    ],
    "granian": [
        PYTHON, "-m", "granian", "--interface", "asgi", "--factory",
        "--host", "127.0.0.1", "--port", "{port}", "--workers", "1",
        "--loop", "uvloop", "--no-access-log", "--log-level", "warning", "core.app:create_app",
    ],
}
DEFAULT_SERVERS = ("uvicorn", "hypercorn", "granian")


@dataclass
class Run:
    """One measured load run of one server."""

    server: str
    round: int
    requests: int
    errors: int
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    cpu_ms: float  # server CPU time (user + system, all its processes) per request
    page_bytes: int


# -- the demo database -------------------------------------------------------


def demo_environment(backend: str, data_dir: Path) -> dict[str, str]:
    """PORCHSIDE_* variables for a fresh, private demo on ``backend``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORCHSIDE_")}
    env.update(
        PORCHSIDE_DATA_DIR=str(data_dir),
        PORCHSIDE_SECRET_KEY=secrets.token_urlsafe(48),
        PORCHSIDE_BASE_DOMAIN="localhost",
        # A PostgreSQL URL implies production, which wants SMTP and https: this is a local demo.
        PORCHSIDE_ENV="development",
        # Every run signs in again, more often than the sign-in limits allow.
        PORCHSIDE_RATE_LIMITS="signin_per_ip=1000000/60,password_per_email=1000000/60",
    )
    if backend == "postgres":
        name = f"porchside_bench_{os.getpid()}"
        env["PORCHSIDE_DATABASE_URL"] = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
        env["PORCHSIDE_REDIS_URL"] = REDIS_URL
        env["PORCHSIDE_REDIS_PREFIX"] = f"porchside-bench-{os.getpid()}"
    return env


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def create_database(env: dict[str, str]) -> None:
    if "PORCHSIDE_REDIS_URL" in env:
        name = env["PORCHSIDE_DATABASE_URL"].rsplit("/", 1)[1]
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))


def drop_database(env: dict[str, str]) -> None:
    """Drop the bench database and its Redis keys (nothing else is touched)."""
    if "PORCHSIDE_REDIS_URL" not in env:
        return
    name = env["PORCHSIDE_DATABASE_URL"].rsplit("/", 1)[1]
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    import redis

    client = redis.Redis.from_url(env["PORCHSIDE_REDIS_URL"])
    keys = list(client.scan_iter(env["PORCHSIDE_REDIS_PREFIX"] + ":*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


def seed(env: dict[str, str]) -> None:
    """Migrate the demo database and seed the demo businesses into it."""
    for command in ("migrate", "seed-demo"):
        done = subprocess.run([PORCHSIDE, command], cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"porchside {command} failed:\n{done.stdout}{done.stderr}")


# -- servers -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(
    port: int, path: str, headers: dict[str, str], method: str = "GET", body: str | None = None
) -> tuple[int, bytes, http.client.HTTPMessage]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read(), response.headers
    finally:
        conn.close()


def _cookie(headers: http.client.HTTPMessage, name: str) -> str | None:
    for header in headers.get_all("Set-Cookie") or []:
        key, _, rest = header.partition("=")
        if key.strip() == name:
            return rest.split(";", 1)[0]
    return None


def sign_in(port: int, email: str, password: str, host: str = HOST_HEADER, console: bool = False) -> str:
    """Sign ``email`` in through the real password form; return the Cookie header to send.

    A customer signs in to the portal of ``host``; with ``console`` a staff
    member signs in to that business's console instead.
    """
    form_path, post_path = ("/console/sign-in", "/console/sign-in") if console else ("/sign-in", "/sign-in/password")
    cookie_name = STAFF_COOKIE if console else SESSION_COOKIE
    status, body, headers = fetch(port, form_path, {"Host": host})
    csrf_cookie = _cookie(headers, CSRF_COOKIE)
    token = re.search(rf'name="{CSRF_FIELD}" value="([^"]+)"', body.decode())
    if status != 200 or csrf_cookie is None or token is None:
        raise RuntimeError(f"GET {form_path} answered {status} without a CSRF cookie and token")
    form = urlencode({"email": email, "password": password, CSRF_FIELD: token.group(1)})
    status, _, headers = fetch(port, post_path, {
        "Host": host,
        "Cookie": f"{CSRF_COOKIE}={csrf_cookie}",
        "Content-Type": "application/x-www-form-urlencoded",
    }, method="POST", body=form)
    session = _cookie(headers, cookie_name)
    if status not in (302, 303) or session is None:
        raise RuntimeError(f"signing {email} in at {host}{post_path} answered {status} without a session cookie")
    return f"{cookie_name}={session}"


class Server:
    """One server process serving the app on a free loopback port."""

    def __init__(self, name: str, env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.port = free_port()
        command = [part.replace("{port}", str(self.port)) for part in SERVERS[name]]
        self.log_path = log_dir / f"{name}.log"
        self.log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log_path}")
            try:
                if fetch(self.port, "/healthz", {"Host": "127.0.0.1"})[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer /healthz within {timeout:.0f} s; see {self.log_path}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def session_cpu_seconds(session_id: int) -> float:
    """CPU time used so far by the live processes of a session (a server and its workers).

    Throughput on a shared machine moves with whatever else runs there; the
    CPU a server spends per request does much less, so both are reported.
    """
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended while we looked
        if int(fields[3]) == session_id:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


# -- load ----------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise ValueError(f"unexpected wrk duration {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(output: str) -> dict[str, float]:
    """Requests, errors, req/s and latency percentiles from ``wrk --latency``."""
    percentiles = dict(re.findall(r"^\s+(50|90|99)(?:\.000)?%\s+(\S+)\s*$", output, re.M))
    latency_max = re.search(r"^\s+Latency\s+\S+\s+\S+\s+(\S+)", output, re.M)
    requests = re.search(r"^\s+(\d+) requests in", output, re.M)
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    if not (requests and rps and latency_max and len(percentiles) == 3):
        raise ValueError("could not read wrk's output:\n" + output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return {
        "requests": int(requests.group(1)),
        "errors": errors,
        "rps": float(rps.group(1)),
        "p50_ms": _ms(percentiles["50"]),
        "p90_ms": _ms(percentiles["90"]),
        "p99_ms": _ms(percentiles["99"]),
        "max_ms": _ms(latency_max.group(1)),
    }


def wrk(port: int, path: str, headers: dict[str, str], connections: int, seconds: int) -> str:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://127.0.0.1:{port}{path}")
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=seconds + 30).stdout


def measure(name: str, round_: int, env: dict[str, str], args: argparse.Namespace, log_dir: Path) -> Run:
    server = Server(name, env, log_dir)
    try:
        server.wait_ready()
        headers = {"Host": HOST_HEADER}
        if args.email:
            headers["Cookie"] = sign_in(server.port, args.email, args.password)
        status, body, _ = fetch(server.port, args.path, headers)
        if status != 200:
            raise RuntimeError(f"{name}: GET {args.path} for {HOST_HEADER} answered {status}, not 200")
        wrk(server.port, args.path, headers, args.connections, args.warmup)
        cpu_before = session_cpu_seconds(server.process.pid)
        result = parse_wrk(wrk(server.port, args.path, headers, args.connections, args.duration))
        cpu = session_cpu_seconds(server.process.pid) - cpu_before
    finally:
        server.stop()
    cpu_ms = 1000 * cpu / max(result["requests"], 1)
    return Run(server=name, round=round_, page_bytes=len(body), cpu_ms=cpu_ms, **result)


# -- report --------------------------------------------------------------------


def table(runs: list[Run], servers: list[str]) -> str:
    """A Markdown table of the median of each server's rounds."""
    median = {
        name: {key: statistics.median(getattr(r, key) for r in runs if r.server == name)
               for key in ("rps", "p50_ms", "p90_ms", "p99_ms", "max_ms", "cpu_ms")}
        for name in servers
    }
    best = max(m["rps"] for m in median.values())
    lines = [
        "| server | req/s (median) | req/s (min-max) | p50 ms | p90 ms | p99 ms | max ms | vs best "
        "| server CPU ms/req | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in sorted(servers, key=lambda n: -median[n]["rps"]):
        mine = [r for r in runs if r.server == name]
        m = median[name]
        lines.append(
            f"| {name} | {m['rps']:.0f} | {min(r.rps for r in mine):.0f}-{max(r.rps for r in mine):.0f} "
            f"| {m['p50_ms']:.1f} | {m['p90_ms']:.1f} | {m['p99_ms']:.1f} | {m['max_ms']:.0f} "
            f"| {m['rps'] / best:.2f}x | {m['cpu_ms']:.2f} | {sum(r.errors for r in mine)} |"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="postgres",
                        help="database of the demo; postgres also uses Redis for the cache (default: postgres)")
    parser.add_argument("--servers", default=",".join(DEFAULT_SERVERS),
                        help=f"comma-separated, from: {', '.join(SERVERS)} (default: %(default)s)")
    parser.add_argument("--path", default="/", help="page to load (default: %(default)s)")
    parser.add_argument("--email", default=DEMO_EMAIL,
                        help="demo customer to sign in as; '' to load the page signed out (default: %(default)s)")
    parser.add_argument("--password", default=DEMO_PASSWORD, help="their password (default: the demo's)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections (default: %(default)s)")
    parser.add_argument("--duration", type=int, default=15, help="seconds per measured run (default: %(default)s)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of unmeasured load first (default: %(default)s)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per server (default: %(default)s)")
    parser.add_argument("--json", type=Path, help="also write every run to this file")
    args = parser.parse_args(argv)
    args.servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    unknown = [s for s in args.servers if s not in SERVERS]
    if unknown:
        parser.error(f"unknown server(s): {', '.join(unknown)}")
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed: apt-get install wrk")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="porchside-bench-"))
    env = demo_environment(args.backend, work / "data")
    runs: list[Run] = []
    create_database(env)
    try:
        seed(env)
        print(f"demo seeded on {args.backend}; server logs in {work}", flush=True)
        print("load average (1, 5, 15 min) at the start: " + ", ".join(f"{n:.2f}" for n in os.getloadavg()))
        for round_ in range(1, args.rounds + 1):
            for name in args.servers:
                run = measure(name, round_, env, args, work)
                runs.append(run)
                print(f"round {round_} {name:>16}: {run.rps:8.0f} req/s  p50 {run.p50_ms:6.1f} ms  "
                      f"p99 {run.p99_ms:6.1f} ms  cpu {run.cpu_ms:5.2f} ms/req  errors {run.errors}", flush=True)
    finally:
        drop_database(env)
    print()
    print("load average (1, 5, 15 min) at the end: " + ", ".join(f"{n:.2f}" for n in os.getloadavg()))
    viewer = f"signed in as {args.email}" if args.email else "signed out"
    print(f"GET {args.path} (Host {HOST_HEADER}, {viewer}, {runs[0].page_bytes} bytes), {args.backend}, "
          f"1 worker, wrk -t1 -c{args.connections} -d{args.duration}s, {args.rounds} rounds, "
          f"{os.cpu_count()} CPUs")
    print(table(runs, args.servers))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in runs], indent=2))
    if any(r.errors for r in runs):
        print("some requests failed: the figures above are not valid", file=sys.stderr)
        return 1
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
