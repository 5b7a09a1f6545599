"""Configuration from ``PORCHSIDE_*`` variables: defaults, bad values, the stored key."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from core.config import SECRET_KEY_MIN_LENGTH, ConfigError, Settings
from core.db import connection_url

KEY = "k" * SECRET_KEY_MIN_LENGTH


def test_defaults_need_no_configuration(tmp_path: Path) -> None:
    settings = Settings.from_env({}, data_dir=tmp_path)

    assert settings.data_dir == tmp_path.resolve()
    assert settings.database_url == f"sqlite://{tmp_path.resolve() / 'porchside.sqlite3'}"
    assert settings.redis_url is None and settings.embedded
    assert settings.smtp_url is None and settings.dev_outbox
    assert settings.base_domain == "localhost"
    assert settings.stripe_api_base == "https://api.stripe.com"
    assert len(settings.secret_key) >= SECRET_KEY_MIN_LENGTH


def test_default_data_dir_is_var_under_the_working_directory(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({})
    assert settings.data_dir == tmp_path / "var"
    assert (tmp_path / "var" / "secret_key").is_file()


def test_every_variable_is_read(tmp_path: Path) -> None:
    env = {
        "PORCHSIDE_DATA_DIR": str(tmp_path / "data"),
        "PORCHSIDE_DATABASE_URL": "postgres://porch:pw@db.internal:5432/porchside",
        "PORCHSIDE_REDIS_URL": "redis://cache.internal:6379/2",
        "PORCHSIDE_SMTP_URL": "smtp://mail.internal:2525",
        "PORCHSIDE_BASE_DOMAIN": "Portal.Example.COM.",
        "PORCHSIDE_SECRET_KEY": KEY,
        "PORCHSIDE_STRIPE_API_BASE": "http://127.0.0.1:8420",
        "PORCHSIDE_PUBLIC_PORT": "8443",
        "PORCHSIDE_PLUGINS": "quotes, payments",
        "PORCHSIDE_DEBUG": "yes",
        "PORCHSIDE_PUBLIC_SCHEME": "https",  # production (implied by PostgreSQL) needs it
    }
    settings = Settings.from_env(env)

    assert settings.data_dir == (tmp_path / "data").resolve()
    assert settings.database_url == env["PORCHSIDE_DATABASE_URL"]
    assert settings.redis_url == env["PORCHSIDE_REDIS_URL"] and not settings.embedded
    assert settings.smtp_url == env["PORCHSIDE_SMTP_URL"]
    assert settings.dev_outbox is False  # real SMTP configured: no dev outbox by default
    assert settings.base_domain == "portal.example.com"
    assert settings.secret_key == KEY
    assert settings.stripe_api_base == "http://127.0.0.1:8420"
    assert settings.public_port == 8443
    assert settings.plugins == ("quotes", "payments")
    assert settings.debug is True
    assert settings.production and settings.public_scheme == "https"
    # An explicit key is used as is: nothing is written to the data dir.
    assert not (tmp_path / "data" / "secret_key").exists()


def test_empty_variables_count_as_unset(tmp_path: Path) -> None:
    settings = Settings.from_env({"PORCHSIDE_REDIS_URL": "", "PORCHSIDE_BASE_DOMAIN": ""}, data_dir=tmp_path)
    assert settings.redis_url is None
    assert settings.base_domain == "localhost"


BAD_VALUES = [
    ("DATABASE_URL", "mysql://db.internal/porchside", "scheme 'mysql'"),
    ("DATABASE_URL", "porchside.sqlite3", "no scheme"),
    ("DATABASE_URL", "postgres:///porchside", "no host"),
    ("DATABASE_URL", "sqlite://", "file path"),
    ("DATABASE_URL", "postgres://porch:hunter2@db:port/x", "port"),
    ("REDIS_URL", "http://cache.internal", "scheme 'http'"),
    ("REDIS_URL", "redis://cache.internal:99999", "port"),
    ("REDIS_URL", "redis://", "no host"),
    ("SMTP_URL", "mail.internal:25", "no scheme"),
    ("SMTP_URL", "smtp://:25", "no host"),
    ("BASE_DOMAIN", "https://portal.example.com", "not a host name"),
    ("BASE_DOMAIN", "portal.example.com:8000", "not a host name"),
    ("BASE_DOMAIN", "portal_example.com", "not a host name"),
    ("BASE_DOMAIN", "-portal.example.com", "not a host name"),
    ("BASE_DOMAIN", "portal..example.com", "not a host name"),
    ("SECRET_KEY", "too-short", f"at least {SECRET_KEY_MIN_LENGTH} characters"),
    ("STRIPE_API_BASE", "ftp://stripe.internal", "scheme 'ftp'"),
    ("STRIPE_API_BASE", "127.0.0.1:12111", "no scheme"),
    ("STRIPE_JS_URL", "js.stripe.com/v3/", "no scheme"),
    ("PUBLIC_SCHEME", "ftp", "http or https"),
    ("PUBLIC_PORT", "eighty", "whole number"),
    ("PUBLIC_PORT", "0", "at least 1"),
    ("PUBLIC_PORT", "70000", "at most 65535"),
    ("DEBUG", "maybe", "true or false"),
    ("DEV_OUTBOX", "2", "true or false"),
    ("MAIL_FROM", "nobody", "not an email address"),
    ("REDIS_PREFIX", "two words", "letters, digits"),
    ("PLUGINS", "quotes,bad name", "not a plugin name"),
    ("RATE_LIMITS", "link_per_email=five/900", "COUNT/SECONDS"),
]


@pytest.mark.parametrize(("name", "value", "problem"), BAD_VALUES, ids=[f"{n}={v}" for n, v, _ in BAD_VALUES])
def test_a_bad_value_names_the_variable_in_one_line(tmp_path: Path, name: str, value: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({f"PORCHSIDE_{name}": value}, data_dir=tmp_path)
    message = str(caught.value)
    assert message.startswith(f"PORCHSIDE_{name}: ")
    assert problem.lower() in message.lower()
    assert "\n" not in message


def test_url_errors_do_not_repeat_passwords(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"PORCHSIDE_DATABASE_URL": "postgres://porch:hunter2@db:port/x"}, data_dir=tmp_path)
    assert "hunter2" not in str(caught.value)


def test_data_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    with pytest.raises(ConfigError, match=r"^PORCHSIDE_DATA_DIR: .*not a directory"):
        Settings.from_env({"PORCHSIDE_DATA_DIR": str(not_a_dir)})


def test_secret_key_is_generated_once_and_reused(tmp_path: Path) -> None:
    first = Settings.from_env({}, data_dir=tmp_path)
    again = Settings.from_env({}, data_dir=tmp_path)
    elsewhere = Settings.from_env({}, data_dir=tmp_path / "other")

    stored = tmp_path / "secret_key"
    assert first.secret_key == again.secret_key == stored.read_text().strip()
    assert elsewhere.secret_key != first.secret_key
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    # No draft files are left behind next to the key.
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["secret_key"]


def test_explicit_secret_key_wins_over_the_stored_one(tmp_path: Path) -> None:
    Settings.from_env({}, data_dir=tmp_path)
    settings = Settings.from_env({"PORCHSIDE_SECRET_KEY": KEY}, data_dir=tmp_path)
    assert settings.secret_key == KEY


def test_a_damaged_stored_key_stops_start_up(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("short\n")
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({}, data_dir=tmp_path)
    message = str(caught.value)
    assert message.startswith("PORCHSIDE_SECRET_KEY: ")
    assert str(tmp_path / "secret_key") in message


def test_unknown_override_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown settings: databse_url"):
        Settings.from_env({}, data_dir=tmp_path, databse_url="sqlite://x")


def test_repr_hides_secrets(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"PORCHSIDE_DATABASE_URL": "postgres://porch:hunter2@db/x", "PORCHSIDE_SECRET_KEY": KEY, "PORCHSIDE_ENV": "development"},
        data_dir=tmp_path,
    )
    shown = repr(settings)
    assert "hunter2" not in shown and KEY not in shown
    assert "base_domain='localhost'" in shown


def test_connection_url_puts_relative_sqlite_files_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings.from_env({"PORCHSIDE_DATABASE_URL": "sqlite://portal.db"}, data_dir=tmp_path)
    assert connection_url(settings) == f"sqlite://{tmp_path.resolve() / 'portal.db'}"


def test_connection_url_sizes_the_postgres_pool(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"PORCHSIDE_DATABASE_URL": "postgresql://db.internal/x", "PORCHSIDE_ENV": "development"}, data_dir=tmp_path
    )
    assert connection_url(settings, pool_size=7) == "postgres://db.internal/x?minsize=1&maxsize=7"


def test_pgbouncer_turns_off_asyncpgs_statement_cache(tmp_path: Path) -> None:
    env = {"PORCHSIDE_DATABASE_URL": "postgres://db.internal:6432/x", "PORCHSIDE_ENV": "development"}
    plain = Settings.from_env(env, data_dir=tmp_path)
    assert "statement_cache_size" not in connection_url(plain)
    bounced = Settings.from_env({**env, "PORCHSIDE_DATABASE_PGBOUNCER": "1"}, data_dir=tmp_path)
    assert connection_url(bounced, pool_size=7) == "postgres://db.internal:6432/x?minsize=1&maxsize=7&statement_cache_size=0"
    # A value written in the URL wins.
    own = Settings.from_env(
        {**env, "PORCHSIDE_DATABASE_PGBOUNCER": "yes", "PORCHSIDE_DATABASE_URL": "postgres://h/x?statement_cache_size=0&maxsize=3"},
        data_dir=tmp_path,
    )
    assert connection_url(own) == "postgres://h/x?statement_cache_size=0&maxsize=3"
    with pytest.raises(ConfigError, match="PORCHSIDE_DATABASE_PGBOUNCER"):
        Settings.from_env({**env, "PORCHSIDE_DATABASE_PGBOUNCER": "maybe"}, data_dir=tmp_path)


def test_migrations_use_the_direct_url(tmp_path: Path) -> None:
    from core.db import migration_settings

    env = {
        "PORCHSIDE_DATABASE_URL": "postgres://porch:pw@pgbouncer.internal:6432/x",
        "PORCHSIDE_DATABASE_PGBOUNCER": "1",
        "PORCHSIDE_ENV": "development",
    }
    settings = Settings.from_env(env, data_dir=tmp_path)
    assert migration_settings(settings) is settings
    direct = Settings.from_env({**env, "PORCHSIDE_DATABASE_DIRECT_URL": "postgres://porch:pw@db.internal:5432/x"}, data_dir=tmp_path)
    migrating = migration_settings(direct)
    assert connection_url(migrating) == "postgres://porch:pw@db.internal:5432/x?minsize=1&maxsize=20"
    assert "pw" not in repr(direct)
    with pytest.raises(ConfigError, match="PORCHSIDE_DATABASE_DIRECT_URL"):
        Settings.from_env({**env, "PORCHSIDE_DATABASE_DIRECT_URL": "sqlite:///x.db"}, data_dir=tmp_path)
