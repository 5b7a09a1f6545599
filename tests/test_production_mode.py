"""Production mode refuses to guess, and ``--env-file`` gives every command its settings (issue 15, item 1)."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from core import hookimpl
from core.cli import make_cli
from core.config import ConfigError, Settings, read_env_file
from tests.test_cli import invoke, one_error_line

KEY = "k" * 40
COMPLETE = {
    "PORCHSIDE_ENV": "production",
    "PORCHSIDE_SECRET_KEY": KEY,
    "PORCHSIDE_DATABASE_URL": "postgres://porch:pw@db.internal:5432/porchside",
    "PORCHSIDE_REDIS_URL": "redis://cache.internal:6379/0",
    "PORCHSIDE_SMTP_URL": "smtp://mail.internal:587",
    "PORCHSIDE_PUBLIC_SCHEME": "https",
}


def test_production_with_everything_given_starts(tmp_path: Path) -> None:
    settings = Settings.from_env({**COMPLETE, "PORCHSIDE_DATA_DIR": str(tmp_path)})
    assert settings.production and settings.secret_key == KEY and not settings.dev_outbox


@pytest.mark.parametrize("missing", sorted(set(COMPLETE) - {"PORCHSIDE_ENV"}))
def test_production_names_what_is_missing_in_one_line(tmp_path: Path, missing: str) -> None:
    env = {k: v for k, v in COMPLETE.items() if k != missing}
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({**env, "PORCHSIDE_DATA_DIR": str(tmp_path)})
    message = str(refused.value)
    assert "\n" not in message and message.startswith("PORCHSIDE_ENV=production needs: ")
    assert missing in message
    assert [name for name in COMPLETE if name in message and name != "PORCHSIDE_ENV"] == [missing]
    # Nothing guessed: no generated key, no SQLite file.
    assert not (tmp_path / "secret_key").exists() and not (tmp_path / "porchside.sqlite3").exists()


def test_production_refuses_the_dev_outbox_and_plain_http(tmp_path: Path) -> None:
    env = {**COMPLETE, "PORCHSIDE_DATA_DIR": str(tmp_path), "PORCHSIDE_DEV_OUTBOX": "true", "PORCHSIDE_PUBLIC_SCHEME": "http"}
    with pytest.raises(ConfigError, match="PUBLIC_SCHEME=https.*DEV_OUTBOX off"):
        Settings.from_env(env)


def test_a_postgresql_database_implies_production_unless_told_otherwise(tmp_path: Path) -> None:
    env = {"PORCHSIDE_DATA_DIR": str(tmp_path), "PORCHSIDE_DATABASE_URL": COMPLETE["PORCHSIDE_DATABASE_URL"]}
    with pytest.raises(ConfigError) as refused:
        Settings.from_env(env)
    for name in ("SECRET_KEY", "REDIS_URL", "SMTP_URL", "PUBLIC_SCHEME"):
        assert f"PORCHSIDE_{name}" in str(refused.value)
    assert "DATABASE_URL" not in str(refused.value)

    development = Settings.from_env({**env, "PORCHSIDE_ENV": "development"})
    assert not development.production
    assert not Settings.from_env({"PORCHSIDE_DATA_DIR": str(tmp_path / "sqlite")}).production


def test_an_unknown_environment_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="PORCHSIDE_ENV: expected development or production, got 'prod'"):
        Settings.from_env({"PORCHSIDE_ENV": "prod", "PORCHSIDE_DATA_DIR": str(tmp_path)})


def test_migrate_in_production_without_a_database_builds_nothing(tmp_path: Path) -> None:
    """The operator's report: `migrate` silently built a SQLite file with DATABASE_URL unset."""
    env = {k: v for k, v in COMPLETE.items() if k != "PORCHSIDE_DATABASE_URL"}
    result = invoke(["migrate"], {**env, "PORCHSIDE_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 2
    assert "PORCHSIDE_DATABASE_URL" in one_error_line(result)
    assert list(tmp_path.iterdir()) == []


ENV_FILE = """\
# Settings of the test installation
PORCHSIDE_DATABASE_URL=sqlite://{folder}/it's a&b "db".sqlite3
export PORCHSIDE_MAIL_FROM="Acme & Sons <office@acme.test>"
PORCHSIDE_BASE_DOMAIN='portal.test'
PORCHSIDE_SECRET_KEY="$ecret-with-$HOME-and-#-kept-{pad}"
"""


def test_env_file_values_are_read_as_written(tmp_path: Path) -> None:
    path = tmp_path / "porchside.env"
    path.write_text(ENV_FILE.format(folder=tmp_path, pad="x" * 32))
    values = read_env_file(path)
    assert values["PORCHSIDE_DATABASE_URL"] == f'sqlite://{tmp_path}/it\'s a&b "db".sqlite3'
    assert values["PORCHSIDE_MAIL_FROM"] == "Acme & Sons <office@acme.test>"
    assert values["PORCHSIDE_BASE_DOMAIN"] == "portal.test"
    assert values["PORCHSIDE_SECRET_KEY"] == "$ecret-with-$HOME-and-#-kept-" + "x" * 32


class Show:
    """A plugin command that prints what its settings hold."""

    @staticmethod
    @click.command("show")
    @click.pass_obj
    def show(state) -> None:
        settings = state.settings()
        click.echo(f"{settings.database_url}|{settings.mail_from}|{settings.secret_key[:7]}")

    @hookimpl
    def porchside_cli_commands(self):
        return [self.show]


@pytest.mark.parametrize("placement", ["before", "after"])
def test_every_command_takes_an_env_file(tmp_path: Path, placement: str) -> None:
    path = tmp_path / "porchside.env"
    path.write_text(ENV_FILE.format(folder=tmp_path, pad="x" * 32))
    names = {name: None for name in read_env_file(path)}  # restored after each command
    env = {"PORCHSIDE_DATA_DIR": str(tmp_path / "var"), **names}
    option = ["--env-file", str(path)]

    def command(*args: str) -> list[str]:
        return [*option, *args] if placement == "before" else [*args, *option]

    migrated = invoke(command("migrate"), env)
    assert migrated.exit_code == 0, migrated.output
    assert (tmp_path / 'it\'s a&b "db".sqlite3').is_file()  # the file the URL names, & and quotes included
    created = invoke(command("tenant", "create", "acme", "Acme", "--owner-email", "boss@acme.test"), env)
    assert created.exit_code == 0, created.output
    assert "http://acme.portal.test/" in invoke(command("tenant", "list"), env).output

    shown = invoke(command("show"), env, make_cli(extra_plugins=[("show", Show())]))
    assert shown.output.strip() == f'sqlite://{tmp_path}/it\'s a&b "db".sqlite3|Acme & Sons <office@acme.test>|$ecret-'


def test_env_file_problems_stop_with_one_line(tmp_path: Path) -> None:
    missing = invoke(["--env-file", str(tmp_path / "nope.env"), "tenant", "list"], {"PORCHSIDE_DATA_DIR": str(tmp_path)})
    assert missing.exit_code == 2 and "no such file" in one_error_line(missing)
    bad = tmp_path / "bad.env"
    bad.write_text("PORCHSIDE_DEBUG=true\nthis is not a setting\n")
    broken = invoke(["migrate", "--env-file", str(bad)], {"PORCHSIDE_DATA_DIR": str(tmp_path), "PORCHSIDE_DEBUG": None})
    assert broken.exit_code == 2 and "line 2 is not KEY=value" in one_error_line(broken)
