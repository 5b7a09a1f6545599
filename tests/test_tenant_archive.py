"""``porchside tenant export`` / ``import`` (issue 15, item 3): one business moved between installations.

The round trip builds a business with a row in every tenant-owned table of
core and of the installed plugins (the isolation test's row builder) plus a
full customer account with photos, files, invoices and payments, a quote, a
logo, an email with an attachment, a verified custom domain and encrypted
secrets; exports it; imports it into a second, clean installation (its own
database, files folder and secret key); exports it again there; and compares
the two archives: every row (every column but integer ids, links through
public ids) and every file byte for byte.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import secrets
import shutil
import tarfile
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest

from core.testing import (
    _create_postgres_database,
    _database_url,
    _drop_postgres_database,
    _installed_plugin_apps,
    database_environment,
)
from tests.test_cli import CliEnv, cli_env, invoke, one_error_line, read_db  # noqa: F401 - cli_env is a fixture

OTHER_SECRET = "a-second-installation-has-its-own-secret-key-" + "9" * 8
PLUGIN_SECRET = "sk_test_archive_0123456789"


@pytest.fixture
def second_install(porchside_backend, cli_env, tmp_path):
    """A second installation: a clean migrated database, its own files folder and secret key."""
    name = None
    if porchside_backend.name == "sqlite":
        path = tmp_path / "second.sqlite3"
        shutil.copyfile(porchside_backend.template, path)
        url = f"sqlite://{path}"
    else:
        name = f"porchside_archive_{os.getpid()}_{secrets.token_hex(3)}"
        asyncio.run(_create_postgres_database(name, _installed_plugin_apps(), tmp_path / "second-template"))
        url = _database_url(name)
    data_dir = tmp_path / "second-data"
    # Straight to its database, not through the suite's PgBouncer.
    settings = replace(
        cli_env.settings, database_url=url, database_pgbouncer=False, database_direct_url=None,
        data_dir=data_dir, secret_key=OTHER_SECRET,
    )
    env = {
        **{k: v for k, v in cli_env.env.items() if not k.startswith("PORCHSIDE_DATABASE_")},
        **database_environment(settings),
        "PORCHSIDE_DATA_DIR": str(data_dir),
        "PORCHSIDE_SECRET_KEY": OTHER_SECRET,
    }
    yield CliEnv(settings, env)
    if name is not None:
        asyncio.run(_drop_postgres_database(name))


async def _build_business(settings) -> dict:
    """Acme with a row in every tenant table, a full account and what carries files or secrets."""
    from core.models.customers import CustomerAccount
    from core.models.mail import OutboundEmail
    from core.models.platform import PluginConfig
    from core.models.webhooks import WebhookEndpoint
    from core.plugin_state import _fernet
    from core.plugins import PluginHost
    from core.services import Services
    from core.webhooks.secrets import encrypt, new_secret
    from plugins.quotes.tests.quote_data import make_quote
    from tenants.context import use_tenant
    from tenants.models import Domain
    from tenants.service import create_tenant
    from tests.portal_data import PortalData, png_bytes
    from tests.test_isolation import TENANT_MODELS, build

    services = Services.build(settings, PluginHost().load())
    try:
        tenant = await create_tenant("acme", "Acme Pool Care", contact_email="office@acme.test")
        made: dict = {}
        with use_tenant(tenant):
            for model in TENANT_MODELS:
                await build(model, "a", made, look_alike=False)
        data = PortalData(SimpleNamespace(extensions={"porchside": services}), tenant)
        account = made[CustomerAccount]
        full = await data.full_account(account)
        await make_quote(tenant, account, revised_lines=[("Pump", 1000, 45000)])
        await Domain.create(tenant=tenant, kind="custom", host="portal.acme-pools.test", verified_at=datetime.now(timezone.utc))
        with use_tenant(tenant):
            tenant.logo_path = await services.storage.save(png_bytes((32, 32)), "logo.png")
            await tenant.save(update_fields=["logo_path"])
            await OutboundEmail.create(
                kind="invoice", to="pat@example.com", subject="Your invoice", text="Attached.", html="<p>Attached.</p>",
                attachments=[{"filename": "report.pdf", "content_type": "application/pdf", "storage_key": full.shared_file.storage_key}],
            )
            config = made[PluginConfig]
            config.secrets = {"api_key": _fernet(settings.secret_key).encrypt(PLUGIN_SECRET.encode()).decode()}
            await config.save(update_fields=["secrets"])
            endpoint = made[WebhookEndpoint]
            webhook_secret = new_secret()
            endpoint.secret_encrypted = encrypt(webhook_secret, settings.secret_key)
            await endpoint.save(update_fields=["secret_encrypted"])
            counts = {model._meta.db_table: await model.all().count() for model in TENANT_MODELS}
        return {"counts": counts, "webhook_secret": webhook_secret, "files": await _files_of(services, tenant)}
    finally:
        await services.close()


async def _files_of(services, tenant) -> dict[str, bytes]:
    """Every stored file a row of the business names, by file name and size (keys differ between installations)."""
    from core.models.jobs import Attachment
    from tenants.context import use_tenant

    with use_tenant(tenant):
        keys = [tenant.logo_path] + [a.storage_key for a in await Attachment.all()]
        # The isolation builder's attachment names no real file ("storage_key-a"): plain text, not a file.
        return {key.split("/", 1)[1]: await services.storage.read(key) for key in keys if key.startswith(f"{tenant.id}/")}


def _contents(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive, "r:gz") as tar:
        return {member.name: tar.extractfile(member).read() for member in tar if member.isfile()}


def _manifest(contents: dict[str, bytes]) -> dict:
    return json.loads(contents["manifest.json"])


def _rows(contents: dict[str, bytes], table: str) -> list[dict]:
    return [json.loads(line) for line in contents[f"tables/{table}.jsonl"].decode().splitlines()]


def _expected_columns(model) -> set[str]:
    """Every stored column but the integer id and the tenant; links under their own name (a public id)."""
    meta = model._meta
    sources = {meta.fields_map[name].source_field: name for name in (*meta.fk_fields, *meta.o2o_fields)}
    return {sources.get(name, name) for name in meta.fields_db_projection} - {"id", "tenant", "tenant_id"}


def _export(env: CliEnv, path: Path, *extra: str) -> dict[str, bytes]:
    result = invoke(["tenant", "export", "acme", "--output", str(path), *extra], env.env)
    assert result.exit_code == 0, result.output
    assert f"to {path}" in result.output
    return _contents(path)


def test_round_trip_into_a_second_installation_keeps_every_row_and_file(cli_env, second_install, tmp_path):
    from core.plugins import PluginHost
    from tenants.archive import tenant_models
    from tenants.models import Domain, Tenant

    built = read_db(cli_env.settings, lambda: _build_business(cli_env.settings))
    first = _export(cli_env, tmp_path / "first.tar.gz", "--include-secrets")
    assert (tmp_path / "first.tar.gz").stat().st_mode & 0o077 == 0, "personal data and secrets: owner-only"

    imported = invoke(["tenant", "import", str(tmp_path / "first.tar.gz")], second_install.env)
    assert imported.exit_code == 0, imported.output
    assert "Imported Acme Pool Care (acme)" in imported.output
    second = _export(second_install, tmp_path / "second.tar.gz", "--include-secrets")

    # The same archive, made from each installation: every row and every file.
    one, two = _manifest(first), _manifest(second)
    assert one.pop("created_at") and two.pop("created_at")
    assert one == two
    assert first.keys() == second.keys()
    for name in set(first) - {"manifest.json"}:  # the manifests differ only by created_at, compared above
        assert first[name] == second[name], name

    # Every table is there with every column, and as many rows as the business has.
    models = tenant_models(PluginHost().load().model_apps())
    counts = {table["name"]: table["rows"] for table in one["tables"]}
    assert {name: counts[name] for name in built["counts"]} == built["counts"]
    assert all(counts[m._meta.db_table] >= 1 for m in models), "a table without a row proves nothing"
    for model in [Tenant, Domain, *models]:
        for row in _rows(first, model._meta.db_table):
            assert set(row) == _expected_columns(model), model.__name__
    assert {row["host"] for row in _rows(first, "tenant_domain")} == {"acme", "portal.acme-pools.test"}

    # Every file, byte for byte, as the imported business reads it from its own storage.
    assert {f["path"] for f in one["files"]} == set(built["files"])
    for relative, data in built["files"].items():
        assert first[f"files/{relative}"] == data

    async def secrets_there():
        from core.models.webhooks import WebhookEndpoint
        from core.plugin_state import _fernet
        from core.webhooks.secrets import decrypt
        from tenants.context import use_tenant

        tenant = await Tenant.get(slug="acme")
        with use_tenant(tenant):
            endpoint = await WebhookEndpoint.get()
            from core.models.platform import PluginConfig

            config = await PluginConfig.get()
            return decrypt(endpoint.secret_encrypted, OTHER_SECRET), _fernet(OTHER_SECRET).decrypt(config.secrets["api_key"].encode()).decode()

    # Encrypted again with the second installation's own key.
    assert read_db(second_install.settings, secrets_there) == (built["webhook_secret"], PLUGIN_SECRET)


def test_without_include_secrets_the_secrets_stay_behind_and_are_listed(cli_env, second_install, tmp_path):
    built = read_db(cli_env.settings, lambda: _build_business(cli_env.settings))
    contents = _export(cli_env, tmp_path / "acme.tar.gz")
    manifest = _manifest(contents)
    assert manifest["secrets"]["included"] is False
    assert {(item["table"], tuple(item["fields"])) for item in manifest["secrets"]["omitted"]} == {
        ("plugin_config", ("api_key",)),
        ("webhook_endpoint", ("secret",)),
    }
    everything = b"".join(contents.values())
    assert PLUGIN_SECRET.encode() not in everything and built["webhook_secret"].encode() not in everything

    imported = invoke(["tenant", "import", str(tmp_path / "acme.tar.gz")], second_install.env)
    assert imported.exit_code == 0, imported.output
    assert "not in the archive, enter again: plugin_config" in imported.output

    async def state():
        from core.models.platform import PluginConfig
        from core.models.webhooks import WebhookEndpoint
        from tenants.context import use_tenant
        from tenants.models import Tenant

        with use_tenant(await Tenant.get(slug="acme")):
            endpoint = await WebhookEndpoint.get()
            return (await PluginConfig.get()).secrets, endpoint.enabled, endpoint.disabled_reason

    secrets_, enabled, reason = read_db(second_install.settings, state)
    assert secrets_ == {} and enabled is False and "without its signing secret" in reason


async def _business_count() -> tuple[int, int]:
    from core.models.jobs import Job
    from tenants.context import use_tenant
    from tenants.models import Tenant

    jobs = 0
    for tenant in await Tenant.all():
        with use_tenant(tenant):
            jobs += await Job.all().count()
    return await Tenant.all().count(), jobs


def _rewrite(source: Path, target: Path, change) -> None:
    """A copy of an archive with ``change(name, data) -> data`` applied to each member."""
    contents = _contents(source)
    with tarfile.open(target, "w:gz") as tar:
        for name, data in contents.items():
            data = change(name, data)
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_import_refuses_in_one_line_and_changes_nothing(cli_env, tmp_path):
    read_db(cli_env.settings, lambda: _build_business(cli_env.settings))
    archive = tmp_path / "acme.tar.gz"
    _export(cli_env, archive)
    before = read_db(cli_env.settings, _business_count)

    def refused(path: Path, *extra: str) -> str:
        result = invoke(["tenant", "import", str(path), *extra], cli_env.env)
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        assert read_db(cli_env.settings, _business_count) == before
        return one_error_line(result)

    assert "the address 'acme' is already taken here" in refused(archive)
    assert "already exists here; public ids stay on import" in refused(archive, "--slug", "acme-copy")

    def tamper_table(name: str, data: bytes) -> bytes:
        return data.replace(b"Spring pool opening", b"Spring pool closing") if name == "tables/job.jsonl" else data

    _rewrite(archive, tmp_path / "tampered.tar.gz", tamper_table)
    assert "checksum mismatch: tables/job.jsonl" in refused(tmp_path / "tampered.tar.gz", "--slug", "acme-copy")

    def tamper_file(name: str, data: bytes) -> bytes:
        return data + b"!" if name.startswith("files/") and name.endswith(".pdf") else data

    _rewrite(archive, tmp_path / "tampered-file.tar.gz", tamper_file)
    assert "checksum mismatch: files/" in refused(tmp_path / "tampered-file.tar.gz", "--slug", "acme-copy")

    def future(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["format_version"] = 99
        return json.dumps(manifest).encode()

    _rewrite(archive, tmp_path / "future.tar.gz", future)
    assert "unknown archive format_version 99" in refused(tmp_path / "future.tar.gz", "--slug", "acme-copy")

    (tmp_path / "junk.tar.gz").write_bytes(b"not an archive")
    assert "not a readable tar.gz archive" in refused(tmp_path / "junk.tar.gz")


def _with_job_colour(data: bytes) -> bytes:
    rows = [json.loads(line) for line in data.decode().splitlines()]
    return "".join(json.dumps({**row, "colour": "red"}) + "\n" for row in rows).encode()


def _without_custom_domain(data: bytes) -> bytes:
    return "".join(line for line in data.decode().splitlines(keepends=True) if '"custom"' not in line).encode()


HALF_WAY_REFUSALS = [
    ("domain", "the domain portal.acme-pools.test already belongs to a business here"),
    ("row", "a row of the archive already exists here (api_client: "),
    ("column", "tables/job.jsonl has column 'colour', which this installation does not have"),
]


def test_a_refusal_found_half_way_rolls_back_the_whole_import(cli_env, tmp_path, request):
    """The business row and its files are written before these are found: none of them stays.

    One business built and exported for the three refusals (each import is
    refused and changes nothing, which each checks), rather than one each.
    """
    import hashlib

    read_db(cli_env.settings, lambda: _build_business(cli_env.settings))
    archive = tmp_path / "acme.tar.gz"
    _export(cli_env, archive)
    contents = _contents(archive)

    for variant, message in HALF_WAY_REFUSALS:
        # A new business id (so the up-front check passes), re-checksummed, with
        # the same rows: the custom domain, or else the first table's public ids,
        # clash on the way; or a column from a newer Porchside.
        manifest = _manifest(contents)
        changed = {"tables/tenant.jsonl": contents["tables/tenant.jsonl"].replace(b'"public_id": "tnt_', b'"public_id": "tnt_x')}
        if variant != "domain":
            changed["tables/tenant_domain.jsonl"] = _without_custom_domain(contents["tables/tenant_domain.jsonl"])
        if variant == "column":
            changed["tables/job.jsonl"] = _with_job_colour(contents["tables/job.jsonl"])
        for table in manifest["tables"]:
            if f"tables/{table['name']}.jsonl" in changed:
                table["sha256"] = hashlib.sha256(changed[f"tables/{table['name']}.jsonl"]).hexdigest()
        changed["manifest.json"] = json.dumps(manifest).encode()
        clash = tmp_path / f"clash-{variant}.tar.gz"
        _rewrite(archive, clash, lambda name, data: changed.get(name, data))
        # Into a second installation for the new column: nothing clashes before the job table.
        target = request.getfixturevalue("second_install") if variant == "column" else cli_env

        before = read_db(target.settings, _business_count)
        files_before = sorted(p for p in target.settings.uploads_dir.rglob("*") if p.is_file())
        result = invoke(["tenant", "import", str(clash), "--slug", "acme-copy"], target.env)
        assert result.exit_code == 2, (variant, result.output)
        assert message in one_error_line(result), variant
        assert read_db(target.settings, _business_count) == before, variant
        assert sorted(p for p in target.settings.uploads_dir.rglob("*") if p.is_file()) == files_before, variant
