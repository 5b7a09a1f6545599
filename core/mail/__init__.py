"""Outgoing email: HTML and text in the tenant's branding, delivered by a background task.

``await send_email(services, to=..., template="magic_link", context={...},
kind="magic_link")`` inside a tenant scope renders
``core/templates/emails/<template>.txt`` (its ``{% block subject %}`` is the
subject) and ``.html``, stores an :class:`~core.models.mail.OutboundEmail`
and queues its delivery; it returns before any SMTP traffic. See
:mod:`core.mail.render` for what templates get, :mod:`core.mail.delivery`
for retries and failures.
"""

from core.mail.compose import Attachment, send_email
from core.mail.errors import MailError

__all__ = ["Attachment", "MailError", "send_email"]
