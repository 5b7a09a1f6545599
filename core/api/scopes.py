"""API scopes: one per resource and verb (``customers:read``, ``customers:write``).

``write`` does not imply ``read``: a client that only pushes data never
needs to read the business's customers back.
"""

from __future__ import annotations

import re

VERBS = ("read", "write")
SCOPE = re.compile(r"^[a-z][a-z0-9_]{0,39}:(read|write)$")


def scope(resource: str, verb: str) -> str:
    if verb not in VERBS:
        raise ValueError(f"unknown scope verb {verb!r}; use one of {', '.join(VERBS)}")
    return f"{resource}:{verb}"


def parse_scopes(text: str | list[str] | tuple[str, ...] | None) -> list[str]:
    """Space-separated (OAuth) or listed scopes, de-duplicated in order, each well formed."""
    items = text.split() if isinstance(text, str) else list(text or ())
    out: list[str] = []
    for item in items:
        if not SCOPE.match(item):
            raise ValueError(f"{item!r} is not a scope; scopes look like customers:read or invoices:write")
        if item not in out:
            out.append(item)
    return out
