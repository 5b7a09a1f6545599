"""The deployment kit without a container runtime: the image's entrypoint script, run directly.

CI has no Docker or Podman, so what the Containerfile runs is tested here:
``deploy/entrypoint.sh serve`` migrates, then serves, and the server logs
JSON lines (Porchside's own INFO lines included) and answers ``/healthz``.
The wheel itself is built and installed into a clean venv by ``.ci/run``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from core.devstripe import free_port
from core.testing import SECRET, database_environment, wait_until

ROOT = Path(__file__).resolve().parent.parent
ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"


def _get(url: str, headers: dict[str, str] | None = None):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=2) as response:
            return response.status, response.headers, response.read()
    except OSError:
        return None


def test_entrypoint_migrates_then_serves_with_json_logs(porchside_backend, porchside_settings_factory, tmp_path):
    if porchside_backend.name == "sqlite":
        database = {"PORCHSIDE_DATABASE_URL": f"sqlite://{tmp_path / 'fresh.sqlite3'}"}  # empty: every migration runs
    else:
        database = database_environment(porchside_settings_factory())  # migrated already: a no-op run
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PORCHSIDE_")},
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PORCHSIDE_ENV": "development",
        **database,
        "PORCHSIDE_SECRET_KEY": SECRET,
        "PORCHSIDE_DATA_DIR": str(tmp_path / "data"),
        "PORCHSIDE_BASE_DOMAIN": "localhost",
        "HOST": "127.0.0.1",
        "PORT": str(port),
    }
    if porchside_backend.redis_url:
        env.update(PORCHSIDE_REDIS_URL=porchside_backend.redis_url, PORCHSIDE_REDIS_PREFIX=f"pstest:entry{port}")
    stdout, stderr = tmp_path / "stdout", tmp_path / "stderr"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        server = subprocess.Popen(["sh", str(ENTRYPOINT), "serve"], env=env, stdout=out, stderr=err, cwd=tmp_path)
        try:
            answer = wait_until(
                lambda: _get(f"http://127.0.0.1:{port}/healthz", {"X-Request-Id": "deploy-check-1"}),
                timeout=120,  # a bound: a fresh SQLite database is migrated first, on a machine that may be busy
                describe=lambda: f"exit={server.poll()} stderr={stderr.read_text()[-2000:]}",
            )
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)

    status, headers, body = answer
    assert status == 200 and json.loads(body) == {"status": "ok"}
    assert headers["X-Request-Id"] == "deploy-check-1"
    migrated = stdout.read_text()
    if porchside_backend.name == "sqlite":
        assert "applied core." in migrated and "the database is up to date" in migrated
    else:
        assert "No migrations to apply" in migrated

    lines = [json.loads(line) for line in stderr.read_text().splitlines() if line.startswith("{")]
    assert lines, stderr.read_text()
    # Porchside's own INFO lines show under serve (uvicorn's default config hid them).
    assert any(l["logger"] == "porchside.app" and l["level"] == "info" and "porchside started" in l["message"] for l in lines)
    (request,) = [l for l in lines if l["logger"] == "porchside.request" and l.get("request_id") == "deploy-check-1"]
    assert request["route"] == "/healthz" and request["status"] == 200 and "duration_ms" in request
    assert all({"time", "level", "logger", "message"} <= set(l) for l in lines)
