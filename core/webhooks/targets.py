"""The SSRF guard: a webhook goes to a public address, checked after DNS resolution.

A URL an endpoint's owner typed must not make the server call itself, the
cloud's metadata service or the office network. :func:`resolve_target`
resolves the host first (dnspython with ``PORCHSIDE_DNS_NAMESERVERS``, else
the system's resolver) and refuses it when *any* of its addresses is
loopback, private (RFC 1918, IPv6 unique local), link-local (with
169.254.169.254), shared CGNAT space, multicast, unspecified, reserved or an
IPv4-mapped IPv6 form of one of these. The request then connects to the
vetted address itself, with the name in the Host header and TLS SNI (and
certificate check), so a second, different DNS answer cannot redirect it.
Only ``https`` is allowed.

``PORCHSIDE_WEBHOOKS_ALLOW_PRIVATE=1`` (development and tests) allows
loopback and private targets and plain ``http``; multicast and unspecified
addresses stay refused.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import dns.asyncresolver
import dns.exception
import dns.resolver

from tenants.domain_verification import build_dns_resolver

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
CGNAT = ipaddress.ip_network("100.64.0.0/10")
MAX_URL = 2000
RESOLVE_TIMEOUT = 5.0


class TargetRefused(Exception):
    """The URL may not receive webhooks; ``str(exc)`` says why, for people."""


@dataclass(frozen=True)
class Target:
    """Where a request goes: the vetted ``address`` and what to say to it."""

    url: str
    scheme: str
    host: str  # the name, for the Host header and TLS SNI
    port: int
    address: str  # the IP to connect to, vetted

    def connect_url(self) -> str:
        """The URL with the vetted address in place of the name."""
        parts = urlsplit(self.url)
        ip = f"[{self.address}]" if ":" in self.address else self.address
        path = parts.path or "/"
        query = f"?{parts.query}" if parts.query else ""
        return f"{self.scheme}://{ip}:{self.port}{path}{query}"

    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == default else f"{name}:{self.port}"


def refusal(ip: IPAddress, allow_private: bool) -> str | None:
    """Why ``ip`` may not receive webhooks, or None when it may."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_multicast:
        return "a multicast address"
    if allow_private:
        return None
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if isinstance(ip, ipaddress.IPv4Address) and ip in CGNAT:
        return "a shared (CGNAT) address"
    if ip.is_private:
        return "a private address"
    if ip.is_reserved or not ip.is_global:
        return "an address that is not public"
    return None


def check_url(url: str, allow_private: bool) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of a URL that may be subscribed, before any DNS lookup.

    :raises TargetRefused: not https (or http with the setting on), no host,
        credentials in the URL, a bad port, too long, or an IP literal that
        is not public.
    """
    if len(url) > MAX_URL:
        raise TargetRefused(f"The URL is longer than {MAX_URL} characters.")
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise TargetRefused("The URL must not contain spaces or control characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise TargetRefused("The URL is not valid (check the host and the port).") from None
    allowed = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in allowed:
        raise TargetRefused("The URL must start with https://.")
    if not parts.hostname:
        raise TargetRefused("The URL has no host name.")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("The URL must not contain a user name or password.")
    if parts.fragment:
        raise TargetRefused("The URL must not contain a #fragment.")
    host = parts.hostname.rstrip(".").lower()
    literal = _literal(host)
    if literal is not None and (why := refusal(literal, allow_private)):
        raise TargetRefused(f"The URL points to {why}; webhooks go to public addresses only.")
    return parts.scheme, host, port or (443 if parts.scheme == "https" else 80)


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


async def _addresses(host: str, port: int, nameservers: tuple[tuple[str, int], ...]) -> list[str]:
    if nameservers:
        resolver = build_dns_resolver(nameservers)
        found: list[str] = []
        for kind in ("A", "AAAA"):
            try:
                answer = await resolver.resolve(host, kind, lifetime=RESOLVE_TIMEOUT)
            except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer, dns.resolver.NoNameservers):
                continue
            except (dns.exception.DNSException, ValueError) as exc:  # ValueError: a name IDNA cannot encode
                raise TargetRefused(f"The host name {host} could not be resolved ({type(exc).__name__}).") from None
            found.extend(record.to_text() for record in answer)
        return found
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), RESOLVE_TIMEOUT)
    except (OSError, ValueError, asyncio.TimeoutError):  # ValueError: a name IDNA cannot encode
        return []
    return [info[4][0] for info in infos]


async def resolve_target(url: str, allow_private: bool, nameservers: tuple[tuple[str, int], ...] = ()) -> Target:
    """The vetted :class:`Target` of ``url``.

    :raises TargetRefused: the URL is refused by :func:`check_url`, the name
        does not resolve, or one of its addresses is not public.
    """
    scheme, host, port = check_url(url, allow_private)
    literal = _literal(host)
    addresses = [str(literal)] if literal is not None else await _addresses(host, port, nameservers)
    if not addresses:
        raise TargetRefused(f"The host name {host} does not resolve to an address.")
    for text in addresses:
        why = refusal(ipaddress.ip_address(text.split("%")[0]), allow_private)
        if why:
            raise TargetRefused(f"{host} resolves to {why} ({text}); webhooks go to public addresses only.")
    return Target(url=url, scheme=scheme, host=host, port=port, address=addresses[0])
