"""The pets plugin's one table: a tenant-owned model like core's own."""

from __future__ import annotations

from tortoise import fields

from core.models.base import TenantModel


class Pet(TenantModel):
    """A pet at the service address, so technicians know who to expect."""

    public_id_prefix = "pet"

    name = fields.CharField(max_length=100)
    kind = fields.CharField(max_length=40, default="dog")

    class Meta:
        app = "pets"
        table = "pets_pet"
