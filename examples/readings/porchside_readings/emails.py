"""The visit report email: what was done, the readings with their marks, and a link to the visit.

Core sends no email when a visit is done, so the plugin sends its own from
the console (``Email the report``). Each address of the customer gets a
private deep link (:func:`core.auth.links.deep_link`) that signs them in
and opens the visit's page in Service history.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from core.auth.links import deep_link
from core.contacts import account_addresses
from core.i18n import lazy_gettext
from core.mail import MailError, send_email
from core.models.jobs import Visit
from core.portal.formats import format_quantity
from porchside_readings.panels import Value, visit_values
from tenants.context import current_tenant

if TYPE_CHECKING:
    from core.services import Services

log = logging.getLogger("porchside.plugins.readings")


def visit_path(visit: Visit) -> str:
    return f"/service-history/{visit.public_id}"


def email_rows(values: list[Value]) -> list[dict[str, str]]:
    """The readings as text in the business's number format (emails have no ``quantity`` filter)."""
    tenant = current_tenant()

    def number(milli: int | None) -> str:
        return "" if milli is None else format_quantity(milli, tenant)

    rows = []
    for value in values:
        m = value.measure
        unit = f" {m.unit}" if m.unit else ""
        low, high = number(m.target_min_milli), number(m.target_max_milli)
        target = f"{low}–{high}" if low and high else lazy_gettext("at least %(amount)s", amount=low) if low else lazy_gettext("at most %(amount)s", amount=high) if high else ""
        # "mark" and "target" are worded when the email is rendered, in the recipient's language.
        rows.append({"name": m.name, "value": number(value.milli) + unit, "mark": value.mark, "target": target, "out": value.status in ("low", "high")})
    return rows


async def email_visit_report(services: "Services", visit: Visit, sent_by: str = "") -> int:
    """Email the report of ``visit`` (``job__account`` loaded) to each address of its customer; how many were queued."""
    account = visit.job.account
    values = await visit_values(visit)
    queued = 0
    for address, first_name in await account_addresses(account.id):
        url = await deep_link(services, address, account, visit_path(visit), created_by=sent_by)
        try:
            await send_email(
                services,
                to=address,
                template="readings/visit_report",
                kind="readings.visit_report",
                context={"visit": visit, "job": visit.job, "account": account, "rows": email_rows(values), "first_name": first_name, "url": url},
            )
        except MailError:
            log.warning("the report of visit %s was not emailed to %s", visit.public_id, address, exc_info=True)
            continue
        queued += 1
    return queued
