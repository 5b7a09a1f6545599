"""Checks on everything that goes into an email header.

A line break in a header value would let the rest of it become new headers
(``Bcc:`` to anyone), so addresses, subjects and display names with CR or LF
are refused here, before anything is stored or queued.
"""

from __future__ import annotations

import re

from core.mail.errors import MailError

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
ADDRESS_RE = re.compile(rf"^[^\s@<>()\[\],;:\"\\]{{1,64}}@{_LABEL}(?:\.{_LABEL})+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def header_text(value: str, what: str) -> str:
    """``value`` if it is safe in a header, else :class:`MailError` naming ``what``."""
    if "\r" in value or "\n" in value:
        raise MailError(f"The {what} must not contain line breaks.")
    if _CONTROL.search(value):
        raise MailError(f"The {what} contains control characters.")
    return value


def clean_address(value: str, what: str = "recipient address") -> str:
    """One plain address (``pat@example.com``), or :class:`MailError`.

    Display names, lists and comments are refused: the callers always mean
    exactly one mailbox.
    """
    header_text(value or "", what)
    address = (value or "").strip()
    if len(address) > 254 or not ADDRESS_RE.match(address):
        raise MailError(f"The {what} {address!r} is not an email address.")
    return address
