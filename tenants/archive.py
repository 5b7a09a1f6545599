"""One business's complete data and files as a versioned archive (``porchside tenant export`` / ``import``).

For backups, moving a business between installations, and a customer's
data-access request. The archive is a ``.tar.gz`` holding:

* ``manifest.json``: ``format_version``, the Porchside version, the tenant's
  slug and public id, ``created_at``, every table with its row count and
  sha256, every file with its size and sha256, and which secrets were left
  out (``secrets``);
* ``tables/<table>.jsonl``: one JSON object per row, in primary-key order:
  the Tenant row, its Domain rows, then every ``TenantModel`` table of core
  and of the installed plugins (found the way ``tests/test_isolation.py``
  finds them), parents before children;
* ``files/<folder>/<name>``: every stored file a row refers to.

Rows carry no integer ids: a link to another row is that row's public id
(public ids are globally unique, so they stay on import), and a value that
is a storage key of the tenant is written ``porchside-file:<folder>/<name>``
(the key without the tenant's folder, which differs between installations).
Import restores each file under the new tenant's folder with the same
folder and name, so exporting the imported business gives the same archive.

Secrets: plugin secret settings and webhook signing secrets are stored
encrypted with a key derived from the installation's secret key, which the
target installation does not have. They are left out unless the operator
asks for them (``include_secrets``): then they are written decrypted (the
archive must be kept like a password file) and import encrypts them with the
target's key. Left out, the manifest lists them: plugin secrets must be
entered again, and an imported webhook endpoint is disabled (with a random
secret nobody knows) until its owner adds it again.

Import runs in one transaction: an unknown ``format_version``, a checksum
that does not match, a slug or public id that already exists, or any other
refusal leaves the database as it was (and removes the files it wrote).
Rows are read and written in chunks of :data:`CHUNK`; only the maps from
ids to public ids are held in memory.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import json
import logging
import re
import shutil
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any, Iterator
from uuid import UUID

from tortoise import fields
from tortoise.exceptions import IntegrityError
from tortoise.models import Model
from tortoise.transactions import in_transaction

from core.models import MODEL_MODULES
from core.models.base import TenantModel
from core.storage import StorageError
from tenants.context import use_tenant
from tenants.models import Domain, Tenant, validate_slug

FORMAT_VERSION = 1
CHUNK = 500
FILE_REF = "porchside-file:"
_SAFE_PART = r"[A-Za-z0-9_-][A-Za-z0-9._-]*"
_MEMBER = re.compile(rf"^(manifest\.json|tables/[a-z0-9_]+\.jsonl|files/{_SAFE_PART}/{_SAFE_PART})$")
_READ_BLOCK = 1 << 20

log = logging.getLogger("porchside.archive")


class ArchiveError(Exception):
    """An archive cannot be made or imported; the message is one line for the operator."""


# -- which tables -------------------------------------------------------------


def tenant_models(plugin_apps: dict[str, Any]) -> list[type[TenantModel]]:
    """Every tenant-owned model of core and of ``plugin_apps``, each after the models it links to."""
    modules = list(MODEL_MODULES)
    for app in plugin_apps.values():
        modules.extend(app["models"])
    found: dict[str, type[TenantModel]] = {}
    for name in modules:
        module = importlib.import_module(name)
        for obj in vars(module).values():
            if (
                isinstance(obj, type)
                and issubclass(obj, TenantModel)
                and obj.__module__ == module.__name__
                and not obj._meta.abstract
            ):
                _check_exportable(obj)
                found[obj._meta.db_table] = obj
    ordered: list[type[TenantModel]] = []
    placed: set[type] = set()

    def place(model: type[TenantModel]) -> None:
        if model in placed:
            return
        placed.add(model)
        for _, _, _, remote in model._links():
            place(remote)
        ordered.append(model)

    for table in sorted(found):
        place(found[table])
    return ordered


def _check_exportable(model: type[TenantModel]) -> None:
    """Refuse a model shape this module does not know how to move, so a new one is noticed."""
    meta = model._meta
    if meta.m2m_fields:
        raise ArchiveError(f"{model.__name__} has many-to-many fields; teach tenants/archive.py to move them")
    for name in (*meta.fk_fields, *meta.o2o_fields):
        if name == "tenant":
            continue
        remote = meta.fields_map[name].related_model
        if not (isinstance(remote, type) and issubclass(remote, TenantModel)):
            raise ArchiveError(f"{model.__name__}.{name} links to a table that is not the tenant's")
        if remote is model:
            raise ArchiveError(f"{model.__name__}.{name} links to its own table; teach tenants/archive.py")
    for _, _, remote_key, _ in model._links():
        if remote_key != "id":
            raise ArchiveError(f"{model.__name__} links by {remote_key}; teach tenants/archive.py")


def _columns(model: type[Model]) -> list[str]:
    """The stored fields of ``model`` without its integer id and its tenant."""
    return [name for name in model._meta.fields_db_projection if name not in ("id", "tenant_id")]


def _archive_columns(model: type[Model]) -> set[str]:
    """The keys a row of ``model`` may have in an archive: its columns, links under the link's name."""
    meta = model._meta
    links = {meta.fields_map[name].source_field: name for name in (*meta.fk_fields, *meta.o2o_fields)}
    return {links.get(name, name) for name in _columns(model)}


def _check_row(model: type[Model], row: Any, allowed: set[str]) -> None:
    """Refuse a row with a column this installation does not have (made by a newer Porchside)."""
    if not isinstance(row, dict):
        raise ArchiveError(f"a row of tables/{model._meta.db_table}.jsonl is not a JSON object")
    unknown = set(row) - allowed
    if unknown:
        raise ArchiveError(
            f"tables/{model._meta.db_table}.jsonl has column {sorted(unknown)[0]!r}, which this installation "
            "does not have; upgrade Porchside here first"
        )


# -- values ---------------------------------------------------------------------


def _encode(value: Any) -> Any:
    """A JSON value for a column value as the ORM returns it."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    if isinstance(value, timedelta):
        return value.total_seconds()
    return value


def _decode(model: type[Model], name: str, value: Any) -> Any:
    """The Python value of column ``name`` from its JSON form."""
    if value is None:
        return None
    column = model._meta.fields_map[name]
    enum_type = getattr(column, "enum_type", None)
    if enum_type is not None:
        return enum_type(value)
    if isinstance(column, fields.DatetimeField):
        return datetime.fromisoformat(value)
    if isinstance(column, fields.DateField):
        return date.fromisoformat(value)
    if isinstance(column, fields.TimeField):
        return time.fromisoformat(value)
    if isinstance(column, fields.DecimalField):
        return Decimal(value)
    if isinstance(column, fields.UUIDField):
        return UUID(value)
    if isinstance(column, fields.BinaryField):
        return base64.b64decode(value)
    if isinstance(column, fields.TimeDeltaField):
        return timedelta(seconds=value)
    return value


def _map_strings(value: Any, change) -> Any:
    """``value`` with every string in it (nested in JSON too) passed through ``change``."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list):
        return [_map_strings(item, change) for item in value]
    if isinstance(value, dict):
        return {key: _map_strings(item, change) for key, item in value.items()}
    return value


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_READ_BLOCK):
            digest.update(block)
    return digest.hexdigest()


# -- export ---------------------------------------------------------------------


@dataclass
class _Export:
    tenant: Tenant
    storage: Any
    folder: Path
    include_secrets: bool
    secret_key: str
    files: dict[str, dict] = field(default_factory=dict)
    omitted_secrets: list[dict] = field(default_factory=list)
    not_files: set[str] = field(default_factory=set)

    async def file_ref(self, value: str) -> str:
        """``value``, or its ``porchside-file:`` form when it is a stored file of the tenant."""
        prefix = f"{self.tenant.id}/"
        if not value.startswith(prefix) or not re.fullmatch(rf"{_SAFE_PART}/{_SAFE_PART}", value[len(prefix):]):
            return value
        relative = value[len(prefix):]
        if relative in self.files:
            return FILE_REF + relative
        if value in self.not_files:
            return value
        try:
            data = await self.storage.read(value)
        except StorageError:
            self.not_files.add(value)  # text that looks like a key (a date like 3/12/2026)
            return value
        path = self.folder / "files" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.files[relative] = {"path": relative, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        return FILE_REF + relative

    async def row(self, model: type[Model], values: dict[str, Any], links: dict[str, tuple[str, dict]]) -> dict:
        """The archive form of one row: links as public ids, file keys as references, secrets handled."""
        out: dict[str, Any] = {}
        for name, value in values.items():
            if name in links:
                link_name, public_ids = links[name]
                out[link_name] = None if value is None else public_ids[value]
                continue
            encoded = _encode(value)
            strings: list[str] = []
            _map_strings(encoded, lambda s: strings.append(s) or s)
            refs = {s: await self.file_ref(s) for s in strings}
            out[name] = _map_strings(encoded, lambda s: refs[s])
        self._secrets(model, out)
        return out

    def _secrets(self, model: type[Model], out: dict[str, Any]) -> None:
        from core.models.platform import PluginConfig
        from core.models.webhooks import WebhookEndpoint

        if model is PluginConfig:
            stored = out.get("secrets") or {}
            kept: dict[str, str] = {}
            if self.include_secrets:
                from core.plugin_state import _fernet

                for name, token in stored.items():
                    try:
                        kept[name] = _fernet(self.secret_key).decrypt(str(token).encode()).decode()
                    except Exception:  # InvalidToken: encrypted under an earlier secret key
                        pass
            lost = sorted(set(stored) - set(kept))
            if lost:
                self.omitted_secrets.append({"table": PluginConfig._meta.db_table, "public_id": out["public_id"],
                                             "plugin": out.get("plugin"), "fields": lost})
            out["secrets"] = kept
        elif model is WebhookEndpoint:
            token, secret = out.get("secret_encrypted") or "", ""
            if self.include_secrets and token:
                from core.webhooks.secrets import decrypt

                try:
                    secret = decrypt(token, self.secret_key)
                except Exception:  # InvalidToken: encrypted under an earlier secret key
                    secret = ""
            if not secret:
                self.omitted_secrets.append({"table": WebhookEndpoint._meta.db_table, "public_id": out["public_id"],
                                             "url": out.get("url"), "fields": ["secret"]})
            out["secret_encrypted"] = secret


async def export_tenant(
    tenant: Tenant,
    output: Path,
    *,
    storage: Any,
    plugin_apps: dict[str, Any],
    secret_key: str,
    include_secrets: bool = False,
    version: str = "",
) -> dict:
    """Write the archive of ``tenant`` to ``output``; return its manifest."""
    output = Path(output)
    with tempfile.TemporaryDirectory(prefix="porchside-export-") as scratch:
        folder = Path(scratch)
        (folder / "tables").mkdir()
        state = _Export(tenant, storage, folder, include_secrets, secret_key)
        tables = []
        with use_tenant(tenant):
            tables.append(await _export_table(state, Tenant, Tenant.filter(id=tenant.id), {}))
            tables.append(await _export_table(state, Domain, Domain.filter(tenant_id=tenant.id), {}))
            public_ids: dict[type, dict[int, str]] = {}
            for model in tenant_models(plugin_apps):
                links = {source: (name, public_ids[remote]) for name, source, _, remote in model._links()}
                public_ids[model] = {}
                tables.append(await _export_table(state, model, model.all(), links, public_ids[model]))
        manifest = {
            "format_version": FORMAT_VERSION,
            "porchside_version": version,
            "tenant": {"slug": tenant.slug, "public_id": tenant.public_id, "name": tenant.name},
            "created_at": datetime.now(timezone.utc).isoformat(),
            "tables": tables,
            "files": sorted(state.files.values(), key=lambda f: f["path"]),
            "secrets": {"included": include_secrets, "omitted": state.omitted_secrets},
        }
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
        output.parent.mkdir(parents=True, exist_ok=True)
        draft = output.with_name(f".{output.name}.part")
        # Customers' personal data (and, on request, secrets): readable by its owner only.
        draft.unlink(missing_ok=True)
        draft.touch(mode=0o600)
        with tarfile.open(draft, "w:gz") as tar:
            tar.add(folder / "manifest.json", "manifest.json")
            for table in tables:
                tar.add(folder / "tables" / f"{table['name']}.jsonl", f"tables/{table['name']}.jsonl")
            for item in manifest["files"]:
                tar.add(folder / "files" / item["path"], f"files/{item['path']}")
        draft.replace(output)
    return manifest


async def _export_table(
    state: _Export, model: type[Model], query, links: dict, public_ids: dict[int, str] | None = None
) -> dict:
    """Write one table's rows, CHUNK at a time in id order; return its manifest entry."""
    table = model._meta.db_table
    path = state.folder / "tables" / f"{table}.jsonl"
    columns = _columns(model)
    count, last = 0, 0
    with path.open("w", encoding="utf-8") as out:
        while True:
            chunk = await query.filter(id__gt=last).order_by("id").limit(CHUNK).values("id", *columns)
            if not chunk:
                break
            for values in chunk:
                last = values.pop("id")
                if public_ids is not None:
                    public_ids[last] = values["public_id"]
                row = await state.row(model, values, links)
                out.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
                count += 1
    return {"name": table, "rows": count, "sha256": _sha256(path)}


# -- import ---------------------------------------------------------------------


@dataclass
class ImportResult:
    tenant: Tenant
    rows: int
    files: int
    omitted_secrets: list[dict]


def _unpack(archive: Path, folder: Path) -> dict:
    """Extract ``archive`` into ``folder`` member by member; return its checked manifest."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                if not member.isfile() or not _MEMBER.match(member.name):
                    raise ArchiveError(f"{archive} is not a Porchside tenant archive (unexpected member {member.name!r})")
                target = folder / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                with target.open("wb") as out:
                    shutil.copyfileobj(source, out, _READ_BLOCK)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise ArchiveError(f"{archive} is not a readable tar.gz archive: {exc}") from None
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise ArchiveError(f"{archive} has no readable manifest.json: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format_version") != FORMAT_VERSION:
        found = manifest.get("format_version") if isinstance(manifest, dict) else None
        raise ArchiveError(f"unknown archive format_version {found!r}; this Porchside reads version {FORMAT_VERSION}")
    try:
        _check_contents(folder, manifest)
    except (KeyError, TypeError, AttributeError) as exc:
        raise ArchiveError(f"{archive} has a malformed manifest.json ({type(exc).__name__}: {exc})") from None
    return manifest


def _check_contents(folder: Path, manifest: dict) -> None:
    """Every table and file is the one the manifest lists (sha256), and nothing else is there."""
    for table in manifest["tables"]:
        if not re.fullmatch(r"[a-z0-9_]+", table["name"]):
            raise ArchiveError(f"the manifest names a table {table['name']!r} that cannot be one")
        path = folder / "tables" / f"{table['name']}.jsonl"
        if not path.is_file() or _sha256(path) != table["sha256"]:
            raise ArchiveError(f"checksum mismatch: tables/{table['name']}.jsonl is not the file the manifest lists")
    listed = set()
    for item in manifest["files"]:
        path = folder / "files" / item["path"]
        if not _MEMBER.match(f"files/{item['path']}") or not path.is_file() or _sha256(path) != item["sha256"]:
            raise ArchiveError(f"checksum mismatch: files/{item['path']} is not the file the manifest lists")
        listed.add(item["path"])
    extra = {p.relative_to(folder / "files").as_posix() for p in (folder / "files").glob("*/*")} - listed
    if extra:
        raise ArchiveError(f"files/{sorted(extra)[0]} is in the archive but not in its manifest")


def _rows(path: Path) -> Iterator[list[dict]]:
    """The rows of a table file, CHUNK at a time."""
    if not path.is_file():
        return
    chunk: list[dict] = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            chunk.append(json.loads(line))
            if len(chunk) == CHUNK:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


async def import_tenant(
    archive: Path,
    *,
    storage: Any,
    plugin_apps: dict[str, Any],
    secret_key: str,
    slug: str | None = None,
) -> ImportResult:
    """Create the business of ``archive`` in this installation, in one transaction.

    :param slug: its address here (default: the one in the archive).
    :raises ArchiveError: the archive is refused; nothing was changed.
    """
    with tempfile.TemporaryDirectory(prefix="porchside-import-") as scratch:
        folder = Path(scratch)
        manifest = _unpack(Path(archive), folder)
        models = tenant_models(plugin_apps)
        known = {m._meta.db_table for m in models} | {Tenant._meta.db_table, Domain._meta.db_table}
        for table in manifest["tables"]:
            if table["name"] not in known and table["rows"]:
                raise ArchiveError(
                    f"the archive has rows of table {table['name']}, which this installation does not have "
                    "(install and enable the plugin that owns it)"
                )
        try:
            return await _import_checked(folder, manifest, models, storage, secret_key, slug)
        except (ValueError, TypeError) as exc:  # a row that does not read (bad JSON, a date that is not one)
            raise ArchiveError(f"a row of the archive cannot be read: {type(exc).__name__}: {exc}") from None


async def _import_checked(
    folder: Path, manifest: dict, models: list, storage: Any, secret_key: str, slug: str | None
) -> ImportResult:
    """The import once the archive's files are known to be the ones its manifest lists."""
    tenant_rows = [row for chunk in _rows(folder / "tables" / "tenant.jsonl") for row in chunk]
    if len(tenant_rows) != 1:
        raise ArchiveError("the archive does not hold exactly one business")
    source = tenant_rows[0]
    _check_row(Tenant, source, _archive_columns(Tenant))
    if not isinstance(source.get("slug"), str) or not isinstance(source.get("public_id"), str):
        raise ArchiveError("the business row of the archive has no slug or public id")
    new_slug = (slug or source["slug"]).strip().lower()
    if problem := validate_slug(new_slug):
        raise ArchiveError(f"cannot use the address {new_slug!r}: {problem}")
    if await Tenant.filter(slug=new_slug).exists() or await Domain.filter(kind="subdomain", host=new_slug).exists():
        raise ArchiveError(f"the address {new_slug!r} is already taken here; import it with --slug NEW_SLUG")
    if await Tenant.filter(public_id=source["public_id"]).exists():
        raise ArchiveError(
            f"business {source['public_id']} ({source['slug']}) already exists here; public ids stay on import, "
            "so a business is imported once per installation"
        )
    written: list[tuple[Tenant, str]] = []
    try:
        async with in_transaction():
            result = await _import_rows(folder, manifest, models, source, new_slug, storage, secret_key, written)
    except IntegrityError as exc:  # a Tenant or Domain row; table rows are named above
        await _remove(storage, written)
        raise ArchiveError(f"a row of the archive already exists here: {str(exc).strip().splitlines()[0]}") from None
    except BaseException:
        await _remove(storage, written)
        raise
    from core.tenant_state import tenant_changed

    await tenant_changed(result.tenant.id)  # its plugin rows were bulk-written: no signal told anyone
    return result


async def _remove(storage: Any, written: list[tuple[Tenant, str]]) -> None:
    """Delete the files an import wrote before it was refused (their rows were rolled back)."""
    for tenant, key in written:
        try:
            with use_tenant(tenant):  # storage keys are checked against the current tenant
                await storage.delete(key)
        except Exception:  # best effort: nothing names the file any more
            log.warning("import: could not remove %s after the refusal", key, exc_info=True)


async def _import_rows(
    folder: Path, manifest: dict, models: list, source: dict, new_slug: str, storage: Any, secret_key: str,
    written: list[tuple[Tenant, str]],
) -> ImportResult:
    values = {name: _decode(Tenant, name, value) for name, value in source.items()}
    values["slug"] = new_slug
    tenant = await Tenant.create(**values)
    count = 1
    with use_tenant(tenant):
        keys: dict[str, str] = {}
        for item in manifest["files"]:
            key = f"{tenant.id}/{item['path']}"
            await storage.put(key, (folder / "files" / item["path"]).read_bytes())
            written.append((tenant, key))
            keys[FILE_REF + item["path"]] = key
        if tenant.logo_path in keys:
            tenant.logo_path = keys[tenant.logo_path]
            await tenant.save(update_fields=["logo_path"])

        def unref(value: str) -> str:
            return keys.get(value, value)

        domain_columns = _archive_columns(Domain)
        for chunk in _rows(folder / "tables" / "tenant_domain.jsonl"):
            for row in chunk:
                _check_row(Domain, row, domain_columns)
                domain = {name: _decode(Domain, name, value) for name, value in row.items()}
                if domain["kind"] == "subdomain" and domain["host"] != source["slug"] and new_slug != source["slug"]:
                    continue  # an old address of the source installation: not this business's here
                if domain["kind"] == "subdomain" and domain["host"] == source["slug"]:
                    domain["host"] = new_slug
                if await Domain.filter(kind=domain["kind"], host=domain["host"]).exists():
                    raise ArchiveError(f"the domain {domain['host']} already belongs to a business here")
                await Domain.create(tenant=tenant, **domain)
                count += 1
        ids: dict[type, dict[str, int]] = {}
        included = bool(manifest.get("secrets", {}).get("included"))
        auto_now = [f for m in models for f in m._meta.fields_map.values() if getattr(f, "auto_now", False)]
        for f in auto_now:
            f.auto_now = False  # keep each row's own updated_at; restored below
        try:
            for model in models:
                ids[model] = {}
                links = {name: (source_field, ids[remote]) for name, source_field, _, remote in model._links()}
                allowed = _archive_columns(model)
                for chunk in _rows(folder / "tables" / f"{model._meta.db_table}.jsonl"):
                    made = []
                    for row in chunk:
                        _check_row(model, row, allowed)
                        fields_: dict[str, Any] = {}
                        for name, value in row.items():
                            if name in links:
                                source_field, remote_ids = links[name]
                                if value is not None and value not in remote_ids:
                                    raise ArchiveError(
                                        f"a row of tables/{model._meta.db_table}.jsonl links to {value!r}, "
                                        "which is not in the archive"
                                    )
                                fields_[source_field] = None if value is None else remote_ids[value]
                            else:
                                fields_[name] = _decode(model, name, _map_strings(value, unref))
                        _restore_secrets(model, fields_, included, secret_key)
                        made.append(model(tenant_id=tenant.id, **fields_))
                    try:
                        await model.bulk_create(made)
                    except IntegrityError as exc:
                        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                        raise ArchiveError(
                            f"a row of the archive already exists here ({model._meta.db_table}: {first_line}); "
                            "was the business imported before?"
                        ) from None
                    public = [row.public_id for row in made]
                    ids[model].update(
                        dict(await model.filter(public_id__in=public).values_list("public_id", "id"))  # type: ignore[arg-type]
                    )
                    count += len(made)
        finally:
            for f in auto_now:
                f.auto_now = True
    return ImportResult(tenant, count, len(manifest["files"]), manifest.get("secrets", {}).get("omitted", []))


def _restore_secrets(model: type[Model], row: dict[str, Any], included: bool, secret_key: str) -> None:
    """Encrypt the archive's decrypted secrets with this installation's key (see the module's note)."""
    from core.models.platform import PluginConfig
    from core.models.webhooks import WebhookEndpoint

    if model is PluginConfig:
        from core.plugin_state import _fernet

        plain = (row.get("secrets") or {}) if included else {}
        row["secrets"] = {name: _fernet(secret_key).encrypt(str(value).encode()).decode() for name, value in plain.items()}
    elif model is WebhookEndpoint:
        from core.webhooks.secrets import encrypt, new_secret

        secret = (row.get("secret_encrypted") or "") if included else ""
        if not secret:
            # The receiver knows the old secret only: sign nothing until the owner shares a new one.
            secret = new_secret()
            row["enabled"] = False
            row["disabled_at"] = row.get("disabled_at") or datetime.now(timezone.utc)
            row["disabled_reason"] = "Imported without its signing secret: add the endpoint again (its new secret is shown once) and delete this one."
        row["secret_encrypted"] = encrypt(secret, secret_key)
