"""Proof that a business controls a custom domain: a DNS TXT record.

The console shows ``_porchside.<host>  TXT  porchside-verify=<token>``; the
token belongs to one claim of one business, so a record published for one
business never proves another's claim. Lookups go through a dnspython
:class:`dns.asyncresolver.Resolver`: the system's (``/etc/resolv.conf``) by
default, or the nameservers of ``PORCHSIDE_DNS_NAMESERVERS``; tests point one
at a DNS server of their own on loopback.
"""

from __future__ import annotations

import secrets
from enum import Enum

import dns.asyncresolver
import dns.exception
import dns.name
import dns.nameserver
import dns.resolver

RECORD_PREFIX = "_porchside"
VALUE_PREFIX = "porchside-verify="
# Seconds one verification may wait for DNS in total; the owner can click again.
LOOKUP_LIFETIME = 5.0


def record_name(host: str) -> str:
    """Where the owner publishes the TXT record for ``host``."""
    return f"{RECORD_PREFIX}.{host}"


def record_value(token: str) -> str:
    """The TXT record's text for a claim's ``token``."""
    return f"{VALUE_PREFIX}{token}"


def new_token() -> str:
    """A fresh claim token: 128 random bits, lower-case hex so it survives copy and paste."""
    return secrets.token_hex(16)


class Proof(Enum):
    """What a lookup of the TXT record showed."""

    FOUND = "found"
    MISSING = "missing"  # the name has no record with this claim's value
    UNAVAILABLE = "unavailable"  # DNS did not answer: try again later


def build_dns_resolver(nameservers: tuple[tuple[str, int], ...] = ()) -> dns.asyncresolver.Resolver:
    """A resolver asking ``nameservers`` (address, port), or the system's when empty."""
    if not nameservers:
        return dns.asyncresolver.Resolver()
    resolver = dns.asyncresolver.Resolver(configure=False)
    resolver.nameservers = [dns.nameserver.Do53Nameserver(address, port) for address, port in nameservers]
    return resolver


class DomainVerifier:
    """Looks up ``_porchside.<host>`` TXT records with one dnspython resolver.

    The resolver is built on first use when none is given, so an app starts
    on a machine without ``/etc/resolv.conf`` and fails only when asked.
    """

    def __init__(
        self,
        resolver: dns.asyncresolver.Resolver | None = None,
        nameservers: tuple[tuple[str, int], ...] = (),
        lifetime: float = LOOKUP_LIFETIME,
    ) -> None:
        self._resolver = resolver
        self._nameservers = nameservers
        self.lifetime = lifetime

    @property
    def resolver(self) -> dns.asyncresolver.Resolver:
        if self._resolver is None:
            self._resolver = build_dns_resolver(self._nameservers)
        return self._resolver

    @resolver.setter
    def resolver(self, resolver: dns.asyncresolver.Resolver) -> None:
        self._resolver = resolver

    async def txt_values(self, name: str) -> list[str]:
        """The texts of the TXT records at ``name`` (empty when there are none).

        Raises :class:`dns.exception.DNSException` when DNS does not answer.
        """
        try:
            resolver = self.resolver
            # An absolute name: never tried under the machine's search domains.
            answer = await resolver.resolve(dns.name.from_text(name), "TXT", search=False, lifetime=self.lifetime)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        # A long record arrives split in 255-byte strings: one text is their join.
        return [b"".join(rdata.strings).decode("utf-8", "replace").strip() for rdata in answer]

    async def check(self, host: str, token: str) -> Proof:
        """Whether ``_porchside.<host>`` holds ``porchside-verify=<token>``."""
        try:
            values = await self.txt_values(record_name(host))
        except dns.exception.DNSException:
            return Proof.UNAVAILABLE
        return Proof.FOUND if record_value(token) in values else Proof.MISSING
