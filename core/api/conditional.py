"""ETags on reads, ``If-Match`` on writes: a lost update answers 412.

The ETag is a digest of the object's JSON representation, so it changes
exactly when what a client can see changes, whoever made the change (the
console, the portal, another client), without a version column.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from quart import request

from core.api.errors import ApiError


def etag_of(representation: dict[str, Any]) -> str:
    canonical = json.dumps(representation, sort_keys=True, separators=(",", ":"), default=str)
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:32] + '"'


def _tags(header: str) -> list[str]:
    return [tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()]


def check_if_match(current: str) -> None:
    """412 ``precondition_failed`` when ``If-Match`` names another version."""
    header = request.headers.get("If-Match")
    if header is None:
        return
    tags = _tags(header)
    if "*" in tags or current in tags:
        return
    raise ApiError(
        412,
        "precondition_failed",
        "The object changed since you read it (its ETag no longer matches If-Match). Read it again and retry.",
        param="If-Match",
    )


def not_modified(current: str) -> bool:
    """True when ``If-None-Match`` already names this version (answer 304)."""
    header = request.headers.get("If-None-Match")
    return header is not None and ("*" in _tags(header) or current in _tags(header))
