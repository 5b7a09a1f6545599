"""Sending one message to the SMTP server of ``PORCHSIDE_SMTP_URL``.

``smtp://user:pass@host:587`` speaks plain SMTP and upgrades with STARTTLS
when the server offers it; ``smtps://host:465`` uses TLS from the start.
User and password are optional and URL-encoded.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import aiosmtplib

# Seconds for connecting and for each SMTP command.
SMTP_TIMEOUT = 30


@dataclass(frozen=True)
class SmtpServer:
    hostname: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool


def parse_smtp_url(url: str) -> SmtpServer:
    parts = urlsplit(url)
    use_tls = parts.scheme == "smtps"
    return SmtpServer(
        hostname=parts.hostname or "localhost",
        port=parts.port or (465 if use_tls else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        use_tls=use_tls,
    )


async def send_message(url: str, message: EmailMessage) -> None:
    """Deliver ``message`` to its To address; raises aiosmtplib's errors."""
    server = parse_smtp_url(url)
    await aiosmtplib.send(
        message,
        hostname=server.hostname,
        port=server.port,
        username=server.username,
        password=server.password,
        use_tls=server.use_tls,
        timeout=SMTP_TIMEOUT,
    )


def is_permanent(exc: BaseException) -> bool:
    """True when the server refused this message for good (5xx for the recipient or the content).

    Connection problems, timeouts, 4xx answers and refusals of our own
    account or sender address are worth retrying: an outage ends, and a
    configuration gets fixed.
    """
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return bool(exc.recipients) and all(r.code >= 500 for r in exc.recipients)
    if isinstance(exc, (aiosmtplib.SMTPRecipientRefused, aiosmtplib.SMTPDataError)):
        return exc.code >= 500
    return False
