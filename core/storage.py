"""File storage behind one small interface, scoped by tenant.

Keys look like ``<tenant id>/<random>/<safe name>``: the tenant's folder comes
from the current tenant, never from the caller, and reading a key of another
tenant fails. :class:`LocalStorage` keeps files under the data directory; an
S3-compatible backend implements the same three methods.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from pathlib import Path
from typing import Protocol

from tenants.context import current_tenant_id

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


class StorageError(LookupError):
    """No such file in the current tenant's storage."""


def safe_filename(name: str) -> str:
    base = Path(name or "file").name
    cleaned = _SAFE.sub("-", base).strip(".-") or "file"
    return cleaned[:120]


class Storage(Protocol):
    async def save(self, data: bytes, filename: str) -> str: ...
    async def read(self, key: str) -> bytes: ...
    async def delete(self, key: str) -> None: ...


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _path(self, key: str) -> Path:
        tenant_prefix = f"{current_tenant_id()}/"
        if not key.startswith(tenant_prefix):
            raise StorageError(key)
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root / str(current_tenant_id())):
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
        except FileNotFoundError:
            raise StorageError(key) from None

    async def delete(self, key: str) -> None:
        path = self._path(key)
        await asyncio.to_thread(path.unlink, True)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)
