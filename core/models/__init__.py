"""Core's tenant-owned tables. Import models from their own modules."""

MODEL_MODULES = [
    "tenants.models",
    "core.models.customers",
    "core.models.staff",
    "core.models.jobs",
    "core.models.billing",
    "core.models.platform",
    "core.models.auth",
    "core.models.mail",
    "core.models.invites",
    "core.models.api",
    "core.models.webhooks",
]
