"""``GET /_domains/check?domain=``: may the TLS proxy get a certificate for this name?

Caddy's on-demand TLS asks this before it requests a certificate for a host
name it has none for (``on_demand_tls { ask http://127.0.0.1:8000/_domains/check }``).
It answers 200 for every name this app serves a page on: the base domain,
a live tenant subdomain or an old one still redirecting, and a verified
custom domain of an active tenant; 404 for anything else, so nobody can make
the proxy request certificates for names of their choosing (an unproved
claim, a random subdomain, an IP address). Like ``/healthz`` it answers on
any Host: Caddy calls it over loopback, where the Host is not the base domain.
"""

from __future__ import annotations

from quart import Blueprint, jsonify, request

from core.services import current_services
from tenants.hosts import clean_host
from tenants.models import Tenant

blueprint = Blueprint("domain_check", __name__)


@blueprint.get("/_domains/check")
async def check():
    services = current_services()
    raw = request.args.get("domain", "")
    # Only a bare host name: a port or an IP address is never a certificate name here.
    host = clean_host(raw) if ":" not in raw else None
    if host is None:
        return jsonify({"error": "invalid_domain", "message": "Pass a host name as ?domain="}), 400
    resolution = await services.resolver.resolve(host)
    served = resolution.kind == "platform"
    if resolution.kind in ("tenant", "redirect"):
        served = await Tenant.filter(id=resolution.tenant_id, disabled_at__isnull=True).exists()
    if not served:
        return jsonify({"domain": host, "served": False}), 404
    return jsonify({"domain": host, "served": True})
