"""Logs, request ids and /metrics: what an operator reads when something goes wrong."""

from __future__ import annotations

import io
import json
import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families

from core.logs import ContextFilter, JsonFormatter, TextFormatter

TOKEN = "metrics-token-" + "m" * 20


@pytest.fixture
def log_lines():
    """The lines the real formatter and filter write, as the root handler of ``serve`` does."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def request_lines(lines, request_id):
    return [line for line in lines if line["logger"] == "porchside.request" and line.get("request_id") == request_id]


async def test_a_request_gives_one_json_line_with_its_request_tenant_route_status_and_duration(client, log_lines):
    response = await client.get("/sign-in/link/not-a-real-token", headers={"X-Request-Id": "support-ticket-42"})

    assert response.headers["X-Request-Id"] == "support-ticket-42"
    (line,) = request_lines(log_lines(), "support-ticket-42")
    assert line["level"] == "info" and line["time"].endswith("+00:00")
    assert line["tenant"] == "acme" and line["method"] == "GET"
    # The URL rule, never the raw path: the path may hold a sign-in token.
    assert "not-a-real-token" not in json.dumps(line)
    assert line["route"].startswith("/sign-in/link/<")
    assert line["status"] == response.status_code
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0


async def test_plugin_routes_name_their_plugin(client, log_lines):
    response = await client.post("/payments/webhooks/stripe", data=b"{}", headers={"X-Request-Id": "hook-1"})

    assert response.status_code == 400
    (line,) = request_lines(log_lines(), "hook-1")
    assert line["plugin"] == "payments" and line["status"] == 400 and line["route"] == "/payments/webhooks/stripe"


async def test_a_strange_incoming_request_id_is_replaced(client, app):
    response = await client.get("/healthz", headers={"X-Request-Id": "has spaces and {braces}"})
    made = response.headers["X-Request-Id"]
    assert made.startswith("req_") and len(made) == 28

    other = await client.get("/healthz")
    assert other.headers["X-Request-Id"].startswith("req_") and other.headers["X-Request-Id"] != made
    too_long = await client.get("/healthz", headers={"X-Request-Id": "a" * 129})
    assert too_long.headers["X-Request-Id"] != "a" * 129


async def test_the_api_answers_with_the_same_request_id(client):
    response = await client.get("/api/v1/customers", headers={"X-Request-Id": "integration-7"})
    assert response.status_code == 401
    assert response.headers["X-Request-Id"] == "integration-7"
    assert response.headers.get_all("X-Request-Id") == ["integration-7"]


def test_text_format_keeps_the_fields_and_a_traceback_below_them():
    record = logging.LogRecord("porchside.app", logging.ERROR, __file__, 1, "boom %s", ("now",), None)
    record.request_id, record.tenant = "r1", "acme"
    try:
        raise RuntimeError("inner")
    except RuntimeError:
        import sys

        record.exc_info = sys.exc_info()
    text = TextFormatter().format(record)
    first, rest = text.split("\n", 1)
    assert first.endswith("boom now [request_id=r1 tenant=acme]")
    assert "RuntimeError: inner" in rest


def samples(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_metrics_are_off_without_a_token(client):
    response = await client.get("/metrics", headers={"Authorization": "Bearer anything-at-all"})
    assert response.status_code == 404
    assert b"porchside_" not in await response.get_data()


async def test_metrics_need_the_token_and_count_requests_by_tenant_route_and_status(make_app, client_for):
    async with make_app(metrics_token=TOKEN) as app:
        from tenants.service import create_tenant

        await create_tenant("acme", "Acme Pool Care")
        acme = client_for("acme.localhost", app)
        platform = client_for("localhost", app)

        assert (await platform.get("/metrics")).status_code == 401
        wrong = await platform.get("/metrics", headers={"Authorization": "Bearer " + "x" * len(TOKEN)})
        assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"].startswith("Bearer")

        async def scrape():
            response = await platform.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
            assert response.status_code == 200 and response.content_type.startswith("text/plain")
            return samples(await response.get_data(as_text=True))

        key = (
            "porchside_http_requests_total",
            (("method", "GET"), ("route", "/sign-in/link/<token>"), ("status", "404"), ("tenant", "acme")),
        )
        before = (await scrape()).get(key, 0.0)
        response = await acme.get("/sign-in/link/whatever-token")
        assert response.status_code == 404, response.status_code
        after = await scrape()
        assert after[key] == before + 1
        histogram = ("porchside_http_request_duration_seconds_count", (("method", "GET"), ("route", "/sign-in/link/<token>"), ("status", "404")))
        assert after[histogram] >= 1
        assert ("porchside_queue_jobs", (("state", "due"),)) in after
        assert ("porchside_queue_jobs", (("state", "scheduled"),)) in after


async def test_metrics_count_jobs_and_emails(make_app, client_for):
    from core.mail import send_email
    from core.testing import eventually
    from tenants.context import use_tenant
    from tenants.service import create_tenant
    from core.models.mail import OutboundEmail

    async with make_app(metrics_token=TOKEN) as app:
        acme = await create_tenant("acme", "Acme Pool Care")
        scraper = client_for("localhost", app)

        async def scrape():
            response = await scraper.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
            return samples(await response.get_data(as_text=True))

        sent = ("porchside_emails_total", (("outcome", "sent"),))
        done = ("porchside_jobs_total", (("outcome", "done"), ("task", "mail.deliver")))
        before = await scrape()
        with use_tenant(acme):
            email = await send_email(app.extensions["porchside"], to="pat@example.com", template="test", context={"name": "Pat", "path": "/"}, kind="test")

        async def delivered():
            with use_tenant(acme):
                return (await OutboundEmail.get(id=email.id)).status == "sent"

        await eventually(delivered)
        after = await eventually(lambda: _counted(scrape, done, before.get(done, 0.0) + 1))
        assert after[sent] == before.get(sent, 0.0) + 1


async def _counted(scrape, key, value):
    seen = await scrape()
    return seen if seen.get(key) == value else None
