"""The operations every declared resource gets: list, get, create, update, delete, upsert, actions.

Views in :mod:`core.api.blueprint` call these with the resolved resource
and caller. Each write runs in one transaction with its audit entry, so
an object never changes without the log saying which client changed it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from quart import Response, g, request
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.api.auth import Caller
from core.api.conditional import check_if_match, etag_of, not_modified
from core.api.errors import ApiError
from core.api.pagination import paginate, read_limit
from core.api.resources import EXTERNAL_ID, RESERVED_PARAMETERS, ApiContext, ApiResource
from core.plugins import await_me_maybe

JSON = "application/json"


# -- representation -----------------------------------------------------------


async def represent_many(resource: ApiResource, rows: list[Any]) -> list[dict[str, Any]]:
    """The JSON representations of ``rows``, checked against the resource's schema."""
    if resource.prepare is not None and rows:
        await resource.prepare(rows)
    out = []
    for row in rows:
        data = await await_me_maybe(resource.serialize(row))
        out.append(resource.schema.model_validate(data, strict=False).model_dump(mode="json"))
    return out


async def represent(resource: ApiResource, row: Any) -> dict[str, Any]:
    return (await represent_many(resource, [row]))[0]


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = Response(json.dumps(body), status=status, content_type=JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def object_url(resource: ApiResource, row: Any) -> str:
    return f"/api/v1/{resource.name}/{row.public_id}"


# -- reading requests ---------------------------------------------------------


def _validation_error(exc: ValidationError) -> ApiError:
    errors = []
    for item in exc.errors(include_url=False, include_context=False, include_input=False):
        loc = [str(part) for part in item.get("loc", ())]
        errors.append({"param": ".".join(loc) or None, "code": item.get("type", "invalid"), "detail": item.get("msg", "")})
    first = errors[0] if errors else {"param": None, "detail": "The body is not valid."}
    detail = f"{first['param']}: {first['detail']}" if first["param"] else first["detail"]
    return ApiError(422, "validation_failed", detail, param=first["param"], errors=errors)


async def read_body(schema: type[BaseModel]) -> BaseModel:
    """The request's JSON body validated by ``schema`` (415, 400 or 422 otherwise)."""
    if request.mimetype != JSON:
        raise ApiError(415, "unsupported_media_type", "Send the body as JSON with 'Content-Type: application/json'.", param="Content-Type")
    raw = await request.get_data(cache=True)
    try:
        parsed = json.loads(raw or b"")
    except ValueError:
        raise ApiError(400, "invalid_json", "The body is not valid JSON.") from None
    if not isinstance(parsed, dict):
        raise ApiError(422, "validation_failed", "The body must be a JSON object.")
    try:
        return schema.model_validate_json(raw)
    except ValidationError as exc:
        raise _validation_error(exc) from None


def _parse_filter(kind: str, name: str, raw: str) -> Any:
    if kind == "boolean":
        if raw not in ("true", "false"):
            raise ApiError(400, "invalid_parameter", f"{name} must be true or false.", param=name)
        return raw == "true"
    if kind == "integer":
        try:
            return int(raw)
        except ValueError:
            raise ApiError(400, "invalid_parameter", f"{name} must be a whole number.", param=name) from None
    return raw


def parse_instant(raw: str, name: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise ApiError(400, "invalid_parameter", f"{name} must be an ISO 8601 time with an offset, e.g. 2026-01-31T09:00:00Z.", param=name)
    return value


def check_external_id(value: str) -> str:
    if not EXTERNAL_ID.match(value):
        raise ApiError(400, "invalid_parameter", "An external id is 1 to 120 characters, without '/' and without spaces at either end.", param="external_id")
    return value


# -- operations -----------------------------------------------------------------


async def find(resource: ApiResource, public_id: str) -> Any:
    """The current tenant's object, or 404 ``resource_missing`` (unknown and other tenants' ids alike)."""
    row = await resource.base_query().filter(public_id=public_id).first() if len(public_id) <= 40 else None
    if row is None:
        raise ApiError(404, "resource_missing", f"No {resource.object} has the id {public_id!r}.", param="id")
    return row


async def list_objects(resource: ApiResource) -> Response:
    args = request.args
    allowed = RESERVED_PARAMETERS | {f.name for f in resource.filters}
    for name in args:
        if name not in allowed:
            raise ApiError(400, "unknown_parameter", f"{resource.name} cannot be filtered by {name!r}; see /api/docs.", param=name)
    query = resource.base_query()
    for f in resource.filters:
        if f.name in args:
            query = query.filter(**{f.lookup: _parse_filter(f.kind, f.name, args[f.name])})
    if "external_id" in args and "external_id" in resource.model._meta.fields_map:
        query = query.filter(external_id=resource.stored_external_id(check_external_id(args["external_id"])))
    if "updated_since" in args:
        since = parse_instant(args["updated_since"], "updated_since")
        query = query.filter(updated_at__gte=since) if resource.has_updated_at else query.filter(created_at__gte=since)
    page = await paginate(query, resource.model, read_limit(args.get("limit")), args.get("after") or None)
    data = await represent_many(resource, page.rows)
    return json_response({
        "object": "list",
        "url": f"/api/v1/{resource.name}",
        "data": data,
        "has_more": page.has_more,
        "next_after": page.rows[-1].public_id if page.has_more else None,
    })


async def get_object(resource: ApiResource, public_id: str) -> Response:
    body = await represent(resource, await find(resource, public_id))
    tag = etag_of(body)
    if not_modified(tag):
        return Response("", status=304, headers={"ETag": tag})
    return json_response(body, headers={"ETag": tag})


async def _written(ctx: ApiContext, row: Any, status: int) -> Response:
    body = await represent(ctx.resource, row)
    headers = {"ETag": etag_of(body)}
    if status == 201:
        headers["Location"] = object_url(ctx.resource, row)
    return json_response(body, status=status, headers=headers)


def _conflict(resource: ApiResource) -> ApiError:
    return ApiError(409, "conflict", f"This {resource.object} clashes with another one (a value that must be unique is taken).")


async def create_object(ctx: ApiContext, data: BaseModel | None = None) -> Response:
    resource = ctx.resource
    if resource.create is None:
        raise not_allowed(resource, "POST")
    data = data or await read_body(resource.create_schema)  # type: ignore[arg-type]
    external_id = getattr(data, "external_id", None)
    if external_id is not None:
        check_external_id(external_id)
        if await resource.model.filter(external_id=resource.stored_external_id(external_id)).exists():
            raise ApiError(409, "external_id_taken", f"Another {resource.object} has the external id {external_id!r}; upsert with PUT /api/v1/{resource.name}/by-external-id/<id>.", param="external_id")
    try:
        async with in_transaction():
            row = await resource.create(ctx, data)  # type: ignore[misc]
            await ctx.audit("created", row)
    except IntegrityError:
        raise _conflict(resource) from None
    return await _written(ctx, row, 201)


async def update_object(ctx: ApiContext, public_id: str) -> Response:
    resource = ctx.resource
    if resource.update is None:
        raise not_allowed(resource, "PATCH")
    row = await find(resource, public_id)
    data = await read_body(resource.update_schema)  # type: ignore[arg-type]
    return await _update(ctx, row, data)


async def _locked(resource: ApiResource, row: Any) -> Any:
    """``row`` read again under a row lock (PostgreSQL), so If-Match and the write see one version.

    SQLite has no row locks; its one connection runs transactions one after another.
    """
    await resource.model.filter(id=row.id).select_for_update().first()
    fresh = await resource.base_query().filter(id=row.id).first()
    if fresh is None:
        raise ApiError(404, "resource_missing", f"No {resource.object} has the id {row.public_id!r}.", param="id")
    check_if_match(etag_of(await represent(resource, fresh)))
    return fresh


async def _update(ctx: ApiContext, row: Any, data: BaseModel) -> Response:
    resource = ctx.resource
    external_id = getattr(data, "external_id", None)
    if external_id is not None and external_id != getattr(row, "external_id", None):
        check_external_id(external_id)
        if await resource.model.filter(external_id=external_id).exclude(id=row.id).exists():
            raise ApiError(409, "external_id_taken", f"Another {resource.object} has the external id {external_id!r}.", param="external_id")
    try:
        async with in_transaction():
            row = await _locked(resource, row)
            row = await resource.update(ctx, row, data)  # type: ignore[misc]
            await ctx.audit("updated", row, fields=sorted(data.model_fields_set))
    except IntegrityError:
        raise _conflict(resource) from None
    return await _written(ctx, row, 200)


async def delete_object(ctx: ApiContext, public_id: str) -> Response:
    resource = ctx.resource
    if resource.delete is None:
        raise not_allowed(resource, "DELETE")
    row = await find(resource, public_id)
    async with in_transaction():
        row = await _locked(resource, row)
        await resource.delete(ctx, row)
        await ctx.audit("deleted", row)
    return json_response({"id": row.public_id, "object": resource.object, "deleted": True})


async def upsert_object(ctx: ApiContext, external_id: str) -> Response:
    """``PUT /by-external-id/<id>``: create (201) or bring up to date (200); the same body twice gives the same state."""
    resource = ctx.resource
    if not resource.syncable:
        raise not_allowed(resource, "PUT")
    check_external_id(external_id)
    data = await read_body(resource.create_schema)  # type: ignore[arg-type]
    sent = getattr(data, "external_id", None)
    if sent is not None and sent != external_id:
        raise ApiError(422, "validation_failed", "external_id in the body differs from the one in the URL; leave it out.", param="external_id")
    data = data.model_copy(update={"external_id": external_id})
    data.model_fields_set.add("external_id")
    for attempt in range(2):
        row = await resource.base_query().filter(external_id=external_id).first()
        if row is not None:
            return await _update(ctx, row, data)
        try:
            return await create_object(ctx, data)
        except ApiError as error:
            # Another request created it between our read and our write: update it instead.
            if error.code not in ("external_id_taken", "conflict") or attempt:
                raise
    raise AssertionError("unreachable")


async def run_action(ctx: ApiContext, public_id: str, name: str) -> Response:
    resource = ctx.resource
    action = next((a for a in resource.actions if a.name == name), None)
    if action is None:
        raise ApiError(404, "not_found", f"{resource.name} has no action {name!r}.")
    row = await find(resource, public_id)
    data = await read_body(action.schema) if action.schema is not None else None
    async with in_transaction():
        row = await _locked(resource, row)
        row = await action.handler(ctx, row, data)
        await ctx.audit(name, row)
    return await _written(ctx, row, 200)


def not_allowed(resource: ApiResource, method: str) -> ApiError:
    return ApiError(405, "method_not_allowed", f"{resource.name} does not support {method} here.", headers={"Allow": ", ".join(allowed_methods(resource))})


def allowed_methods(resource: ApiResource) -> list[str]:
    methods = ["GET", "HEAD"]
    if resource.update is not None:
        methods.append("PATCH")
    if resource.delete is not None:
        methods.append("DELETE")
    return methods


def context(resource: ApiResource, caller: Caller) -> ApiContext:
    return ApiContext(tenant=g.tenant, caller=caller, resource=resource)
