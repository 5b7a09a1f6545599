"""Who hears about a new message, through the event hook (M1).

Posting announces ``message.received`` (a customer wrote) or ``message.sent``
(staff wrote) with ``porchside_event``; this plugin's own implementation of
that hook, called only where the plugin is enabled, then

* for a customer's message, notifies staff (:func:`core.notifications.notify_staff`,
  kind ``message.received``: the console's inbox, an email copy to whoever
  wants one, and other channels through ``porchside_notify``);
* for a staff message, emails every address of the account, each with a
  private deep link that signs them in and opens the thread.
"""

from __future__ import annotations

import logging
from typing import Any

from babel.support import LazyProxy

from core.auth.links import deep_link
from core.contacts import account_addresses
from core.i18n import gettext as _, ngettext
from core.mail import MailError, send_email
from core.models.jobs import Job
from core.notifications import notify_staff
from core.plugin_state import announce
from core.records import Event
from core.services import current_services
from plugins.marketing.messages.models import Message, Thread
from plugins.marketing.messages.threads import console_path, customer_path
from tenants.models import Tenant

log = logging.getLogger("porchside.plugins.marketing")

RECEIVED = "message.received"  # a customer wrote
SENT = "message.sent"  # staff wrote
EVENTS = (RECEIVED, SENT)
PREVIEW_MAX = 600


async def announce_message(name: str, thread: Thread, message: Message, actor: str) -> list[Any]:
    """Tell the plugins enabled in this tenant (this one included) about a new message."""
    return await announce(name, thread.public_id, actor, seq=message.seq, message=message.public_id)


def about(thread: Thread, job: Job | None) -> str:
    if job is not None:
        return _("job %(number)s: %(title)s", number=job.number, title=job.title)
    return thread.subject or _("your account")


def preview(body: str) -> str:
    return body if len(body) <= PREVIEW_MAX else body[: PREVIEW_MAX - 1].rstrip() + "…"


async def handle_event(tenant: Tenant, event: Event) -> str | None:
    if event.name not in EVENTS:
        return None
    thread = await Thread.get_or_none(public_id=event.subject).select_related("account", "job")
    if thread is None:
        return None
    message = await Message.get_or_none(thread_id=thread.id, public_id=event.data.get("message", "")).prefetch_related("files")
    if message is None:
        return None
    services = current_services()
    job = thread.job
    pictures = len(message.files)
    if event.name == RECEIVED:
        who = message.author_name or message.author_email or _("A customer")
        lines = [
            _("Customer: %(customer)s (%(email)s)", customer=thread.account.name, email=message.author_email),
            _("About: %(about)s", about=about(thread, job)),
            "",
        ]
        lines.append(preview(message.body) if message.body else _("(no text)"))
        if pictures:
            lines += ["", ngettext("%(num)d picture attached.", "%(num)d pictures attached.", pictures)]
        await notify_staff(
            services,
            kind="message.received",
            title=_("%(who)s sent a message about %(about)s", who=who, about=about(thread, job)),
            body="\n".join(lines),
            link=console_path(thread),
        )
        return "marketing"
    for email, first_name in await account_addresses(thread.account_id):
        try:
            url = await deep_link(services, email, thread.account, customer_path(thread, job), created_by=message.author_email)
            await send_email(
                services,
                to=email,
                template="marketing/messages_new",
                kind="message.sent",
                context={
                    "thread": thread, "job": job, "message": message, "first_name": first_name,
                    # In the recipient's language: worded when the email is rendered.
                    "about": LazyProxy(about, thread, job, enable_cache=False), "url": url, "pictures": pictures,
                },
            )
        except MailError:
            log.warning("message %s was not emailed to %s", message.public_id, email, exc_info=True)
    return "marketing"
