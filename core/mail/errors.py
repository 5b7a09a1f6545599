"""Exceptions of outgoing email."""

from __future__ import annotations


class MailError(ValueError):
    """An email was refused before it was stored; the message says why."""
