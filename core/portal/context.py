"""What a portal page knows about who is looking: passed to ``is_shown``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from quart import g

from tenants.models import Tenant


@dataclass
class Portal:
    """The viewer of a portal page.

    :param tenant: the business.
    :param account: the customer account being viewed, or None before sign-in.
    :param email: the signed-in address, or None.
    :param can_see_invoices: the address has "send invoices".
    :param read_only: staff viewing the portal as this customer.
    :param enabled_plugins: plugins on for this tenant.
    :param accounts: every account the signed-in address may choose, by name.
    """

    tenant: Tenant
    account: Any = None
    email: str | None = None
    can_see_invoices: bool = False
    read_only: bool = False
    enabled_plugins: frozenset[str] = field(default_factory=frozenset)
    accounts: list[Any] = field(default_factory=list)

    @property
    def signed_in(self) -> bool:
        return self.account is not None


def current_portal() -> Portal:
    portal = g.get("portal")
    if portal is None:
        portal = Portal(tenant=g.tenant, enabled_plugins=g.get("enabled_plugins", frozenset()))
        g.portal = portal
    return portal
