"""What job messages (M1, M2) add to core's pages, as records of the public hooks.

* the **Messages** tab of the portal (``porchside_nav_tabs``): the account's
  conversations with unread counts;
* a **Messages** tab on every job page (``porchside_job_tabs``);
* a home-page card while the business's messages wait unread;
* the console's **Messages** entry (``porchside_console_links``, permission
  ``customers``), and "Message this customer" on the console's customer,
  job and invoice pages (``porchside_console_actions``, same permission);
* its tables, routes, the event handler that emails and notifies, and demo data.
"""

from __future__ import annotations

from core.portal.context import Portal
from core.records import ConsoleAction, ConsoleLink, HomeCard, JobTab, ModelApp, NavTab
from plugins.marketing.messages.console import blueprint as console_blueprint
from plugins.marketing.messages.console import compose_for_account, thread_for_job_url
from plugins.marketing.messages.demo import seed_demo
from plugins.marketing.messages.notify import handle_event
from plugins.marketing.messages.portal import blueprint as portal_blueprint
from plugins.marketing.messages.threads import unread_for_account

__all__ = ["handle_event", "seed_demo"]


async def unread_summary(portal: Portal) -> str | None:
    count = await unread_for_account(portal.account.id)
    if not count:
        return None
    return "You have 1 unread message." if count == 1 else f"You have {count} unread messages."


MODEL_APPS = [
    ModelApp(
        label="marketing_messages",
        modules=("plugins.marketing.messages.models",),
        migrations="plugins.marketing.messages.migrations",
    )
]
NAV_TABS = [NavTab(id="messages", label="Messages", endpoint="marketing_messages.index", order=45, icon="chat")]
JOB_TABS = [JobTab(id="messages", label="Messages", endpoint="marketing_messages.job_thread", order=60)]
HOME_CARDS = [
    HomeCard(id="messages", title="Messages", summary=unread_summary, endpoint="marketing_messages.index", link_label="Read your messages", order=18)
]
CONSOLE_LINKS = [ConsoleLink(id="messages", label="Messages", endpoint="console_marketing.index", order=15, permission="customers", group="customers")]
# "Message this customer" on the console's customer, job and invoice pages:
# the compose page for the account, or the job's thread.
CONSOLE_ACTIONS = [
    ConsoleAction(id="message_customer", label="Message this customer", target="account", permission="customers", order=20, href=compose_for_account),
    ConsoleAction(id="message_customer_job", label="Message this customer", target="job", permission="customers", order=20, href=thread_for_job_url),
    ConsoleAction(
        id="message_customer_invoice", label="Message this customer", target="invoice", permission="customers", order=20,
        href=lambda invoice: compose_for_account(invoice.account),
    ),
]
BLUEPRINTS = [portal_blueprint, console_blueprint]
