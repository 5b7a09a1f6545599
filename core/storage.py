"""File storage behind one small interface, scoped by tenant.

Keys look like ``<tenant id>/<random>/<safe name>``: the tenant's folder comes
from the current tenant, never from the caller, and reading a key of another
tenant fails. :class:`LocalStorage` keeps files under the data directory; an
S3-compatible backend implements the same four methods, with the key as the
object name.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import unicodedata
from pathlib import Path, PurePosixPath
from typing import Protocol

from tenants.context import current_tenant_id

MAX_FILENAME = 120
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_KEY_PART = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*$")


class StorageError(LookupError):
    """No such file in the current tenant's storage (or a key that cannot be one)."""


def safe_filename(name: str) -> str:
    """A name safe in a path and a URL: ASCII letters, digits, ``.``, ``_`` and ``-``.

    Directories (``/`` or ``\\``) are dropped, accents folded (``résumé`` ->
    ``resume``), other characters become ``-``, a leading dot is removed so
    no hidden file appears, and a long name is shortened keeping its
    extension.
    """
    base = PurePosixPath((name or "").replace("\\", "/")).name
    ascii_name = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    cleaned = _UNSAFE.sub("-", ascii_name).strip(".-") or "file"
    if len(cleaned) > MAX_FILENAME:
        stem, dot, ext = cleaned.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            cleaned = stem[: MAX_FILENAME - len(ext) - 1].rstrip(".-") + "." + ext
        else:
            cleaned = cleaned[:MAX_FILENAME]
    return cleaned


class Storage(Protocol):
    async def save(self, data: bytes, filename: str) -> str:
        """Store ``data`` for the current tenant; return its new key."""
        ...

    async def read(self, key: str) -> bytes:
        """The bytes of a key of the current tenant; :class:`StorageError` otherwise."""
        ...

    async def delete(self, key: str) -> None:
        """Remove a key of the current tenant; a missing file is not an error."""
        ...

    async def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` of the current tenant (restoring a tenant archive keeps its keys)."""
        ...


class LocalStorage:
    """Files under ``root/<tenant id>/``, written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _path(self, key: str) -> Path:
        """The file of ``key``, refusing keys outside the current tenant's folder."""
        tenant_dir = self.root / str(current_tenant_id())
        parts = key.split("/") if isinstance(key, str) else []
        if (
            len(parts) < 3
            or parts[0] != tenant_dir.name
            or not all(_KEY_PART.match(part) for part in parts[1:])
        ):
            raise StorageError(key)
        path = (self.root / key).resolve()  # also follows symlinks planted in the tree
        if not path.is_relative_to(tenant_dir):
            raise StorageError(key)
        return path

    async def save(self, data: bytes, filename: str) -> str:
        key = f"{current_tenant_id()}/{secrets.token_urlsafe(12)}/{safe_filename(filename)}"
        path = self._path(key)
        await asyncio.to_thread(_write, path, data)
        return key

    async def read(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise StorageError(key) from None

    async def put(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(_write, self._path(key), data)

    async def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            await asyncio.to_thread(path.unlink, True)
        except (IsADirectoryError, NotADirectoryError):
            raise StorageError(key) from None


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    draft.write_bytes(data)
    draft.replace(path)
