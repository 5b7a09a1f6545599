"""Standard Webhooks signatures (https://www.standardwebhooks.com/).

The signed content is ``"{webhook-id}.{webhook-timestamp}.{body}"``; the
signature is HMAC-SHA256 with the secret's bytes (the base64 after
``whsec_``), sent base64-encoded as ``webhook-signature: v1,<signature>``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from core.webhooks.secrets import secret_bytes


def sign(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    """The ``webhook-signature`` value of ``body`` sent as ``msg_id`` at ``timestamp`` (Unix seconds)."""
    content = f"{msg_id}.{timestamp}.{body}".encode()
    digest = hmac.new(secret_bytes(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(secret: str, msg_id: str, timestamp: int, body: str) -> dict[str, str]:
    """The three Standard Webhooks headers plus the JSON content type."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, msg_id, timestamp, body),
        "content-type": "application/json",
    }
