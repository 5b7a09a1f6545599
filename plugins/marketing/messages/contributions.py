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

from core.i18n import lazy_gettext, ngettext
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
    return ngettext("You have %(num)d unread message.", "You have %(num)d unread messages.", count)


MODEL_APPS = [
    ModelApp(
        label="marketing_messages",
        modules=("plugins.marketing.messages.models",),
        migrations="plugins.marketing.messages.migrations",
    )
]
NAV_TABS = [NavTab(id="messages", label=lazy_gettext("Messages"), endpoint="marketing_messages.index", order=45, icon="chat")]
JOB_TABS = [JobTab(id="messages", label=lazy_gettext("Messages"), endpoint="marketing_messages.job_thread", order=60)]
HOME_CARDS = [
    HomeCard(
        id="messages", title=lazy_gettext("Messages"), summary=unread_summary, endpoint="marketing_messages.index",
        link_label=lazy_gettext("Read your messages"), order=18,
    )
]
CONSOLE_LINKS = [ConsoleLink(id="messages", label=lazy_gettext("Messages"), endpoint="console_marketing.index", order=15, permission="customers", group="customers")]
# "Message this customer" on the console's customer, job and invoice pages:
# the compose page for the account, or the job's thread.
CONSOLE_ACTIONS = [
    ConsoleAction(id="message_customer", label=lazy_gettext("Message this customer"), target="account", permission="customers", order=20, href=compose_for_account),
    ConsoleAction(id="message_customer_job", label=lazy_gettext("Message this customer"), target="job", permission="customers", order=20, href=thread_for_job_url),
    ConsoleAction(
        id="message_customer_invoice", label=lazy_gettext("Message this customer"), target="invoice", permission="customers", order=20,
        href=lambda invoice: compose_for_account(invoice.account),
    ),
]
BLUEPRINTS = [portal_blueprint, console_blueprint]
