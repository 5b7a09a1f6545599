"""``porchside api-client`` (issue 12, item 3): create, list, rotate and revoke from a shell.

Run through click's CliRunner with the settings in the environment, on a
migrated database of this run's backend, like tests/test_cli.py.
"""

from __future__ import annotations

import re

import pytest

from core.api.clients import secret_matches
from core.models.api import ApiClient
from core.models.platform import AuditEvent
from tenants.context import use_tenant
from tenants.models import Tenant
from tests.test_cli import cli_env, invoke, one_error_line, read_db  # noqa: F401 (cli_env is a fixture)


def created(result) -> tuple[str, str]:
    assert result.exit_code == 0, result.output + result.stderr
    client_id = re.search(r"client id:\s+(ci_\S+)", result.output).group(1)
    secret = re.search(r"client secret:\s+(cs_\S+)", result.output).group(1)
    return client_id, secret


def stored(cli_env, slug: str, client_id: str):
    async def read():
        tenant = await Tenant.get(slug=slug)
        with use_tenant(tenant):
            client = await ApiClient.get_or_none(client_id=client_id)
            actions = [e.action for e in await AuditEvent.filter(action__startswith="api_client.").order_by("id")]
        return client, actions

    return read_db(cli_env.settings, read)


@pytest.fixture
def businesses(cli_env):  # noqa: F811
    for slug, name in (("acme", "Acme Pool Care"), ("globex", "Globex Plumbing")):
        assert invoke(["tenant", "create", slug, name, "--no-owner"], cli_env.env).exit_code == 0
    return cli_env


def test_create_list_rotate_revoke(businesses):
    env = businesses.env
    empty = invoke(["api-client", "list", "acme"], env)
    assert empty.exit_code == 0 and "no API clients yet" in empty.output
    assert "customers:read" in empty.output  # the scopes it may grant

    client_id, secret = created(invoke(
        ["api-client", "create", "acme", "Books Sync", "--scope", "customers:read,contacts:read", "--scope", "customers:write"], env
    ))
    client, actions = stored(businesses, "acme", client_id)
    assert client.name == "Books Sync" and client.scopes == ["customers:read", "contacts:read", "customers:write"]
    assert secret_matches(client, secret) and secret not in client.secret_hash
    assert actions == ["api_client.created"]

    listed = invoke(["api-client", "list", "acme"], env).output
    assert client_id in listed and "Books Sync" in listed and "never" in listed and "active" in listed
    assert secret not in listed
    assert client_id not in invoke(["api-client", "list", "globex"], env).output

    rotated = invoke(["api-client", "rotate", "acme", client_id], env)
    assert rotated.exit_code == 0, rotated.output
    new_secret = re.search(r"client secret:\s+(cs_\S+)", rotated.output).group(1)
    client, _ = stored(businesses, "acme", client_id)
    assert secret_matches(client, new_secret) and not secret_matches(client, secret)

    revoked = invoke(["api-client", "revoke", "acme", client_id], env)
    assert revoked.exit_code == 0 and "Revoked Books Sync" in revoked.output
    again = invoke(["api-client", "revoke", "acme", client_id], env)
    assert again.exit_code == 0 and "already revoked" in again.output
    client, actions = stored(businesses, "acme", client_id)
    assert client.revoked_at is not None
    assert actions == ["api_client.created", "api_client.rotated", "api_client.revoked"]
    later_id, _ = created(invoke(["api-client", "create", "acme", "Zeta Books", "--scope", "customers:read"], env))
    rows = invoke(["api-client", "list", "acme"], env).output.splitlines()
    assert rows[1].startswith(later_id) and rows[1].endswith("active")  # active first, then revoked
    assert rows[2].startswith(client_id) and rows[2].endswith("revoked")
    refused = invoke(["api-client", "rotate", "acme", client_id], env)
    assert refused.exit_code == 1 and "is revoked" in one_error_line(refused)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create", "nobody", "Books", "--scope", "customers:read"], "no business has the address 'nobody'"),
        (["create", "acme", "Books", "--scope", "payroll:read"], "unknown scopes: payroll:read"),
        (["create", "acme", "Books", "--scope", "customers:delete"], "is not a scope"),
        (["create", "acme", "Books"], "give at least one --scope"),
        (["create", "acme", " ", "--scope", "customers:read"], "needs a name"),
        (["list", "nobody"], "no business has the address 'nobody'"),
        (["revoke", "acme", "ci_nothing"], "has no API client 'ci_nothing'"),
        (["rotate", "acme", "ci_nothing"], "has no API client 'ci_nothing'"),
    ],
)
def test_bad_arguments_say_why_in_one_line_and_exit_2(args, message, businesses):
    result = invoke(["api-client", *args], businesses.env)
    assert result.exit_code == 2
    assert message in one_error_line(result)
    listed = invoke(["api-client", "list", "acme"], businesses.env).output
    assert "no API clients yet" in listed


def test_another_business_client_id_is_unknown(businesses):
    client_id, _ = created(invoke(["api-client", "create", "acme", "Books Sync", "--scope", "customers:read"], businesses.env))
    result = invoke(["api-client", "revoke", "globex", client_id], businesses.env)
    assert result.exit_code == 2 and "Globex Plumbing has no API client" in one_error_line(result)
    client, _ = stored(businesses, "acme", client_id)
    assert client.revoked_at is None


@pytest.mark.parametrize("command", ["create", "list", "rotate", "revoke"])
def test_each_subcommand_explains_itself(command, tmp_path):
    result = invoke(["api-client", command, "--help"], {"PORCHSIDE_DATA_DIR": str(tmp_path / "var")})
    assert result.exit_code == 0 and result.output.startswith(f"Usage: porchside api-client {command}")
    assert "SLUG" in result.output
    assert not (tmp_path / "var").exists()
