"""A console link that names a permission the console does not have: start-up must stop."""

from __future__ import annotations

from core import hookimpl
from core.records import ConsoleLink


@hookimpl
def porchside_console_links():
    return [ConsoleLink(id="secret", label="Secret", endpoint="console.home.index", permission="superuser")]
