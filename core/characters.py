"""Which characters text may hold: the rules shared by the request guard and the queue.

PostgreSQL refuses a NUL byte in text and asyncpg cannot encode a lone
surrogate (SQLite stores both), so a value holding one must be stopped
before it reaches a query. :mod:`core.web.input_guard` applies the
patterns to requests; :meth:`core.queue.base.TaskQueue.enqueue` applies
:func:`storable` to job arguments.
"""

from __future__ import annotations

import re
from typing import Any

# Free text (form values, JSON strings): line breaks and tabs are text, other C0 controls and DEL are not.
TEXT_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# Addresses (path, query, file names): no control character at all, C1 included.
ADDRESS_BAD = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# What PostgreSQL (through asyncpg) cannot store in a text column.
UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def storable(value: Any) -> bool:
    """Whether every string in ``value`` (a JSON value, keys included) can be stored by PostgreSQL."""
    if isinstance(value, str):
        return UNSTORABLE.search(value) is None
    if isinstance(value, dict):
        return all(storable(k) and storable(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(storable(item) for item in value)
    return True
