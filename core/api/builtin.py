"""Core's own API resources and upkeep, declared through the public hooks like a plugin's."""

from __future__ import annotations

from datetime import datetime, timezone

from core import hookimpl
from core.api import contacts, customers, invoices, job_records, jobs, payments
from core.api.idempotency import purge_expired
from core.models.api import ApiToken
from core.records import Task

PURGE_TASK = "api.purge"


@hookimpl
def porchside_api_resources():
    return [
        customers.RESOURCE, contacts.RESOURCE, jobs.RESOURCE, job_records.VISITS, job_records.NOTES,
        job_records.ATTACHMENTS, invoices.RESOURCE, payments.RESOURCE,
    ]


async def purge_task(**_: object) -> None:
    """Drop the tenant's idempotency records older than a day and its expired tokens."""
    await purge_expired()
    await ApiToken.filter(expires_at__lt=datetime.now(timezone.utc)).delete()


@hookimpl
def porchside_tasks():
    return [Task(name=PURGE_TASK, func=purge_task, cron="17 * * * *", retries=1)]


@hookimpl
def porchside_cli_commands():
    # Imported here: the app server never needs the command line.
    from core.api.cli import api_client

    return [api_client]
