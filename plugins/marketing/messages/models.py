"""Message threads between a customer account and the business (M1).

A :class:`Thread` belongs to one account; it is about one of the account's
jobs (one thread per job), or, when staff start a conversation from the
console, about nothing in particular (``job`` is None, with a subject).
Each :class:`Message` has a per-thread sequence number ``seq`` (1, 2, 3 ...)
given under the thread's row lock, so numbers are committed in order: the
live stream uses it as the event id, and a reconnecting browser asks for
what came after the last one it saw.

Read state is kept as counters on the thread: how many messages each side
wrote, and how many of the other side's each side has read. Unread counts
are then a subtraction, for a whole list in one query.
"""

from __future__ import annotations

from tortoise import fields

from core.models.base import TenantModel

CUSTOMER = "customer"
STAFF = "staff"
AUTHOR_KINDS = (CUSTOMER, STAFF)


class Thread(TenantModel):
    public_id_prefix = "thr"

    account = fields.ForeignKeyField("core.CustomerAccount", related_name=False, on_delete=fields.CASCADE)
    job = fields.ForeignKeyField("core.Job", related_name=False, null=True, on_delete=fields.CASCADE)
    subject = fields.CharField(max_length=200, default="")
    # The "New message" form that started a job-less thread (a replayed form starts nothing).
    origin_key = fields.CharField(max_length=64, null=True)
    last_seq = fields.IntField(default=0)
    last_message_at = fields.DatetimeField(null=True, db_index=True)
    customer_messages = fields.IntField(default=0)
    staff_messages = fields.IntField(default=0)
    # Of the other side's messages, how many each side has read.
    staff_read = fields.IntField(default=0)
    customer_read = fields.IntField(default=0)

    class Meta:
        app = "marketing_messages"
        table = "marketing_thread"
        unique_together = (("tenant", "account", "job"), ("tenant", "account", "origin_key"))
        ordering = ["-last_message_at", "-id"]

    @property
    def staff_unread(self) -> int:
        return max(0, self.customer_messages - self.staff_read)

    @property
    def customer_unread(self) -> int:
        return max(0, self.staff_messages - self.customer_read)


class Message(TenantModel):
    public_id_prefix = "msg"

    thread = fields.ForeignKeyField("marketing_messages.Thread", related_name="messages", on_delete=fields.CASCADE)
    seq = fields.IntField()
    author_kind = fields.CharField(max_length=10)
    author_email = fields.CharField(max_length=254, default="")
    author_name = fields.CharField(max_length=200, default="")
    staff = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True, on_delete=fields.SET_NULL)
    body = fields.TextField()
    # The form's one-time key: a replayed or double-clicked post adds nothing.
    client_key = fields.CharField(max_length=64, null=True)

    files: fields.ReverseRelation["MessageFile"]

    class Meta:
        app = "marketing_messages"
        table = "marketing_message"
        unique_together = (("thread", "seq"), ("thread", "client_key"))
        ordering = ["seq"]


class MessageFile(TenantModel):
    """A picture sent with a message, kept in the tenant storage and served only to whoever may read the thread."""

    public_id_prefix = "mfile"

    message = fields.ForeignKeyField("marketing_messages.Message", related_name="files", on_delete=fields.CASCADE)
    filename = fields.CharField(max_length=255)
    content_type = fields.CharField(max_length=100)
    size = fields.BigIntField(default=0)
    storage_key = fields.CharField(max_length=300)

    class Meta:
        app = "marketing_messages"
        table = "marketing_message_file"
        ordering = ["id"]
