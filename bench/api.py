"""Measure the integration API's list and upsert throughput on a real uvicorn and PostgreSQL.

Builds a throw-away demo like ``bench/servers.py`` (a private PostgreSQL
database and Redis prefix, ``porchside migrate`` and ``seed-demo``), creates
an API client with ``porchside api-client create``, serves the app with
uvicorn (one worker, uvloop, httptools) on 127.0.0.1, gets a token from
``/oauth/token``, upserts ``--customers`` customers by external id, then
drives each scenario with ``wrk`` for ``--duration`` seconds:

* ``list``: ``GET /api/v1/customers?limit=100`` (a full page of 100);
* ``upsert-same``: ``PUT /api/v1/customers/by-external-id/<id>`` with the
  body they already have, cycling through the ids (a nightly sync that
  finds nothing changed: 200, no write);
* ``upsert-changed``: the same with a new phone number each time (a real
  update, audited).

Prints req/s, latency and the server's CPU milliseconds per request (all
its processes, from /proc), then drops the database and its Redis keys.
Only loopback is contacted. See bench/README.md.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import servers  # noqa: E402  (bench/servers.py: the demo, server and wrk helpers)

SLUG = "sunny-pools"
SCOPES = "customers:read,customers:write"
LUA = """
counter = 0
request = function()
  counter = counter + 1
  local i = counter % {n}
  local phone = {phone}
  local body = string.format('{{"name": "Bench customer %d", "phone": "%s"}}', i, phone)
  return wrk.format("PUT", "/api/v1/customers/by-external-id/bench-" .. i, nil, body)
end
"""


def create_client(env: dict[str, str]) -> tuple[str, str]:
    done = subprocess.run([servers.PORCHSIDE, "api-client", "create", SLUG, "Bench", "--scope", SCOPES], cwd=servers.ROOT, env=env, capture_output=True, text=True)
    client_id = re.search(r"client id:\s+(\S+)", done.stdout)
    secret = re.search(r"client secret:\s+(\S+)", done.stdout)
    if done.returncode != 0 or not (client_id and secret):
        raise RuntimeError(f"porchside api-client create failed:\n{done.stdout}{done.stderr}")
    return client_id.group(1), secret.group(1)


def token(port: int, client_id: str, secret: str) -> str:
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    status, body, _ = servers.fetch(port, "/oauth/token", {
        "Host": servers.HOST_HEADER, "Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded",
    }, method="POST", body="grant_type=client_credentials")
    if status != 200:
        raise RuntimeError(f"/oauth/token answered {status}: {body[:300]!r}")
    return json.loads(body)["access_token"]


def upsert_customers(port: int, headers: dict[str, str], count: int) -> None:
    for i in range(count):
        body = json.dumps({"name": f"Bench customer {i}", "phone": "555-0100"})
        status, answer, _ = servers.fetch(port, f"/api/v1/customers/by-external-id/bench-{i}", {**headers, "Content-Type": "application/json"}, method="PUT", body=body)
        if status not in (200, 201):
            raise RuntimeError(f"upsert answered {status}: {answer[:300]!r}")


def load(server: servers.Server, scenario: str, headers: dict[str, str], args: argparse.Namespace, lua_dir: Path) -> dict[str, float]:
    command = ["wrk", "-t1", f"-c{args.connections}", f"-d{args.duration}s", "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    path = "/api/v1/customers?limit=100"
    if scenario != "list":
        script = lua_dir / f"{scenario}.lua"
        phone = '"555-0100"' if scenario == "upsert-same" else 'string.format("555-%06d", counter)'
        script.write_text(LUA.format(n=args.customers, phone=phone))
        command += ["-H", "Content-Type: application/json", "-s", str(script)]
        path = "/api/v1/customers/by-external-id/bench-0"
    command.append(f"http://127.0.0.1:{server.port}{path}")
    cpu_before = servers.session_cpu_seconds(server.process.pid)
    output = subprocess.run(command, check=True, capture_output=True, text=True, timeout=args.duration + 30).stdout
    cpu = servers.session_cpu_seconds(server.process.pid) - cpu_before
    figures = servers.parse_wrk(output)
    figures["cpu_ms"] = 1000 * cpu / max(figures["requests"], 1)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=15, help="seconds of load per scenario (default 15)")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured seconds first (default 3)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--customers", type=int, default=300, help="customers upserted first and cycled through (default 300)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="porchside-bench-api-") as tmp:
        env = servers.demo_environment("postgres", Path(tmp))
        env["PORCHSIDE_RATE_LIMITS"] += ",api_per_client=100000000/60"
        servers.create_database(env)
        server = None
        try:
            servers.seed(env)
            client_id, secret = create_client(env)
            server = servers.Server("uvicorn", env, Path(tmp))
            server.wait_ready()
            headers = {"Host": servers.HOST_HEADER, "Authorization": f"Bearer {token(server.port, client_id, secret)}"}
            upsert_customers(server.port, headers, args.customers)
            print(f"load average at start: {open('/proc/loadavg').read().split()[:3]}")
            rows = []
            for scenario in ("list", "upsert-same", "upsert-changed"):
                if args.warmup:
                    load(server, scenario, headers, argparse.Namespace(**{**vars(args), "duration": args.warmup}), Path(tmp))
                figures = load(server, scenario, headers, args, Path(tmp))
                print(f"{scenario}: {figures}", flush=True)
                rows.append((scenario, figures))
            print(f"load average at end: {open('/proc/loadavg').read().split()[:3]}")
        finally:
            if server is not None:
                server.stop()
            servers.drop_database(env)
    print()
    print("| scenario | requests | errors | req/s | p50 ms | p99 ms | server CPU ms/request |")
    print("|---|---|---|---|---|---|---|")
    for scenario, f in rows:
        print(f"| {scenario} | {f['requests']:.0f} | {f['errors']:.0f} | {f['rps']:.0f} | {f['p50_ms']:.1f} | {f['p99_ms']:.1f} | {f['cpu_ms']:.2f} |")
    return 1 if any(f["errors"] for _, f in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
