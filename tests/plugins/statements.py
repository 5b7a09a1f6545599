"""Statements by post: an action on the invoice list (target ``invoices``).

On by default. Its ``is_shown`` is async and reads the database: the list's
account is offered paper statements only while it has open invoices.
"""

from __future__ import annotations

from core import hookimpl
from core.models.billing import Invoice
from core.records import Action, PluginInfo


async def _has_open_invoices(account, portal) -> bool:
    return await Invoice.filter(account_id=account.id, status="open").exists()


@hookimpl
def porchside_plugin_info():
    return PluginInfo(name="statements", label="Statements by post", default_enabled=True)


@hookimpl
def porchside_actions():
    return [
        Action(
            id="mail_statements", label="Post me statements", target="invoices",
            href=lambda account: f"/statements/mail?account={account.public_id}", is_shown=_has_open_invoices,
        ),
    ]
