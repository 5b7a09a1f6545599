"""`porchside tenant create` and `tenant update` with --language, --timezone and --currency (issue 17)."""

from __future__ import annotations

import pytest

from tests.test_cli import cli_env, invoke, one_error_line, read_db  # noqa: F401 - cli_env is a fixture


def _regional(slug: str):
    async def read():
        from tenants.models import Tenant

        found = await Tenant.get(slug=slug)
        return found.locale, found.timezone, found.currency

    return read


def test_create_takes_the_language_time_zone_and_currency(cli_env):
    created = invoke(
        ["tenant", "create", "sol", "Sol Pools", "--no-owner", "--language", "es", "--timezone", "America/Phoenix", "--currency", "mxn"],
        cli_env.env,
    )
    assert created.exit_code == 0, created.output
    assert "Locale es_US, time zone America/Phoenix, currency MXN." in created.output
    assert read_db(cli_env.settings, _regional("sol")) == ("es_US", "America/Phoenix", "MXN")
    # Without the flags, the defaults --help names, said in the output too.
    plain = invoke(["tenant", "create", "acme", "Acme", "--no-owner"], cli_env.env)
    assert "Locale en_US, time zone America/New_York, currency USD." in plain.output


def test_create_help_names_the_defaults(cli_env):
    shown = invoke(["tenant", "create", "--help"], cli_env.env).output
    assert "[default: America/New_York]" in shown and "[default: USD]" in shown and "[default: en]" in shown


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--language", "de", "language 'de' is not one of en, es, fr"),
        ("--timezone", "Mars/Olympus", "not an IANA time zone"),
        ("--currency", "XYZ", "not an ISO 4217 code"),
    ],
)
def test_create_refuses_a_bad_value_and_creates_nothing(cli_env, option, value, message):
    refused = invoke(["tenant", "create", "acme", "Acme", "--no-owner", option, value], cli_env.env)
    assert refused.exit_code == 1 and message in one_error_line(refused)

    async def exists():
        from tenants.models import Tenant

        return await Tenant.filter(slug="acme").exists()

    assert read_db(cli_env.settings, exists) is False


def test_update_changes_the_language_keeping_the_country(cli_env):
    assert invoke(["tenant", "create", "acme", "Acme", "--no-owner"], cli_env.env).exit_code == 0
    updated = invoke(["tenant", "update", "acme", "--language", "es", "--timezone", "America/Phoenix"], cli_env.env)
    assert updated.exit_code == 0, updated.output
    assert "locale is now es_US" in updated.output and "timezone is now America/Phoenix" in updated.output
    # French has no United States variant: the bare language.
    assert invoke(["tenant", "update", "acme", "--language", "fr"], cli_env.env).exit_code == 0
    assert read_db(cli_env.settings, _regional("acme")) == ("fr", "America/Phoenix", "USD")
    refused = invoke(["tenant", "update", "acme", "--language", "pt"], cli_env.env)
    assert refused.exit_code == 1 and "language 'pt' is not one of en, es, fr" in one_error_line(refused)
    nothing = invoke(["tenant", "update", "acme"], cli_env.env)
    assert nothing.exit_code == 1 and "give --name, --language, --timezone, --currency or --locale" in one_error_line(nothing)
