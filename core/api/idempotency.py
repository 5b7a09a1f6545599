"""``Idempotency-Key`` on POST: a retried request gets the first response, not a second object.

The first request with a key stores a record before it runs (a unique
index on client and key, so two at once cannot both run: the second gets
409 ``idempotency_in_progress``), and its response after. A repeat with
the same body gets that response again with ``Idempotent-Replayed: true``;
the same key with another body is 422 ``idempotency_key_reused``. Records
are kept 24 hours. A 5xx is not kept, so a retry after a failure runs.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timedelta, timezone
from typing import Awaitable, Callable

from quart import Response
from tortoise.exceptions import IntegrityError

from core.api.auth import Caller
from core.api.errors import ApiError
from core.models.api import IdempotencyRecord

HEADER = "Idempotency-Key"
KEEP = timedelta(hours=24)
KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
# Headers a replay must repeat for the client to read it the same way.
REPLAYED_HEADERS = ("Content-Type", "Location", "ETag")


def request_hash(method: str, path: str, body: bytes) -> str:
    """The same request, whatever the JSON's spacing or key order."""
    try:
        canonical = json.dumps(json.loads(body or b"null"), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


def check_key(key: str) -> None:
    if not KEY.match(key):
        raise ApiError(400, "invalid_idempotency_key", "Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID is ideal).", param=HEADER)


async def purge_expired(now: datetime | None = None) -> int:
    """Delete the current tenant's records older than 24 hours."""
    cutoff = (now or datetime.now(timezone.utc)) - KEEP
    return await IdempotencyRecord.filter(created_at__lt=cutoff).delete()


async def run_once(caller: Caller, key: str, fingerprint: str, run: Callable[[], Awaitable[Response]]) -> Response:
    """Run ``run`` for the first request with ``key``; replay its response for a repeat."""
    check_key(key)
    now = datetime.now(timezone.utc)
    record = await IdempotencyRecord.get_or_none(client_id=caller.client.id, key=key)
    if record is not None and record.created_at < now - KEEP:
        await record.delete()
        record = None
    if record is None:
        try:
            record = await IdempotencyRecord.create(client_id=caller.client.id, key=key, request_hash=fingerprint)
        except IntegrityError:
            record = await IdempotencyRecord.get_or_none(client_id=caller.client.id, key=key)
            if record is None:
                raise ApiError(409, "idempotency_in_progress", "A request with this Idempotency-Key is running; retry in a moment.", param=HEADER)
        else:
            return await _first(record, run)
    if record.request_hash != fingerprint:
        raise ApiError(
            422, "idempotency_key_reused",
            "This Idempotency-Key was used with another request (another body or URL). Use a new key for a new request.",
            param=HEADER,
        )
    if record.status is None:
        raise ApiError(409, "idempotency_in_progress", "A request with this Idempotency-Key is running; retry in a moment.", param=HEADER)
    response = Response(record.body, status=record.status)
    for name, value in record.headers.items():
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response


async def _first(record: IdempotencyRecord, run: Callable[[], Awaitable[Response]]) -> Response:
    try:
        response = await run()
    except ApiError as error:
        response = error.response()
    except BaseException:
        await record.delete()
        raise
    if response.status_code >= 500:
        await record.delete()
        return response
    record.status = response.status_code
    record.body = await response.get_data(as_text=True)
    record.headers = {name: response.headers[name] for name in REPLAYED_HEADERS if name in response.headers}
    await record.save(update_fields=["status", "body", "headers"])
    return response
