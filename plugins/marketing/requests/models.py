"""Service requests: what a customer asks the business to do, and what staff answered (M3).

A :class:`ServiceRequest` belongs to one customer account. It starts ``new``;
staff answer it (``answered``), turn it into a job (``scheduled``, linked to
the job) or a quote (``quoted``), or decline it with a reason (``declined``);
the customer may cancel an open one (``cancelled``). Every change of status
is one conditional UPDATE from the statuses it may leave, so a double click
or two staff members at once change nothing twice.

``form_key`` is the random key of the form the customer filled in, unique per
tenant: submitting the same form twice finds the first request instead of
making a second one. Photos are stored through the tenant's storage and
served only to the account and to staff.
"""

from __future__ import annotations

from tortoise import fields

from core.i18n import lazy_gettext, lazy_pgettext
from core.models.base import TenantModel

NEW = "new"
ANSWERED = "answered"
SCHEDULED = "scheduled"
QUOTED = "quoted"
DECLINED = "declined"
CANCELLED = "cancelled"

STATUSES = (NEW, ANSWERED, SCHEDULED, QUOTED, DECLINED, CANCELLED)
OPEN_STATUSES = (NEW, ANSWERED)  # waiting for the business
STATUS_LABELS = {
    NEW: lazy_pgettext("service request", "New"),
    ANSWERED: lazy_pgettext("service request", "Answered"),
    SCHEDULED: lazy_pgettext("service request", "Scheduled"),
    QUOTED: lazy_pgettext("service request", "Quoted"),
    DECLINED: lazy_pgettext("service request", "Declined"),
    CANCELLED: lazy_pgettext("service request", "Cancelled"),
}

# The lists' status filter: "open" (new or answered) or one status.
OPEN_FILTER = "open"
FILTERS = (OPEN_FILTER, *STATUSES)
FILTER_LABELS = {OPEN_FILTER: lazy_gettext("Open (new or answered)"), **STATUS_LABELS}

WHAT_MAX = 200
DETAILS_MAX = 4000
ADDRESS_MAX = 500
PREFERRED_DATES = 3


class ServiceRequest(TenantModel):
    """A request for new work, from a customer account."""

    public_id_prefix = "req"

    account = fields.ForeignKeyField("core.CustomerAccount", related_name=False, on_delete=fields.CASCADE)
    what = fields.CharField(max_length=WHAT_MAX)
    details = fields.TextField(default="")
    address = fields.TextField(default="")
    preferred_1 = fields.DateField(null=True)
    preferred_2 = fields.DateField(null=True)
    preferred_3 = fields.DateField(null=True)
    status = fields.CharField(max_length=20, default=NEW, db_index=True)
    requested_by = fields.CharField(max_length=254)  # the signed-in address
    form_key = fields.CharField(max_length=64)
    job = fields.ForeignKeyField("core.Job", related_name=False, null=True, on_delete=fields.SET_NULL)
    decline_reason = fields.TextField(default="")
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        app = "marketing_requests"
        table = "marketing_request"
        unique_together = (("tenant", "form_key"),)
        ordering = ["-id"]

    @property
    def preferred_dates(self) -> list:
        return [d for d in (self.preferred_1, self.preferred_2, self.preferred_3) if d is not None]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class RequestPhoto(TenantModel):
    """A picture the customer attached to a request (PNG, JPEG or WebP, checked on upload)."""

    public_id_prefix = "rph"

    request = fields.ForeignKeyField("marketing_requests.ServiceRequest", related_name="photos", on_delete=fields.CASCADE)
    filename = fields.CharField(max_length=255)
    content_type = fields.CharField(max_length=100)
    size = fields.BigIntField(default=0)
    storage_key = fields.CharField(max_length=300)

    class Meta:
        app = "marketing_requests"
        table = "marketing_request_photo"
        ordering = ["id"]


class RequestAnswer(TenantModel):
    """What staff wrote to the customer about a request (answers and decline reasons)."""

    public_id_prefix = "rqa"

    request = fields.ForeignKeyField("marketing_requests.ServiceRequest", related_name="answers", on_delete=fields.CASCADE)
    body = fields.TextField()
    author_name = fields.CharField(max_length=200, default="")
    staff = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True, on_delete=fields.SET_NULL)

    class Meta:
        app = "marketing_requests"
        table = "marketing_request_answer"
        ordering = ["created_at", "id"]
