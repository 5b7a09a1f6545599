"""The OpenAPI 3.1 document, generated from the registered resources (never written by hand).

Schemas come from the resources' pydantic models; paths, parameters,
scopes and error responses from their declarations. Built per request from
the tenant's enabled resources, so a plugin a tenant has not enabled is
absent from its document; the models' JSON Schemas, the costly part, are
made once per set of models and copied. :func:`reference_sections` turns
the same document into what ``/api/docs`` renders.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from typing import Any

from pydantic.json_schema import models_json_schema

from core import __version__
from core.api.errors import PROBLEM_TYPE
from core.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from core.api.pagination import DEFAULT_LIMIT, MAX_LIMIT
from core.api.resources import ApiResource, english

REF = "#/components/schemas/{model}"
PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details. `code` is stable; `param` names the offending field or header.",
    "required": ["type", "title", "status", "detail", "code", "request_id"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "param": {"type": ["string", "null"]},
        "request_id": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}
KINDS = {"string": {"type": "string"}, "boolean": {"type": "boolean"}, "integer": {"type": "integer"}}


# The JSON Schemas of a set of pydantic models, by that set: generating them took two
# thirds of a /api/docs or openapi.json request, and the models never change at run time.
# A few sets (tenants enable different plugins), so it stays small.
_SCHEMA_CACHE: OrderedDict[tuple[tuple[type, str], ...], tuple[dict, dict]] = OrderedDict()
_SCHEMA_CACHE_SIZE = 32
_SCHEMA_LOCK = threading.Lock()


def _schemas(resources: list[ApiResource]) -> tuple[dict[tuple[type, str], dict[str, Any]], dict[str, Any]]:
    """The models' references and definitions: a fresh copy of each (callers add to them)."""
    wanted: list[tuple[type, str]] = []
    for r in resources:
        wanted.append((r.schema, "serialization"))
        for model in (r.create_schema, r.update_schema, *(a.schema for a in r.actions)):
            if model is not None:
                wanted.append((model, "validation"))
    if not wanted:
        return {}, {}
    key = tuple(dict.fromkeys(wanted))
    with _SCHEMA_LOCK:
        cached = _SCHEMA_CACHE.get(key)
        if cached is not None:
            _SCHEMA_CACHE.move_to_end(key)
    if cached is None:
        refs, defs = models_json_schema(list(key), ref_template=REF)
        cached = (refs, defs.get("$defs", {}))
        with _SCHEMA_LOCK:
            _SCHEMA_CACHE[key] = cached
            while len(_SCHEMA_CACHE) > _SCHEMA_CACHE_SIZE:
                _SCHEMA_CACHE.popitem(last=False)
    return copy.deepcopy(cached)


def _param(name: str, where: str, schema: dict[str, Any], description: str = "", required: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "in": where, "schema": schema, "required": required or where == "path"}
    if description:
        out["description"] = description
    return out


def _json(schema: dict[str, Any], description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        out["headers"] = headers
    return out


def _operation(r: ApiResource, op_id: str, summary: str, scope: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "operationId": op_id,
        "summary": summary,
        "tags": [r.name],
        "security": [{"oauth2": [scope]}],
        "responses": {**responses, "default": {"$ref": "#/components/responses/Problem"}},
        **extra,
    }


def _paths(r: ApiResource, refs: dict[tuple[type, str], dict[str, Any]]) -> dict[str, dict[str, Any]]:
    one = refs[(r.schema, "serialization")]
    etag = {"ETag": {"schema": {"type": "string"}, "description": "Send it back as If-Match to update safely."}}
    if_match = _param("If-Match", "header", {"type": "string"}, "The ETag you read; 412 if the object changed since.")
    idem = _param(IDEMPOTENCY_HEADER, "header", {"type": "string", "maxLength": 255}, "Retry safely: the same key and body replay the first response (24 hours).")
    object_id = _param("id", "path", {"type": "string", "maxLength": 40}, f"The {r.object}'s id.")
    query = [
        _param("limit", "query", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}, "Page size."),
        _param("after", "query", {"type": "string"}, "The id of the last object of the previous page."),
        _param("updated_since", "query", {"type": "string", "format": "date-time"}, "Only objects changed at or after this time (ISO 8601 with an offset)."),
    ]
    if "external_id" in r.model._meta.fields_map:
        query.append(_param("external_id", "query", {"type": "string"}, "Only the object with this external id."))
    query += [_param(f.name, "query", KINDS[f.kind], english(f.description)) for f in r.filters]
    listing = {
        "type": "object",
        "required": ["object", "url", "data", "has_more", "next_after"],
        "properties": {
            "object": {"const": "list"},
            "url": {"type": "string"},
            "data": {"type": "array", "items": one},
            "has_more": {"type": "boolean"},
            "next_after": {"type": ["string", "null"], "description": "Pass as after= for the next page."},
        },
    }
    base = f"/api/v1/{r.name}"
    paths: dict[str, dict[str, Any]] = {base: {}, base + "/{id}": {}}
    paths[base]["get"] = _operation(r, f"list_{r.name}", f"List {r.name}", r.read_scope, {"200": _json(listing, "A page of objects, oldest first.")}, parameters=query)
    if r.create is not None:
        paths[base]["post"] = _operation(
            r, f"create_{r.object}", f"Create a {r.object}", r.write_scope,
            {"201": _json(one, "Created.", etag)}, parameters=[idem],
            requestBody={"required": True, "content": {"application/json": {"schema": refs[(r.create_schema, "validation")]}}},
        )
    paths[base + "/{id}"]["get"] = _operation(r, f"get_{r.object}", f"Get a {r.object}", r.read_scope, {"200": _json(one, "The object.", etag), "304": {"description": "Not modified (If-None-Match)."}}, parameters=[object_id])
    if r.update is not None:
        paths[base + "/{id}"]["patch"] = _operation(
            r, f"update_{r.object}", f"Update a {r.object}", r.write_scope, {"200": _json(one, "Updated.", etag)},
            parameters=[object_id, if_match],
            requestBody={"required": True, "content": {"application/json": {"schema": refs[(r.update_schema, "validation")]}}},
        )
    if r.delete is not None:
        deleted = {"type": "object", "required": ["id", "object", "deleted"], "properties": {"id": {"type": "string"}, "object": {"const": r.object}, "deleted": {"const": True}}}
        paths[base + "/{id}"]["delete"] = _operation(r, f"delete_{r.object}", f"Delete a {r.object}", r.write_scope, {"200": _json(deleted, "Deleted.")}, parameters=[object_id, if_match])
    if "external_id" in r.model._meta.fields_map:
        external = _param("external_id", "path", {"type": "string", "minLength": 1, "maxLength": 120}, "Your system's id of the object.")
        path = paths.setdefault(base + "/by-external-id/{external_id}", {})
        path["get"] = _operation(r, f"get_{r.object}_by_external_id", f"Get a {r.object} by your id", r.read_scope, {"200": _json(one, "The object.", etag)}, parameters=[external])
        if r.syncable:
            path["put"] = _operation(
                r, f"upsert_{r.object}", f"Create or update a {r.object} by your id (idempotent sync)", r.write_scope,
                {"200": _json(one, "Updated (or unchanged).", etag), "201": _json(one, "Created.", etag)},
                parameters=[external, if_match],
                requestBody={"required": True, "content": {"application/json": {"schema": refs[(r.create_schema, "validation")]}}},
            )
    for action in r.actions:
        body = {"requestBody": {"required": True, "content": {"application/json": {"schema": refs[(action.schema, "validation")]}}}} if action.schema else {}
        if action.multipart is not None:
            body = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": action.multipart}}}}
        paths[f"{base}/{{id}}/{action.name}"] = {"post": _operation(
            r, f"{action.name}_{r.object}", english(action.description) or f"{action.name.title()} a {r.object}", r.write_scope,
            {"200": _json(one, "The object after the action.", etag)}, parameters=[object_id, idem], **body,
        )}
    return paths


def build_document(resources: list[ApiResource], tenant: Any) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``resources`` for ``tenant``'s host."""
    refs, schemas = _schemas(resources)
    schemas["Problem"] = PROBLEM
    scopes: dict[str, str] = {}
    paths: dict[str, Any] = {}
    for r in resources:
        scopes[r.read_scope] = f"Read {r.name}"
        scopes[r.write_scope] = f"Create and change {r.name}"
        paths.update(_paths(r, refs))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{getattr(tenant, 'name', 'Porchside')} API",
            "version": f"v1 ({__version__})",
            "description": "Porchside integration API. Authenticate with OAuth 2.0 client credentials at /oauth/token. See /api/docs.",
        },
        "servers": [{"url": "/"}],
        "tags": [{"name": r.name, "description": english(r.description)} for r in resources],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": {"Problem": {"description": "An error (problem details).", "content": {PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}},
            "securitySchemes": {"oauth2": {"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": "/oauth/token", "scopes": scopes}}}},
        },
    }


def _type_label(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " or ".join(_type_label(s) for s in schema["anyOf"])
    if schema.get("type") == "array":
        return f"list of {_type_label(schema.get('items', {}))}"
    if "const" in schema:
        return repr(schema["const"])
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    kind = schema.get("type", "any")
    return f"{kind} ({schema['format']})" if "format" in schema else str(kind)


def _body_label(op: dict[str, Any]) -> str:
    if "requestBody" not in op:
        return ""
    media, spec = next(iter(op["requestBody"]["content"].items()))
    return _type_label(spec["schema"]) if media == "application/json" else f"{media}: {', '.join(spec['schema'].get('properties', {}))}"


def reference_sections(document: dict[str, Any]) -> dict[str, Any]:
    """The reference page's content: operations per resource and the schemas' fields."""
    operations: dict[str, list[dict[str, Any]]] = {tag["name"]: [] for tag in document["tags"]}
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            operations.setdefault(op["tags"][0], []).append({
                "method": method.upper(),
                "path": path,
                "summary": op["summary"],
                "scope": op["security"][0]["oauth2"][0],
                "parameters": [(p["name"], p["in"], _type_label(p["schema"]), p.get("description", "")) for p in op.get("parameters", [])],
                "body": _body_label(op),
            })
    schemas = {}
    for name, schema in document["components"]["schemas"].items():
        required = set(schema.get("required", ()))
        schemas[name] = [
            (field, _type_label(spec), field in required, spec.get("description", ""))
            for field, spec in schema.get("properties", {}).items()
        ]
    return {"tags": document["tags"], "operations": operations, "schemas": schemas}
