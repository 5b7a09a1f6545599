"""The MIME message of a stored email: multipart/alternative text and HTML, plus attachments."""

from __future__ import annotations

from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from core.mail.addresses import ADDRESS_RE

if TYPE_CHECKING:
    from core.models.mail import OutboundEmail
    from core.services import Services
    from tenants.models import Tenant


async def build_message(services: "Services", email: "OutboundEmail", tenant: "Tenant") -> EmailMessage:
    """From ``"<tenant name>" <mail_from>``, Reply-To the tenant's contact email.

    The Message-ID comes from the email's public id, so a retry that reaches
    the recipient twice is recognisable as the same message.
    """
    mail_from = services.settings.mail_from
    domain = mail_from.rsplit("@", 1)[1]
    message = EmailMessage(policy=SMTP)
    message["From"] = Address(display_name=tenant.name, addr_spec=mail_from)
    message["To"] = email.to
    if tenant.contact_email and ADDRESS_RE.match(tenant.contact_email):
        message["Reply-To"] = Address(display_name=tenant.name, addr_spec=tenant.contact_email)
    message["Subject"] = email.subject
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    message["Message-ID"] = f"<{email.public_id}@{domain}>"
    # Transactional mail: no vacation auto-replies, please (RFC 3834).
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(email.text)
    if email.html:
        message.add_alternative(email.html, subtype="html")
    for item in email.attachments or []:
        data = await services.storage.read(item["storage_key"])
        maintype, subtype = item["content_type"].split("/", 1)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=item["filename"])
    return message
