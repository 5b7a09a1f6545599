"""Host names: what a valid one looks like and how a Host header is read.

Kept free of database and web imports so configuration can validate
``PORCHSIDE_BASE_DOMAIN`` with the same rule the resolver applies to every
request.
"""

from __future__ import annotations

import re

HOST_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")
MAX_HOST_LENGTH = 253


def is_host_name(name: str) -> bool:
    """True for a lower-case DNS name: dot-separated labels of letters, digits, hyphens."""
    return len(name) <= MAX_HOST_LENGTH and HOST_RE.match(name) is not None


def clean_host(raw: str | None) -> str | None:
    """The host name of a Host header without port, lower-cased; None if malformed.

    IPv6 literals, user-info, more than one colon, a port that is not a
    number from 1 to 65535 and any character outside a DNS name are all
    malformed.
    """
    if not raw:
        return None
    host = raw.strip().lower()
    if host.startswith("[") or host.count(":") > 1:
        return None  # IPv6 literals never name a tenant
    name, colon, port = host.partition(":")
    if colon and not (port.isascii() and port.isdigit() and 0 < int(port) <= 65535):
        return None
    name = name[:-1] if name.endswith(".") else name
    return name if is_host_name(name) else None
