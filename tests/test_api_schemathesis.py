"""The whole API against its own OpenAPI document, property-based, with Schemathesis (issue 12, item 7).

A real uvicorn serves the test app on loopback (in this test's event loop,
so it shares the test's database), and Schemathesis generates requests for
every operation of ``/api/v1/openapi.json`` with a token holding every
scope: no response may be a 5xx, break its declared schema, use an
undeclared status or an undeclared content type. A few examples per
operation keep it under a minute per database; some customers, jobs and
invoices exist first so ids in paths are not always unknown.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections import Counter

import requests
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.transport.requests import SameHostRedirectsSession

from tests.api_helpers import bearer

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
# Per operation: every operation is still called (asserted below) with generated bodies, queries and ids;
# 12 doubled the test's CPU (28.7 s -> 16.9 s for both databases) for more of the same cases.
EXAMPLES = 6


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_SCHEMAS: dict[str, "schemathesis.BaseSchema"] = {}


def _schema(document: dict):
    """The loaded schema, once per process for both databases' runs (they serve the same document)."""
    key = json.dumps(document, sort_keys=True)
    if key not in _SCHEMAS:
        _SCHEMAS[key] = schemathesis.openapi.from_dict(document)
    return _SCHEMAS[key]


def _session() -> requests.Session:
    """One keep-alive connection for every call (Schemathesis's default opens a session and a
    connection per call); no proxy or netrc lookup, and no cookie carried from one call to the next."""
    session = SameHostRedirectsSession()
    session.trust_env = False
    return session


def _fuzz(document: dict, base_url: str, headers: dict[str, str], ids: dict[str, str], statuses: Counter) -> list[str]:
    """Run every operation; the failures, one line each (Schemathesis's own messages)."""
    schema = _schema(document)
    session = _session()
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        path_parameters = {"id": ids[operation.path.split("/")[3]]} if "{id}" in operation.path and operation.path.split("/")[3] in ids else None

        @given(case=operation.as_strategy(path_parameters=path_parameters) if path_parameters else operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def run(case) -> None:
            try:
                session.cookies.clear()
                response = case.call(base_url=base_url, headers=headers, session=session)
                statuses[(operation.method.upper(), operation.path, response.status_code // 100)] += 1
                case.validate_response(response, checks=CHECKS, headers=headers)
            except Exception as exc:  # collect every operation's failure, to fix them at once
                failures.append(f"{operation.method.upper()} {operation.path}: {type(exc).__name__}: {str(exc).splitlines()[0:8]}")
                raise

        try:
            run()
        except Exception:
            pass
    session.close()
    return failures


async def test_the_api_conforms_to_its_own_openapi_document(make_app, client_for):
    from tenants.service import create_tenant

    async with make_app(rate_limits={"api_per_client": "100000/60"}) as app:
        tenant = await create_tenant("acme", "Acme Pool Care")
        http = client_for(tenant, app)
        document = await (await http.get("/api/v1/openapi.json")).get_json()
        scopes = sorted(document["components"]["securitySchemes"]["oauth2"]["flows"]["clientCredentials"]["scopes"])
        auth = await bearer(http, tenant, scopes)
        acct = await (await http.request("PUT", "/api/v1/customers/by-external-id/seed", json={"name": "Seed"}, headers=auth)).get_json()
        job = await (await http.post("/api/v1/jobs", json={"customer": acct["id"], "title": "Seed"}, headers=auth)).get_json()
        invoice = await (await http.post("/api/v1/invoices", json={"customer": acct["id"], "lines": [{"description": "x", "unit_price_minor": 100}]}, headers=auth)).get_json()
        ids = {"customers": acct["id"], "jobs": job["id"], "invoices": invoice["id"]}

        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning", access_log=False))
        serving = asyncio.create_task(server.serve())
        try:
            while not server.started:
                await asyncio.sleep(0.02)
            headers = {**auth, "Host": f"{tenant.slug}.localhost"}
            statuses: Counter = Counter()
            failures = await asyncio.to_thread(_fuzz, document, f"http://127.0.0.1:{port}", headers, ids, statuses)
        finally:
            server.should_exit = True
            await serving
    assert not failures, "\n".join(failures)
    operations = {(method, path) for method, path, _ in statuses}
    expected = {(method.upper(), path) for path, methods in document["paths"].items() for method in methods}
    assert operations == expected  # every operation was called
    succeeded = {(method, path) for method, path, kind in statuses if kind == 2}
    assert ("GET", "/api/v1/customers") in succeeded and ("POST", "/api/v1/customers") in succeeded
    assert ("GET", "/api/v1/jobs/{id}") in succeeded
