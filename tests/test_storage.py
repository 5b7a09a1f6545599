"""File storage: keys are scoped by tenant, paths cannot escape, names are sanitised."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from core.storage import MAX_FILENAME, LocalStorage, StorageError, safe_filename
from tenants.context import NoTenantError, use_tenant

# Storage reads only the current tenant's id, so plain stand-ins do; the
# portal test at the end uses real tenants through HTTP.
A = SimpleNamespace(id=1)
B = SimpleNamespace(id=10)  # "1" is a prefix of "10": keys must compare whole folders


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "files")


async def test_keys_live_in_the_tenants_folder(storage: LocalStorage) -> None:
    with use_tenant(A):
        key = await storage.save(b"invoice", "invoice.pdf")
        assert await storage.read(key) == b"invoice"
    parts = key.split("/")
    assert parts[0] == "1" and parts[-1] == "invoice.pdf" and len(parts) == 3
    assert len(parts[1]) >= 16  # random folder: keys are not guessable
    assert (storage.root / key).read_bytes() == b"invoice"


async def test_same_name_in_two_tenants_gives_two_files(storage: LocalStorage) -> None:
    with use_tenant(A):
        key_a = await storage.save(b"from a", "photo.jpg")
    with use_tenant(B):
        key_b = await storage.save(b"from b", "photo.jpg")
        assert await storage.read(key_b) == b"from b"
    with use_tenant(A):
        assert await storage.read(key_a) == b"from a"
    assert key_a != key_b


async def test_another_tenants_key_cannot_be_read_or_deleted(storage: LocalStorage) -> None:
    with use_tenant(B):
        key_b = await storage.save(b"secret of b", "contract.pdf")
    with use_tenant(A):
        with pytest.raises(StorageError):
            await storage.read(key_b)
        with pytest.raises(StorageError):
            await storage.delete(key_b)
        # Even through the tenant's own folder.
        with pytest.raises(StorageError):
            await storage.read(f"1/../{key_b}")
    with use_tenant(B):
        assert await storage.read(key_b) == b"secret of b"


@pytest.mark.parametrize(
    "key",
    [
        "../etc/passwd",
        "/etc/passwd",
        "1/../../etc/passwd",
        "1/tok/../../10/tok/x",
        "1/../10/tok/x",
        "1/tok/..",
        "1/tok/.hidden",
        "1/tok//x",
        "1/tok",
        "1/",
        "1",
        "",
        "10/tok/x",
        "1\\tok\\x",
        "1/tok/x\x00.pdf",
        "1/tok/~",
    ],
)
async def test_crafted_keys_are_refused(storage: LocalStorage, key: str) -> None:
    victim = storage.root.parent / "etc" / "passwd"
    victim.parent.mkdir(parents=True)
    victim.write_text("root")
    with use_tenant(A):
        with pytest.raises(StorageError):
            await storage.read(key)
        with pytest.raises(StorageError):
            await storage.delete(key)
    assert victim.read_text() == "root"


async def test_a_symlink_out_of_the_tenants_folder_is_not_followed(storage: LocalStorage) -> None:
    with use_tenant(B):
        key_b = await storage.save(b"secret of b", "contract.pdf")
    link = storage.root / "1" / "planted"
    link.parent.mkdir(parents=True)
    os.symlink(storage.root / key_b.rsplit("/", 1)[0], link)
    with use_tenant(A):
        with pytest.raises(StorageError):
            await storage.read("1/planted/contract.pdf")


async def test_missing_files_and_folders_are_storage_errors(storage: LocalStorage) -> None:
    with use_tenant(A):
        key = await storage.save(b"x", "a.txt")
        await storage.delete(key)
        await storage.delete(key)  # deleting twice is fine
        with pytest.raises(StorageError):
            await storage.read(key)
        folder = key.rsplit("/", 1)[0]
        (storage.root / folder / "sub").mkdir()
        with pytest.raises(StorageError):
            await storage.read(f"{folder}/sub")


async def test_storage_needs_a_tenant(storage: LocalStorage) -> None:
    with pytest.raises(NoTenantError):
        await storage.save(b"x", "a.txt")
    with pytest.raises(NoTenantError):
        await storage.read("1/tok/a.txt")


async def test_a_hostile_filename_stays_in_the_tenants_folder(storage: LocalStorage) -> None:
    with use_tenant(A):
        key = await storage.save(b"x", "../../10/evil/../../etc/passwd")
    assert key.startswith("1/") and key.endswith("/passwd")
    assert (storage.root / key).resolve().is_relative_to(storage.root / "1")
    assert not (storage.root / "10").exists()


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("invoice.pdf", "invoice.pdf"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("C:\\Users\\me\\photo 1.JPG", "photo-1.JPG"),
        ("résumé final.pdf", "resume-final.pdf"),
        (".htaccess", "htaccess"),
        ("<b>bold</b>.png", "b-.png"),  # "/" splits off a directory
        ("pool\x00.php", "pool-.php"),
        ("", "file"),
        ("...", "file"),
        ("写真", "file"),
    ],
)
def test_filenames_are_sanitised(raw: str, safe: str) -> None:
    assert safe_filename(raw) == safe


def test_long_filenames_keep_their_extension() -> None:
    name = safe_filename("a" * 300 + ".pdf")
    assert len(name) == MAX_FILENAME and name.endswith("a.pdf")
    assert len(safe_filename("b" * 300)) == MAX_FILENAME


async def test_portal_cannot_serve_another_tenants_file(app, tenant, other_tenant, client, other_client) -> None:
    """A tenant whose logo key names another tenant's file gets 404, not the file."""
    storage = app.extensions["porchside"].storage  # what requests reach via current_services()
    with use_tenant(other_tenant):
        key_b = await storage.save(b"\x89PNG globex logo", "logo.png")
        other_tenant.logo_path = key_b
        await other_tenant.save(update_fields=["logo_path"])
    tenant.logo_path = key_b
    await tenant.save(update_fields=["logo_path"])

    own = await other_client.get("/logo")
    assert own.status_code == 200
    assert await own.get_data() == b"\x89PNG globex logo"
    stolen = await client.get("/logo")
    assert stolen.status_code == 404
    assert b"globex logo" not in await stolen.get_data()

