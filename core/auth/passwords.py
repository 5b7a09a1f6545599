"""Password hashing (argon2id) and the rules a new password must meet."""

from __future__ import annotations

import asyncio
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from core.i18n import gettext

MIN_LENGTH = 10
MAX_LENGTH = 200

#: argon2id with the library's recommended cost (RFC 9106 low-memory profile).
RECOMMENDED = PasswordHasher(type=Type.ID)
_hasher = RECOMMENDED
_dummy_hash: str | None = None


def use_hasher(hasher: PasswordHasher) -> None:
    """Hash and verify with ``hasher`` in this process from now on.

    For the test suite only (``core.testing`` gives it argon2id at the
    lowest cost, so thousands of test sign-ins do not each spend a sixth of
    a second of CPU); a server always uses :data:`RECOMMENDED`.
    """
    global _hasher, _dummy_hash
    _hasher, _dummy_hash = hasher, None


def _dummy() -> str:
    """Verified when an address has no password, so both paths take the same
    time; made on first use, not when a CLI command imports this module."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash("porchside-dummy-password-for-timing")
    return _dummy_hash


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    return frozenset(line.strip().lower() for line in path.read_text().splitlines() if line.strip())


def password_problem(password: str, email: str = "") -> str | None:
    """Why ``password`` may not be used, or None if it is acceptable."""
    if len(password) < MIN_LENGTH:
        return gettext("Use at least %(num)d characters.", num=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return gettext("Use at most %(num)d characters.", num=MAX_LENGTH)
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) < 4:
        return gettext("This password is too common. Choose something harder to guess.")
    local = email.split("@", 1)[0].lower()
    if local and len(local) >= 4 and local in lowered:
        return gettext("Do not use your email address in your password.")
    return None


async def hash_password(password: str) -> str:
    # argon2 is deliberately slow; keep it off the event loop.
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check ``password`` against ``stored_hash`` in constant-ish time.

    A missing hash is checked against a dummy so unknown addresses cost the
    same as known ones.
    """

    def check() -> bool:
        try:
            return _hasher.verify(stored_hash or _dummy(), password) and stored_hash is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)
