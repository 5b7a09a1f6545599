"""Dispatch: a plugin that adds a read-only API resource through porchside_api_resources.

It reads core's jobs under a name of its own, as a third-party plugin
would expose its own table: the engine gives it list, get, scopes
(``dispatch_jobs:read``), pagination and an OpenAPI entry, for tenants that
enabled the plugin only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from core import hookimpl
from core.api.resources import ApiModel, ApiResource, Filter
from core.models.jobs import Job


class DispatchJob(ApiModel):
    id: str
    object: Literal["dispatch_job"] = "dispatch_job"
    number: str
    status: str
    scheduled_start: datetime | None


def serialize(row: Job) -> dict:
    return {"id": row.public_id, "number": row.number, "status": row.status, "scheduled_start": row.scheduled_start}


@hookimpl
def porchside_api_resources():
    return [
        ApiResource(
            name="dispatch_jobs",
            object="dispatch_job",
            model=Job,
            schema=DispatchJob,
            serialize=serialize,
            filters=(Filter("status", "status"),),
            description="Jobs as the dispatch board sees them.",
        )
    ]
