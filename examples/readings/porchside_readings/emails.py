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
from core.mail import MailError, send_email
from core.models.jobs import Visit
from porchside_readings.panels import visit_values

if TYPE_CHECKING:
    from core.services import Services

log = logging.getLogger("porchside.plugins.readings")


def visit_path(visit: Visit) -> str:
    return f"/service-history/{visit.public_id}"


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
                context={"visit": visit, "job": visit.job, "account": account, "values": values, "first_name": first_name, "url": url},
            )
        except MailError:
            log.warning("the report of visit %s was not emailed to %s", visit.public_id, address, exc_info=True)
            continue
        queued += 1
    return queued
