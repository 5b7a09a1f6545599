"""A real DNS server on loopback for tests: answers TXT queries from a dict.

Runs in the test's event loop (asyncio UDP), so the app's dnspython resolver
talks to it over a real socket. ``records[name]`` holds the TXT texts of
``name`` and ``addresses[name]`` its IPv4 addresses (A records); other
names get NXDOMAIN, other types an empty answer.
"""

from __future__ import annotations

import asyncio

import dns.flags
import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
from dns.rdtypes.ANY.TXT import TXT
from dns.rdtypes.IN.A import A


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, server: "LoopbackDns") -> None:
        self.server = server
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:
        try:
            query = dns.message.from_wire(data)
        except dns.exception.DNSException:
            return  # not DNS: drop it, as a real server would
        self.server.queries.append(query.question[0].name.to_text(omit_final_dot=True))
        reply = self.server.answer(query)
        assert self.transport is not None
        self.transport.sendto(reply.to_wire(), addr)


class LoopbackDns:
    """``await LoopbackDns().start()``; ``publish(name, text)``; ``await stop()``."""

    def __init__(self) -> None:
        self.records: dict[str, list[str]] = {}
        self.addresses: dict[str, list[str]] = {}
        self.queries: list[str] = []
        self.port = 0
        self._transport: asyncio.DatagramTransport | None = None

    def publish_address(self, name: str, address: str) -> None:
        """Answer A queries for ``name`` with ``address`` (IPv4)."""
        self.addresses.setdefault(name.lower().rstrip("."), []).append(address)

    def publish(self, name: str, text: str) -> None:
        self.records.setdefault(name.lower().rstrip("."), []).append(text)

    def answer(self, query: dns.message.Message) -> dns.message.Message:
        reply = dns.message.make_response(query)
        reply.flags |= dns.flags.AA
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        if name in self.addresses and name not in self.records:
            if question.rdtype == dns.rdatatype.A:
                rrset = dns.rrset.RRset(question.name, dns.rdataclass.IN, dns.rdatatype.A)
                for address in self.addresses[name]:
                    rrset.add(A(dns.rdataclass.IN, dns.rdatatype.A, address), ttl=60)
                reply.answer.append(rrset)
        elif name not in self.records:
            reply.set_rcode(dns.rcode.NXDOMAIN)
        elif question.rdtype == dns.rdatatype.TXT:
            rrset = dns.rrset.RRset(question.name, dns.rdataclass.IN, dns.rdatatype.TXT)
            for text in self.records[name]:
                data = text.encode()
                # Long texts travel as several strings of at most 255 bytes.
                strings = [data[i : i + 255] for i in range(0, len(data), 255)]
                rrset.add(TXT(dns.rdataclass.IN, dns.rdatatype.TXT, strings), ttl=60)
            reply.answer.append(rrset)
        return reply

    async def start(self) -> "LoopbackDns":
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: _Protocol(self), local_addr=("127.0.0.1", 0))
        self._transport = transport
        self.port = transport.get_extra_info("sockname")[1]
        return self

    async def stop(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    @property
    def nameserver(self) -> str:
        """This server as a ``PORCHSIDE_DNS_NAMESERVERS`` item."""
        return f"127.0.0.1:{self.port}"


def use_loopback_dns(app, dns: LoopbackDns):
    """Send the app's custom-domain lookups to ``dns``; returns the app's services."""
    from tenants.domain_verification import build_dns_resolver

    services = app.extensions["porchside"]
    services.domain_verifier.resolver = build_dns_resolver((("127.0.0.1", dns.port),))
    return services


async def prove_domain(app, dns: LoopbackDns, tenant, host: str, primary: bool = False):
    """Claim ``host`` for ``tenant``, publish its TXT record on ``dns`` and verify it.

    The path an owner takes in the console, through the service functions: the
    app's DNS lookups go to ``dns`` from here on. Returns the verified Domain.
    """
    from tenants.domain_verification import record_name, record_value
    from tenants.service import claim_custom_domain, verify_custom_domain

    services = use_loopback_dns(app, dns)
    claim = await claim_custom_domain(tenant, host, services.resolver, primary=primary)
    dns.publish(record_name(claim.host), record_value(claim.token))
    return await verify_custom_domain(tenant, host, services.resolver, services.domain_verifier)
