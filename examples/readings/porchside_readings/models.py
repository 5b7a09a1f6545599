"""The plugin's tables: what a business measures, and the values taken at visits.

Values are stored exactly, as integer thousandths (``value_milli``: pH 7.4 is
7400, 28.5 degrees is 28500), like core's quantities; target ranges too.
Docstrings of models become table comments, so they avoid apostrophes and
semicolons (SQLite migrations break on them).
"""

from __future__ import annotations

from tortoise import fields

from core.models.base import TenantModel


class Measure(TenantModel):
    """Something technicians measure at a visit, with its unit and target range."""

    public_id_prefix = "msr"

    name = fields.CharField(max_length=100)
    unit = fields.CharField(max_length=20, default="")
    target_min_milli = fields.BigIntField(null=True)
    target_max_milli = fields.BigIntField(null=True)
    position = fields.IntField(default=0)
    active = fields.BooleanField(default=True)
    updated_at = fields.DatetimeField(auto_now=True, null=True)

    class Meta:
        app = "readings"
        table = "readings_measure"
        unique_together = (("tenant", "name"),)
        ordering = ["position", "id"]


class Reading(TenantModel):
    """One value of one measure taken at a visit (one per measure and visit)."""

    public_id_prefix = "rdg"

    visit = fields.ForeignKeyField("core.Visit", related_name=False, on_delete=fields.CASCADE)
    measure = fields.ForeignKeyField("readings.Measure", related_name=False, on_delete=fields.CASCADE)
    value_milli = fields.BigIntField()
    taken_at = fields.DatetimeField(db_index=True)
    taken_by = fields.CharField(max_length=200, default="")

    # Set by an integration that posts readings from another system (unique per tenant).
    external_id = fields.CharField(max_length=120, null=True)
    updated_at = fields.DatetimeField(auto_now=True, null=True)

    class Meta:
        app = "readings"
        table = "readings_reading"
        unique_together = (("visit", "measure"), ("tenant", "external_id"))
        ordering = ["taken_at", "id"]
