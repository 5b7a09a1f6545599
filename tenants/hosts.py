"""Host names: what a valid one looks like and how a Host header is read.

Kept free of database and web imports so configuration can validate
``PORCHSIDE_BASE_DOMAIN`` with the same rule the resolver applies to every
request.
"""

from __future__ import annotations

import ipaddress
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


def custom_domain_refusal(raw: str, base_domain: str) -> tuple[str, str | None]:
    """``(cleaned host, why it cannot be a custom domain or None)``.

    A custom domain must be a public DNS name of the business's own: never an
    IP address (it would claim a machine, not a name, and no TXT record can
    prove it), ``localhost`` or a name under it, nor the platform's own base
    domain or a name under it (those are tenant subdomains).
    """
    text = (raw or "").strip().lower()
    shown = (raw or "").strip()
    if not text:
        return text, "Enter a domain name, e.g. portal.example.com."
    is_ip = text.startswith("[")  # an IPv6 literal, with or without a port
    for candidate in (text, text.rsplit(":", 1)[0]):  # with or without a port
        try:
            ipaddress.ip_address(candidate)
            is_ip = True
        except ValueError:
            pass
    if is_ip:
        return text, "Use a domain name, not an IP address."
    if "/" in text:
        return text, "Enter just the domain name, e.g. portal.example.com, without https:// or a path."
    if ":" in text:
        return text, "Enter the domain name without a port."
    host = clean_host(text)
    if host is None:
        return text, f"“{shown}” is not a valid domain name, e.g. portal.example.com."
    if host == "localhost" or host.endswith(".localhost"):
        return host, "“localhost” names only work on one computer: use a public domain name."
    if "." not in host:
        return host, f"“{shown}” is not a full domain name, e.g. portal.example.com."
    if host.rsplit(".", 1)[1].isdigit():
        # No top-level domain is numeric: 10.1 or 127.1 are IP address shorthands.
        return host, "Use a domain name, not an IP address."
    if host == base_domain or host.endswith("." + base_domain):
        return host, f"Names under {base_domain} are the platform's own addresses: use a domain of your own."
    return host, None
