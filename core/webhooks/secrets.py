"""Endpoint signing secrets: ``whsec_`` + base64 of 32 random bytes, stored encrypted.

The secret is shown once (on creation); the table keeps a Fernet token
derived from the app's secret key for this purpose only, so a database
dump alone cannot sign webhooks.
"""

from __future__ import annotations

import base64
import secrets as random

from core.plugin_state import secret_fernet

PREFIX = "whsec_"
PURPOSE = b"porchside webhook secrets"


def new_secret() -> str:
    return PREFIX + base64.b64encode(random.token_bytes(32)).decode()


def secret_bytes(secret: str) -> bytes:
    """The HMAC key: the base64 after ``whsec_`` decoded."""
    return base64.b64decode(secret.removeprefix(PREFIX))


def encrypt(secret: str, secret_key: str) -> str:
    return secret_fernet(secret_key, PURPOSE).encrypt(secret.encode()).decode()


def decrypt(token: str, secret_key: str) -> str:
    """The secret again; raises ``cryptography.fernet.InvalidToken`` if the app's secret key changed."""
    return secret_fernet(secret_key, PURPOSE).decrypt(token.encode()).decode()
