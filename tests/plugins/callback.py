"""Test plugin: buttons on the console's account, job and invoice pages (``porchside_console_actions``).

Each button opens a route of the plugin guarded by the same permission as
the button, so a staff member without it neither sees the button nor gets in.
"""

from __future__ import annotations

from quart import Blueprint

from core import hookimpl
from core.console.access import load_staff, staff_required
from core.records import ConsoleAction, PluginInfo

blueprint = Blueprint("console_callback", __name__, url_prefix="/console/callback")
blueprint.portal_section = None  # type: ignore[attr-defined]
blueprint.before_request(load_staff)


@blueprint.get("/accounts/<account_id>")
@staff_required("customers")
async def account(account_id: str):
    return f"call back {account_id}"


@blueprint.route("/invoices/<invoice_id>", methods=["GET", "POST"])
@staff_required("money")
async def invoice(invoice_id: str):
    return f"refund call {invoice_id}"


def _not_cancelled(job, staff) -> bool:
    return job.status != "cancelled"


@hookimpl
def porchside_console_actions():
    return [
        ConsoleAction(id="callback", label="Schedule a call back", target="account", permission="customers",
                      href=lambda account: f"/console/callback/accounts/{account.public_id}"),
        ConsoleAction(id="callback_job", label="Call about this job", target="job", permission="back_office",
                      href=lambda job: f"/console/callback/accounts/{job.account.public_id}", is_shown=_not_cancelled),
        ConsoleAction(id="refund_call", label="Call about a refund", target="invoice", permission="money", method="post",
                      href=lambda invoice: f"/console/callback/invoices/{invoice.public_id}", style="primary"),
    ]


@hookimpl
def porchside_plugin_info():
    return PluginInfo(name="callback", label="Call backs", default_enabled=True)


@hookimpl
def porchside_blueprints():
    return [blueprint]
