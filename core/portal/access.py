"""What the signed-in customer may reach: sections, billing, and links that exist.

Portal pages show a link only when its page would open for this customer:
the tenant includes the section, the address may see invoices (I4: invoices,
statement and payments alike), and the endpoint is there at all (an
optional part may not be installed).
"""

from __future__ import annotations

from typing import Any, Iterable

from quart import url_for
from werkzeug.routing import BuildError

from core.plugins import CORE, Declared
from core.portal.context import Portal
from core.services import current_services


def billing_visible(portal: Portal) -> bool:
    """Invoices and the statement show only to addresses with "send invoices" (I4)
    in a tenant whose portal includes invoices."""
    return portal.can_see_invoices and portal.tenant.section_enabled("invoices")


def payments_visible(portal: Portal) -> bool:
    """The payments list and its export show only to addresses with "send invoices"
    (a payment tells what was billed) in a tenant whose portal includes payments."""
    return portal.can_see_invoices and portal.tenant.section_enabled("payments")


async def shown_in_portal(declared: Iterable[Declared], portal: Portal) -> list[Declared]:
    """Nav tabs or home cards this viewer gets: the plugin is enabled, ``is_shown``
    agrees and the record's section is included in the tenant's portal.

    A plugin's record without a ``section`` follows the section named after
    its plugin, so "Included in portal" can hide it; core's records without
    one always show.
    """
    out = []
    for item in await current_services().plugins.shown(declared, portal.enabled_plugins, portal):
        section = item.record.section or (None if item.plugin == CORE else item.plugin)
        if section is None or portal.tenant.section_enabled(section):
            out.append(item)
    return out


def link_to(endpoint: str, **values: Any) -> str | None:
    """``url_for(endpoint, **values)``, or None when no route has that endpoint."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def invoice_link(invoice: Any) -> str | None:
    """The invoice's page (the invoices part builds it), or None while there is none."""
    return link_to("invoices.detail", invoice_id=invoice.public_id)
