"""The ``webhook_endpoints`` resource: subscribe an HTTPS URL to event types.

The signing secret (``whsec_...``) is in the response to the POST only;
every later read has ``secret: null``. The URL is checked by the SSRF guard
(:mod:`core.webhooks.targets`) and the types against those the business can
subscribe to (core's and its enabled plugins'), both as the console does
(:mod:`core.webhooks.endpoints`). Deliveries are listed in the console.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from core.api.errors import ApiError
from core.api.fields import text
from core.api.resources import ApiContext, ApiModel, ApiResource, Filter, apply_changes, fields_set
from core.i18n import lazy_gettext
from core.models.webhooks import WebhookEndpoint
from core.services import current_services
from core.webhooks.endpoints import EndpointRefused, check_types, check_url, create_endpoint, set_enabled

Url = text(2000, required=True)
Description = text(200)
EventTypes = Annotated[list[Annotated[str, Field(min_length=1, max_length=100)]], Field(min_length=1, max_length=50)]


class WebhookEndpointOut(ApiModel):
    """An address that receives the events it subscribed to, signed per Standard Webhooks."""

    id: str = Field(description="Public id, starts with we_.")
    object: Literal["webhook_endpoint"] = "webhook_endpoint"
    url: str
    description: str
    event_types: list[str] = Field(description="The event types sent to it; see the Webhooks section of the API guide.")
    enabled: bool
    disabled_reason: str = Field(description="Why it was disabled (by staff, or after failing for 3 days).")
    created_by: str
    secret: str | None = Field(description="The whsec_ signing secret: only in the response that created the endpoint.")
    created_at: datetime
    updated_at: datetime | None


class WebhookEndpointCreate(ApiModel):
    url: Url  # type: ignore[valid-type]
    event_types: EventTypes
    description: Description = ""  # type: ignore[valid-type]


class WebhookEndpointUpdate(ApiModel):
    url: Url = None  # type: ignore[valid-type,assignment]
    event_types: EventTypes = None  # type: ignore[assignment]
    description: Description = None  # type: ignore[valid-type,assignment]
    enabled: bool = None  # type: ignore[assignment]


def serialize(row: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": row.public_id,
        "url": row.url,
        "description": row.description,
        "event_types": list(row.event_types or []),
        "enabled": row.enabled,
        "disabled_reason": row.disabled_reason,
        "created_by": row.created_by,
        "secret": getattr(row, "shown_secret", None),
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def _refused(refused: EndpointRefused) -> ApiError:
    return ApiError(422, refused.code, refused.message, param=refused.field)


async def create(ctx: ApiContext, data: WebhookEndpointCreate) -> WebhookEndpoint:
    try:
        row, secret = await create_endpoint(current_services(), data.url, data.event_types, ctx.caller.actor, data.description)
    except EndpointRefused as refused:
        raise _refused(refused) from None
    row.shown_secret = secret  # type: ignore[attr-defined]
    return row


async def update(ctx: ApiContext, row: WebhookEndpoint, data: WebhookEndpointUpdate) -> WebhookEndpoint:
    services = current_services()
    values = fields_set(data)
    try:
        if "url" in values:
            values["url"] = await check_url(services, values["url"])
        if "event_types" in values:
            values["event_types"] = await check_types(services, values["event_types"])
    except EndpointRefused as refused:
        raise _refused(refused) from None
    enabled = values.pop("enabled", None)
    if apply_changes(row, values):
        await row.save()
    if enabled is not None:
        await set_enabled(row, enabled)
    return row


async def delete(ctx: ApiContext, row: WebhookEndpoint) -> None:
    await row.delete()


RESOURCE = ApiResource(
    name="webhook_endpoints",
    object="webhook_endpoint",
    model=WebhookEndpoint,
    schema=WebhookEndpointOut,
    serialize=serialize,
    create_schema=WebhookEndpointCreate,
    create=create,
    update_schema=WebhookEndpointUpdate,
    update=update,
    delete=delete,
    filters=(Filter("enabled", "enabled", kind="boolean", description="true: enabled endpoints only; false: disabled only."),),
    title=lazy_gettext("Webhook endpoints"),
    description=lazy_gettext("Outgoing webhooks: HTTPS addresses of your system that receive signed events. The secret is shown once."),
    order=90,
)
