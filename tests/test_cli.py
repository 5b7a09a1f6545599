"""The ``porchside`` command line (core.cli): help, settings errors, migrations,
tenants, the demo seed, plugin commands, the worker, and the demo server itself.

Commands run through click's CliRunner with the settings in the environment,
as a user's shell would give them; ``porchside demo`` runs as a real process.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import types
from dataclasses import dataclass
from pathlib import Path

import click
import httpx
import pytest
from click.testing import CliRunner, Result

import core.cli
import core.migrations
from core import hookimpl
from core.cli import make_cli
from core.config import Settings
from core.db import open_database, release_database, tortoise_config
from core.plugins import PluginHost
from core.records import ModelApp
from core.testing import _free_port, reset_postgres, database_environment, wait_until

# Every PORCHSIDE_* variable of the test process, unset while a command runs.
CLEAN_ENV = {name: None for name in os.environ if name.startswith("PORCHSIDE_")}

COMMANDS = {
    (): "Porchside: a customer portal",
    ("demo",): "Set up the demo businesses",
    ("serve",): "Serve the portal of every tenant",
    ("worker",): "Run background jobs",
    ("migrate",): "Apply pending schema migrations",
    ("makemigrations",): "Write migration files",
    ("seed-demo",): "Add the demo businesses",
    ("tenant",): "Create, list, disable and enable businesses",
    ("tenant", "create"): "Create a business",
    ("tenant", "invite-owner"): "Invite EMAIL as an owner",
    ("tenant", "set"): "Change the name, default language, time zone, currency or locale",
    ("tenant", "export"): "Write one business's complete data and files",
    ("tenant", "import"): "Create the business of an archive",
    ("tenant", "list"): "List every business",
    ("tenant", "disable"): "Take a business offline",
    ("tenant", "enable"): "Bring a disabled business back online",
    ("invite",): "Email portal invites",
    ("api-client",): "Create, list, rotate and revoke a business's API clients",
    ("plugin",): "Write plugins",
    ("plugin", "new"): "Write a new plugin package NAME",  # tests/test_plugin_scaffold.py
}


def invoke(args: list[str], env: dict, cli: click.Group | None = None) -> Result:
    return CliRunner().invoke(cli or make_cli(), args, env={**CLEAN_ENV, **env}, catch_exceptions=False)


def one_error_line(result: Result) -> str:
    """The single ``porchside: ...`` line a refused command prints, without a traceback."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("porchside: "), result.stderr
    return lines[0]


def read_db(settings: Settings, read):
    """Run ``await read()`` with the database of ``settings`` open."""

    async def work():
        config = tortoise_config(settings, PluginHost().load().model_apps())
        await open_database(config)
        try:
            return await read()
        finally:
            await release_database(config)

    return asyncio.run(work())


@dataclass
class CliEnv:
    settings: Settings
    env: dict


@pytest.fixture
def cli_env(porchside_backend, porchside_settings_factory):
    """The environment of a migrated database of this run's backend."""
    settings = porchside_settings_factory()
    env = {
        "PORCHSIDE_DATA_DIR": str(settings.data_dir),
        **database_environment(settings),
        "PORCHSIDE_REDIS_URL": settings.redis_url,
        "PORCHSIDE_REDIS_PREFIX": settings.redis_prefix,
        "PORCHSIDE_SECRET_KEY": settings.secret_key,
        # A PostgreSQL URL implies production mode, which needs SMTP and https too.
        "PORCHSIDE_ENV": "development",
    }
    yield CliEnv(settings, env)
    if porchside_backend.name == "postgres":
        read_db(settings, reset_postgres)


@pytest.mark.parametrize("path", list(COMMANDS), ids=lambda p: " ".join(p) or "porchside")
def test_every_command_has_help(path, tmp_path):
    data_dir = tmp_path / "var"
    result = invoke([*path, "--help"], {"PORCHSIDE_DATA_DIR": str(data_dir)})
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: porchside {' '.join(path)}".rstrip())
    assert COMMANDS[path] in " ".join(result.output.split())
    assert not data_dir.exists(), "--help must not create the data folder"


def test_the_help_lists_every_command_and_each_is_tested(tmp_path):
    result = invoke(["--help"], {"PORCHSIDE_DATA_DIR": str(tmp_path)})
    listed = {line.split()[0] for line in result.output.split("Commands:")[1].strip().splitlines()}
    assert listed == {path[0] for path in COMMANDS if len(path) == 1}


@pytest.mark.parametrize(
    ("args", "env", "names"),
    [
        (["demo"], {"PORCHSIDE_PUBLIC_PORT": "abc"}, "PORCHSIDE_PUBLIC_PORT"),
        (["migrate"], {"PORCHSIDE_DATABASE_URL": "mysql://db.example/porchside"}, "PORCHSIDE_DATABASE_URL"),
        (["tenant", "list"], {"PORCHSIDE_SECRET_KEY": "short"}, "PORCHSIDE_SECRET_KEY"),
        (["serve"], {"PORCHSIDE_PLUGINS": "no-such-plugin"}, "no-such-plugin"),
    ],
)
def test_bad_settings_stop_with_one_line_and_status_2(args, env, names, tmp_path):
    result = invoke(args, {"PORCHSIDE_DATA_DIR": str(tmp_path), **env})
    assert result.exit_code == 2
    assert names in one_error_line(result)
    assert "Traceback" not in result.output


def test_migrate_builds_a_fresh_database_once(tmp_path):
    env = {"PORCHSIDE_DATA_DIR": str(tmp_path)}
    before = invoke(["tenant", "list"], env)
    assert before.exit_code == 1 and "porchside migrate" in one_error_line(before)

    first = invoke(["migrate"], env)
    assert first.exit_code == 0, first.output
    assert "applied core.0001_initial" in first.output
    assert (tmp_path / "porchside.sqlite3").exists()
    second = invoke(["migrate"], env)
    assert second.exit_code == 0 and "No migrations to apply" in second.output
    assert "No businesses yet" in invoke(["tenant", "list"], env).output


def test_tenant_create_list_disable_enable(cli_env):
    from core.models.staff import StaffUser
    from tenants.context import use_tenant
    from tenants.models import Tenant

    created = invoke(["tenant", "create", "acme", "Acme Pool Care", "--owner-email", "Boss@Acme.Example"], cli_env.env)
    assert created.exit_code == 0, created.output
    assert "http://acme.localhost/" in created.output
    invoke(["tenant", "create", "globex", "Globex Plumbing", "--no-owner"], cli_env.env)

    listed = invoke(["tenant", "list"], cli_env.env).output.splitlines()
    assert listed[0].split() == ["SLUG", "NAME", "URL", "PORTAL", "ACTIVE"]
    assert listed[1].split() == ["acme", "Acme", "Pool", "Care", "http://acme.localhost/", "on", "yes"]
    assert listed[2].split()[0] == "globex"

    assert invoke(["tenant", "disable", "acme"], cli_env.env).exit_code == 0
    assert invoke(["tenant", "list"], cli_env.env).output.splitlines()[1].split()[-1] == "no"

    async def state():
        acme = await Tenant.get(slug="acme")
        with use_tenant(acme):
            owner = await StaffUser.get(email="boss@acme.example")
        return acme.is_active, owner.role, (await Tenant.get(slug="globex")).is_active

    assert read_db(cli_env.settings, state) == (False, "owner", True)
    assert invoke(["tenant", "enable", "acme"], cli_env.env).exit_code == 0
    assert read_db(cli_env.settings, state)[0] is True


REFUSED = [
    (["tenant", "create", "acme", "Another Acme", "--no-owner"], "already taken"),
    (["tenant", "create", "Not A Slug!", "Bad", "--no-owner"], "lowercase letters"),
    (["tenant", "create", "www", "Reserved", "--no-owner"], "reserved"),
    (["tenant", "create", "fine", "Fine", "--owner-email", "not-an-email"], "not an email address"),
    (["tenant", "disable", "nobody"], "no business has the address 'nobody'"),
    (["tenant", "enable", "nobody"], "no business has the address 'nobody'"),
]


def test_refused_tenant_commands_say_why_and_exit_1(cli_env):
    """Every refusal against one database (each refusal changes nothing, as the listing after it shows)."""
    assert invoke(["tenant", "create", "acme", "Acme", "--no-owner"], cli_env.env).exit_code == 0
    for args, message in REFUSED:
        result = invoke(args, cli_env.env)
        assert result.exit_code == 1, (args, result.output)
        assert message in one_error_line(result), args
        listed = invoke(["tenant", "list"], cli_env.env).output
        assert "fine" not in listed and "www" not in listed and listed.count("acme") == 2, (args, listed)  # slug and URL


def test_seed_demo_seeds_once(cli_env):
    from core.models.jobs import Job
    from tenants.context import use_tenant
    from tenants.models import Tenant

    first = invoke(["seed-demo"], cli_env.env)
    assert first.exit_code == 0, first.output
    assert "Sunny Pools: seeded (http://sunny-pools.localhost/)" in first.output
    assert "Pipeworks Plumbing: seeded" in first.output

    async def jobs() -> dict[str, int]:
        counts = {}
        for tenant in await Tenant.all():
            with use_tenant(tenant):
                counts[tenant.slug] = await Job.all().count()
        return counts

    before = read_db(cli_env.settings, jobs)
    second = invoke(["seed-demo"], cli_env.env)
    assert second.exit_code == 0 and second.output.count("already there") == 2
    assert read_db(cli_env.settings, jobs) == before
    assert set(before) == {"sunny-pools", "pipeworks"} and all(before.values())


class Greeter:
    """A plugin with a CLI command that reads the settings (porchside_cli_commands)."""

    @staticmethod
    @click.command("greet")
    @click.argument("name")
    @click.pass_obj
    def greet(state, name: str) -> None:
        """Greet someone from the data folder."""
        click.echo(f"hello {name} from {state.settings().data_dir.name}")

    @hookimpl
    def porchside_cli_commands(self):
        return [self.greet]


class Usurper:
    @hookimpl
    def porchside_cli_commands(self):
        return [click.Command("serve", callback=lambda: None)]


def test_plugin_commands_join_the_cli(tmp_path):
    """porchside_cli_commands: a plugin's command is listed, runs, and may not take a built-in name."""
    env = {"PORCHSIDE_DATA_DIR": str(tmp_path / "plugin-data")}
    cli = make_cli(extra_plugins=[("greeter", Greeter())])
    assert "greet" in invoke(["--help"], env, cli).output
    result = invoke(["greet", "Pat"], env, cli)
    assert result.exit_code == 0 and result.output == "hello Pat from plugin-data\n"

    clash = invoke(["--help"], env, make_cli(extra_plugins=[("usurper", Usurper())]))
    assert clash.exit_code == 2
    assert "plugin 'usurper'" in one_error_line(clash) and "'serve' is already taken" in clash.stderr


def test_worker_needs_its_module_and_says_so(tmp_path, monkeypatch):
    env = {"PORCHSIDE_DATA_DIR": str(tmp_path)}
    monkeypatch.setitem(sys.modules, "core.queue.worker", None)  # as if not installed
    missing = invoke(["worker"], env)
    assert missing.exit_code == 1 and "core.queue.worker is missing" in one_error_line(missing)

    seen = []
    fake = types.ModuleType("core.queue.worker")
    fake.run_worker = lambda settings, **options: seen.append(settings)
    monkeypatch.setitem(sys.modules, "core.queue.worker", fake)
    ran = invoke(["worker"], {**env, "PORCHSIDE_REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert ran.exit_code == 0
    [settings] = seen
    assert settings.data_dir == tmp_path.resolve() and settings.redis_url == "redis://127.0.0.1:6379/0"


def test_makemigrations_writes_a_plugin_apps_migration(tmp_path, monkeypatch):
    package = tmp_path / "notebook_plugin"
    (package / "migrations").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "migrations" / "__init__.py").write_text("")
    (package / "models.py").write_text(
        "from tortoise import fields\n"
        "from core.models.base import TenantModel\n\n\n"
        "class Page(TenantModel):\n"
        "    public_id_prefix = 'pg'\n"
        "    title = fields.CharField(max_length=100)\n\n"
        "    class Meta:\n"
        "        app = 'notebook'\n"
        "        table = 'notebook_page'\n"
    )
    # Core's migrations are read from a copy, so nothing is ever written into the repository.
    shutil.copytree(Path(core.migrations.__file__).parent, tmp_path / "core_migrations_copy")
    monkeypatch.syspath_prepend(str(tmp_path))
    real_config = core.cli.tortoise_config

    def config_with_copied_core(settings, plugin_apps=None):
        config = real_config(settings, plugin_apps)
        config["apps"]["core"]["migrations"] = "core_migrations_copy"
        return config

    monkeypatch.setattr(core.cli, "tortoise_config", config_with_copied_core)

    class Notebook:
        @hookimpl
        def porchside_model_apps(self):
            return [ModelApp("notebook", ("notebook_plugin.models",), "notebook_plugin.migrations")]

    cli = make_cli(extra_plugins=[("notebook", Notebook())])
    env = {"PORCHSIDE_DATA_DIR": str(tmp_path / "var")}
    try:
        unknown = invoke(["makemigrations", "notebok"], env, cli)
        assert unknown.exit_code == 1 and "unknown app notebok" in one_error_line(unknown)

        made = invoke(["makemigrations", "notebook", "--name", "initial"], env, cli)
        assert made.exit_code == 0, made.output
        written = (package / "migrations" / "0001_initial.py").read_text()
        assert "notebook_page" in written and "('core', " in written
    finally:
        for name in [m for m in sys.modules if m.startswith(("notebook_plugin", "core_migrations_copy"))]:
            del sys.modules[name]


def _porchside_command() -> list[str]:
    script = Path(sys.executable).parent / "porchside"
    return [str(script)] if script.exists() else [sys.executable, "-m", "core.cli"]


def _get_following_redirects(client: httpx.Client, host: str, path: str = "/") -> httpx.Response:
    """GET on the demo server as a browser at ``host`` would, redirects included."""
    for _ in range(5):
        response = client.get(path, headers={"Host": host})
        if response.status_code not in (301, 302, 303, 307, 308):
            return response
        path = httpx.URL(response.headers["Location"]).raw_path.decode()
    raise AssertionError(f"too many redirects for {host}")


def test_demo_serves_each_business_at_its_own_address(tmp_path):
    port = _free_port()
    stale = tmp_path / "demo" / "left-over"
    stale.parent.mkdir()
    stale.write_text("from an earlier demo")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORCHSIDE_")}
    env["PORCHSIDE_DATA_DIR"] = str(tmp_path)
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(
            # --no-stripe: no localstripe beside it (test_demo_process starts the demo with one).
            [*_porchside_command(), "demo", "--reset", "--no-stripe", "--port", str(port)],
            env=env, stdout=stdout, stderr=stderr, cwd=tmp_path,
        )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            def answers() -> bool:
                assert process.poll() is None, f"porchside demo exited: {err.read_text()}"
                try:
                    return client.get("/healthz").status_code == 200
                except httpx.TransportError:
                    return False

            wait_until(answers, timeout=90, interval=0.25, describe=lambda: f"porchside demo did not start: {err.read_text()}")

            assert not stale.exists(), "--reset keeps nothing of the previous demo"
            sunny = _get_following_redirects(client, f"sunny-pools.localhost:{port}")
            pipes = _get_following_redirects(client, f"pipeworks.localhost:{port}")
            assert sunny.status_code == pipes.status_code == 200
            assert "Sunny Pools" in sunny.text and "Pipeworks Plumbing" not in sunny.text
            assert "Pipeworks Plumbing" in pipes.text and "Sunny Pools" not in pipes.text
            unknown = client.get("/", headers={"Host": f"nobody.localhost:{port}"})
            assert unknown.status_code == 404
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert process.returncode == 0, err.read_text()
    printed = out.read_text()
    for url in (f"http://sunny-pools.localhost:{port}/", f"http://pipeworks.localhost:{port}/"):
        assert url in printed and f"{url}_dev/outbox" in printed
    assert "pat@example.com (2 accounts)" in printed and "maria@sunny-pools.example (owner)" in printed


def test_demo_on_a_taken_port_stops_before_setting_anything_up(tmp_path):
    """Another process listens on the port: one line at once, not after migrating and seeding; --reset deletes nothing."""
    import socket

    kept = tmp_path / "demo" / "porchside.sqlite3"
    kept.parent.mkdir()
    kept.write_text("the previous demo")
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        result = invoke(["demo", "--reset", "--no-stripe", "--port", str(port)], {"PORCHSIDE_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 1
    assert f"127.0.0.1:{port}: address already in use" in one_error_line(result)
    assert kept.read_text() == "the previous demo"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]


def test_invite_command_emails_customers_and_reports_unknown(tmp_path, porchside_backends):
    """``porchside invite`` sends invites from the command line (issue 3: invites from the CLI).

    On a copy of the suite's migrated SQLite template (``porchside migrate``
    has tests of its own above). The demo is seeded, and the refused invite
    made, in this process (``seed-demo`` and refusals have tests of their
    own): only the invite that sends starts a ``porchside`` process.
    """
    import os
    import shutil
    import subprocess
    import sys

    env = {**os.environ, "PORCHSIDE_DATA_DIR": str(tmp_path)}
    env.pop("PORCHSIDE_DATABASE_URL", None)
    env.pop("PORCHSIDE_REDIS_URL", None)

    def porchside(*args):
        return subprocess.run([sys.executable, "-m", "core.cli", *args], env=env, capture_output=True, text=True, timeout=120)

    shutil.copyfile(porchside_backends.get("sqlite").template, tmp_path / "porchside.sqlite3")
    assert invoke(["seed-demo"], {"PORCHSIDE_DATA_DIR": str(tmp_path)}).exit_code == 0
    result = porchside("invite", "sunny-pools", "pat@example.com", "nobody@example.com")
    assert result.returncode == 0, result.stderr
    assert "invited  pat@example.com" in result.stdout
    assert "skipped  nobody@example.com" in result.stdout
    import sqlite3

    db = sqlite3.connect(tmp_path / "porchside.sqlite3")
    rows = db.execute("SELECT status, subject FROM outbound_email WHERE \"to\" = 'pat@example.com' AND kind LIKE 'auth.%'").fetchall()
    assert rows and all(status == "sent" for status, _ in rows)
    assert invoke(["invite", "no-such-business", "pat@example.com"], {"PORCHSIDE_DATA_DIR": str(tmp_path)}).exit_code == 1
