"""Jobs, their charges, visits, notes and attachments."""

from __future__ import annotations

from tortoise import fields
from tortoise.indexes import Index

from core.models.base import TenantModel

JOB_STATUSES = ("scheduled", "in_progress", "completed", "cancelled")
INVOICE_VIEWS = ("detailed", "summary")


class Job(TenantModel):
    public_id_prefix = "job"

    account = fields.ForeignKeyField("core.CustomerAccount", related_name="jobs", on_delete=fields.CASCADE)
    number = fields.CharField(max_length=40)
    title = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    status = fields.CharField(max_length=20, default="scheduled")
    scheduled_start = fields.DatetimeField(null=True)
    scheduled_end = fields.DatetimeField(null=True)
    completed_at = fields.DatetimeField(null=True)
    technician = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True, on_delete=fields.SET_NULL)
    technician_name = fields.CharField(max_length=200, default="")
    service_address = fields.TextField(default="")
    invoice_view = fields.CharField(max_length=10, default="detailed")

    # Set by an integration that syncs this row from another system (unique per tenant).
    external_id = fields.CharField(max_length=120, null=True)
    updated_at = fields.DatetimeField(auto_now=True, null=True)

    class Meta:
        app = "core"
        table = "job"
        unique_together = (("tenant", "number"), ("tenant", "external_id"))
        ordering = ["-scheduled_start"]
        # One account's jobs by date (work history), and by status then date
        # (upcoming work, the counts per tab).
        indexes = (
            Index(fields=("tenant_id", "account_id", "scheduled_start", "id"), name="job_account_scheduled"),
            Index(fields=("tenant_id", "account_id", "status", "scheduled_start"), name="job_account_status_scheduled"),
            # The console's job list, by date.
            Index(fields=("tenant_id", "scheduled_start", "id"), name="job_scheduled"),
        )


class JobCharge(TenantModel):
    """A billable line on a job (labour, parts, chemicals)."""

    public_id_prefix = "chg"

    job = fields.ForeignKeyField("core.Job", related_name="charges", on_delete=fields.CASCADE)
    description = fields.CharField(max_length=300)
    # Quantity in thousandths so fractional hours and litres stay exact.
    quantity_milli = fields.IntField(default=1000)
    unit_price_minor = fields.BigIntField()
    amount_minor = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    position = fields.IntField(default=0)

    class Meta:
        app = "core"
        table = "job_charge"
        ordering = ["position", "id"]
        indexes = (Index(fields=("tenant_id", "job_id", "position"), name="job_charge_job"),)


class Visit(TenantModel):
    """One trip to the service address: what the technician did and saw."""

    public_id_prefix = "vis"

    job = fields.ForeignKeyField("core.Job", related_name="visits", on_delete=fields.CASCADE)
    scheduled_at = fields.DatetimeField(null=True)
    completed_at = fields.DatetimeField(null=True, db_index=True)
    technician_name = fields.CharField(max_length=200, default="")
    technician_notes = fields.TextField(default="")
    summary = fields.CharField(max_length=300, default="")

    # Set by an integration that syncs this row from another system (unique per tenant).
    external_id = fields.CharField(max_length=120, null=True)
    updated_at = fields.DatetimeField(auto_now=True, null=True)

    class Meta:
        app = "core"
        unique_together = (("tenant", "external_id"),)
        table = "visit"
        ordering = ["-completed_at"]
        # A job's visits; the tenant's completed visits by date (service history
        # walks them newest first and keeps the account's).
        indexes = (
            Index(fields=("tenant_id", "job_id", "completed_at"), name="visit_job_completed"),
            Index(fields=("tenant_id", "completed_at", "id"), name="visit_completed"),
        )


class Note(TenantModel):
    public_id_prefix = "note"

    job = fields.ForeignKeyField("core.Job", related_name="notes", on_delete=fields.CASCADE)
    body = fields.TextField()
    author_name = fields.CharField(max_length=200, default="")
    shared = fields.BooleanField(default=False)

    # Set by an integration that syncs this row from another system (unique per tenant).
    external_id = fields.CharField(max_length=120, null=True)
    updated_at = fields.DatetimeField(auto_now=True, null=True)

    class Meta:
        app = "core"
        unique_together = (("tenant", "external_id"),)
        table = "note"
        ordering = ["-created_at"]
        indexes = (Index(fields=("tenant_id", "job_id"), name="note_job"),)


class Attachment(TenantModel):
    """A stored file: a job attachment or a visit photo.

    The bytes live in the tenant's storage under ``storage_key``; the portal
    serves them only through an authorised download route.
    """

    public_id_prefix = "file"

    job = fields.ForeignKeyField("core.Job", related_name="attachments", null=True, on_delete=fields.CASCADE)
    visit = fields.ForeignKeyField("core.Visit", related_name="photos", null=True, on_delete=fields.CASCADE)
    kind = fields.CharField(max_length=12, default="attachment")  # attachment | photo
    filename = fields.CharField(max_length=255)
    content_type = fields.CharField(max_length=100)
    size = fields.BigIntField(default=0)
    storage_key = fields.CharField(max_length=300)
    thumbnail_key = fields.CharField(max_length=300, null=True)
    shared = fields.BooleanField(default=False)
    caption = fields.CharField(max_length=300, default="")

    # Set by an integration that syncs this row from another system (unique per tenant).
    external_id = fields.CharField(max_length=120, null=True)
    updated_at = fields.DatetimeField(auto_now=True, null=True)

    class Meta:
        app = "core"
        unique_together = (("tenant", "external_id"),)
        table = "attachment"
        ordering = ["created_at", "id"]
        # Documents: the files of a job and of a visit.
        indexes = (
            Index(fields=("tenant_id", "job_id", "created_at"), name="attachment_job"),
            Index(fields=("tenant_id", "visit_id", "created_at"), name="attachment_visit"),
        )
