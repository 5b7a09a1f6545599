"""The API's routes: ``/oauth/token``, ``/api/v1/<resource>...``, the OpenAPI document and ``/api/docs``.

Generic routes dispatch to the declared resource by name (see
:mod:`core.api.resources`), so a plugin's resource needs no routes of its
own. Every route but the token endpoint, the OpenAPI document and the
reference page needs a bearer token; then the client's rate limit counts
the request, and each view checks its scope.
"""

from __future__ import annotations

from quart import Blueprint, Quart, Response, current_app, g, render_template, request
from werkzeug.exceptions import MethodNotAllowed

from core.api import engine
from core.api.auth import Caller, authenticate, require_scope
from core.api.errors import CODES as ERROR_CODES
from core.api.errors import ApiError, problem_for_response
from core.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from core.api.idempotency import request_hash, run_once
from core.api.limits import count_request
from core.api.oauth import token_endpoint
from core.api.registry import ResourceRegistry
from core.api.request_ids import HEADER as REQUEST_ID_HEADER
from core.api.request_ids import request_id
from core.api.resources import ApiResource
from core.plugins import PluginHost
from core.web.security import csrf_exempt

EXTENSION = "porchside.api"
# Bearer-token routes read no cookie, so cross-site request forgery has nothing to ride on.
BEARER_PREFIXES = ("/api/", "/oauth/")
PUBLIC_ENDPOINTS = frozenset({"api.token", "api.openapi_document", "api.reference"})

blueprint = Blueprint("api", __name__)
blueprint.portal_section = None  # type: ignore[attr-defined]


def registry() -> ResourceRegistry:
    return current_app.extensions[EXTENSION]


def caller() -> Caller:
    return g.api_caller


def _resource(name: str) -> ApiResource:
    found = registry().get(name, g.get("enabled_plugins", frozenset()))
    if found is None:
        raise ApiError(404, "not_found", f"There is no resource {name!r} in this API; see /api/v1/openapi.json.")
    return found


def _reader(name: str) -> ApiResource:
    resource = _resource(name)
    require_scope(caller(), resource.read_scope)
    return resource


def _writer(name: str) -> ApiResource:
    """The resource, if this write exists for it (405 first: no scope makes it exist) and the token may write."""
    resource = _resource(name)
    checks = {
        "api.create_object": resource.create is not None,
        "api.update_object": resource.update is not None,
        "api.delete_object": resource.delete is not None,
        "api.upsert_object": resource.syncable,
        "api.run_action": bool(resource.actions),
    }
    if not checks.get(request.endpoint or "", True):
        raise engine.not_allowed(resource, request.method)
    require_scope(caller(), resource.write_scope)
    return resource


async def _idempotent(run) -> Response:
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return await run()
    fingerprint = request_hash(request.method, request.path, await request.get_data(cache=True))
    return await run_once(caller(), key, fingerprint, run)


@blueprint.before_request
async def _authenticate() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    who = await authenticate()
    services = current_app.extensions["porchside"]
    g.api_rate_headers = await count_request(services.cache, services.settings, who.client.client_id)


@blueprint.after_request
async def _rate_headers(response: Response) -> Response:
    for name, value in (g.get("api_rate_headers") or {}).items():
        response.headers.setdefault(name, value)
    return response


@blueprint.errorhandler(ApiError)
async def _api_error(error: ApiError) -> Response:
    return error.response()


# -- routes ---------------------------------------------------------------------


@blueprint.post("/oauth/token")
@csrf_exempt
async def token() -> Response:
    return await token_endpoint()


@blueprint.get("/api/v1/openapi.json")
async def openapi_document() -> Response:
    from core.api.openapi import build_document

    return engine.json_response(build_document(registry().enabled(g.enabled_plugins), g.tenant))


@blueprint.get("/api/docs")
async def reference() -> str:
    from core.api.openapi import build_document, reference_sections

    document = build_document(registry().enabled(g.enabled_plugins), g.tenant)
    return await render_template(
        "api/docs.html", document=document, sections=reference_sections(document), tenant=g.tenant, error_codes=ERROR_CODES
    )


@blueprint.get("/api/v1/<name>")
async def list_objects(name: str) -> Response:
    return await engine.list_objects(_reader(name))


@blueprint.post("/api/v1/<name>")
@csrf_exempt
async def create_object(name: str) -> Response:
    resource = _writer(name)
    return await _idempotent(lambda: engine.create_object(engine.context(resource, caller())))


@blueprint.get("/api/v1/<name>/<object_id>")
async def get_object(name: str, object_id: str) -> Response:
    return await engine.get_object(_reader(name), object_id)


@blueprint.patch("/api/v1/<name>/<object_id>")
@csrf_exempt
async def update_object(name: str, object_id: str) -> Response:
    resource = _writer(name)
    return await engine.update_object(engine.context(resource, caller()), object_id)


@blueprint.delete("/api/v1/<name>/<object_id>")
@csrf_exempt
async def delete_object(name: str, object_id: str) -> Response:
    resource = _writer(name)
    return await engine.delete_object(engine.context(resource, caller()), object_id)


@blueprint.get("/api/v1/<name>/by-external-id/<external_id>")
async def get_by_external_id(name: str, external_id: str) -> Response:
    resource = _reader(name)
    if "external_id" not in resource.model._meta.fields_map:
        raise engine.not_allowed(resource, "GET by external id")
    row = await resource.base_query().filter(external_id=resource.stored_external_id(engine.check_external_id(external_id))).first()
    if row is None:
        raise ApiError(404, "resource_missing", f"No {resource.object} has the external id {external_id!r}.", param="external_id")
    return await engine.get_object(resource, row.public_id)


@blueprint.put("/api/v1/<name>/by-external-id/<external_id>")
@csrf_exempt
async def upsert_object(name: str, external_id: str) -> Response:
    resource = _writer(name)
    return await engine.upsert_object(engine.context(resource, caller()), external_id)


@blueprint.post("/api/v1/<name>/<object_id>/<action>")
@csrf_exempt
async def run_action(name: str, object_id: str, action: str) -> Response:
    resource = _writer(name)
    return await _idempotent(lambda: engine.run_action(engine.context(resource, caller()), object_id, action))


@blueprint.record
def _open_while_portal_off(state) -> None:
    """Integrations keep syncing while the business has its portal switched off."""
    for rule in state.app.url_map.iter_rules():
        if rule.endpoint.startswith(f"{state.blueprint.name}."):
            rule.host_open_when_portal_off = True


# -- installation -----------------------------------------------------------------


async def _api_responses(response: Response) -> Response:
    """Request id on every API and token response; problem details for every API error."""
    if not request.path.startswith(BEARER_PREFIXES):
        return response
    response.headers[REQUEST_ID_HEADER] = request_id()
    if request.path.startswith("/api/") and response.status_code >= 400:
        if isinstance(request.routing_exception, MethodNotAllowed) and request.routing_exception.valid_methods:
            response.headers["Allow"] = ", ".join(sorted(request.routing_exception.valid_methods))
        response = await problem_for_response(response)
    return response


def install(app: Quart, host: PluginHost) -> None:
    """Register the API on ``app``: its resources (checked now), routes and response rules."""
    app.extensions[EXTENSION] = ResourceRegistry.from_host(host)
    app.config["CSRF_EXEMPT_PREFIXES"] = BEARER_PREFIXES
    app.register_blueprint(blueprint)
    app.after_request(_api_responses)
