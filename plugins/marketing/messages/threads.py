"""Threads and messages: finding a thread, posting to it, read state, safe text.

Everything here runs inside a tenant's scope; views check who may see a
thread before calling in. Posting is idempotent per form: each form carries
a one-time ``client_key``, and a message with the same key in the same
thread is the one already posted (a double click, a retried request, a
replayed POST), so it is returned instead of adding another.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

from markupsafe import Markup, escape
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q
from tortoise.functions import Sum
from tortoise.transactions import in_transaction

from core.console.uploads import MB, PICTURE_TYPES, UploadError, display_name, picture_format
from core.i18n import gettext as _
from core.models.jobs import Job
from core.models.staff import StaffUser
from core.services import Services
from plugins.marketing.messages.models import CUSTOMER, STAFF, Message, MessageFile, Thread

log = logging.getLogger("porchside.plugins.marketing")

BODY_MAX = 4000
SUBJECT_MAX = 200
MAX_PICTURES = 4
MAX_PICTURE_BYTES = 8 * MB
KEY_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# Only web addresses become links; the text around them is escaped first.
URL_RE = re.compile(r"\bhttps?://[^\s<>\"']+", re.IGNORECASE)
TRAILING = ".,!?:)]}"


def new_form_key() -> str:
    """A one-time key for a message form (see module doc)."""
    return secrets.token_urlsafe(24)


def clean_key(raw: object) -> str | None:
    value = str(raw or "").strip()
    return value if KEY_RE.match(value) else None


def linkify(text: str) -> Markup:
    """Escape ``text``, then make its http(s) addresses links that open safely.

    Nothing else becomes markup: ``javascript:`` and other schemes stay text,
    and the escaped address can close neither the attribute nor the tag.
    Line breaks are kept by the stylesheet (``white-space: pre-line``).
    """
    escaped = str(escape(text or ""))
    out: list[str] = []
    last = 0
    for match in URL_RE.finditer(escaped):
        url = match.group(0)
        tail = ""
        while url and url[-1] in TRAILING:
            tail = url[-1] + tail
            url = url[:-1]
        if url.lower() in ("http://", "https://"):
            continue
        out.append(escaped[last : match.start()])
        out.append(f'<a href="{url}" rel="noopener nofollow" target="_blank">{url}</a>{tail}')
        last = match.end()
    out.append(escaped[last:])
    return Markup("".join(out))


def clean_body(raw: object) -> str:
    return str(raw or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def check_body(body: str, has_files: bool) -> str | None:
    """What is wrong with a message's text, or None."""
    if len(body) > BODY_MAX:
        return _("Keep your message under %(max)d characters (it has %(length)d).", max=BODY_MAX, length=len(body))
    if not body and not has_files:
        return _("Write a message, or add a picture.")
    return None


@dataclass(frozen=True)
class Picture:
    filename: str
    content_type: str
    data: bytes


async def read_pictures(files, field: str = "pictures") -> list[Picture]:
    """Pictures attached to a message form (PNG, JPEG, WebP or GIF), or :class:`UploadError`.

    The type comes from the bytes, never from the browser's name or type.
    """
    chosen = [f for f in files.getlist(field) if f.filename]
    if len(chosen) > MAX_PICTURES:
        raise UploadError(_("Add at most %(max)d pictures to one message.", max=MAX_PICTURES))
    pictures = []
    for file in chosen:
        name = display_name(file.filename)
        data = file.stream.read(MAX_PICTURE_BYTES + 1)
        if len(data) > MAX_PICTURE_BYTES:
            raise UploadError(_("“%(name)s” is larger than %(size)d MB.", name=name, size=MAX_PICTURE_BYTES // MB))
        if not data:
            raise UploadError(_("“%(name)s” is empty.", name=name))
        kind = picture_format(data)
        if kind not in PICTURE_TYPES:
            raise UploadError(_("“%(name)s” is not a PNG, JPEG, WebP or GIF picture.", name=name))
        pictures.append(Picture(name, PICTURE_TYPES[kind], data))
    return pictures


@dataclass
class MessageForm:
    """A posted message form, read and checked: ``errors`` empty means it can be posted."""

    body: str
    key: str | None
    pictures: list[Picture]
    errors: dict[str, str]

    @property
    def values(self) -> dict[str, str]:
        return {"body": self.body, "key": self.key or ""}


async def read_message_form(form, files) -> MessageForm:
    """The text, one-time key and pictures of a message form, with what is wrong."""
    body = clean_body(form.get("body"))
    key = clean_key(form.get("key"))
    errors: dict[str, str] = {}
    try:
        pictures = await read_pictures(files)
    except UploadError as exc:
        pictures = []
        errors["pictures"] = str(exc)
    problem = check_body(body, bool(pictures))
    if problem:
        errors["body"] = problem
    if key is None:
        errors.setdefault("body", _("This form is out of date. Copy your message, reload the page and send it again."))
    return MessageForm(body, key, pictures, errors)


async def picture_response(services: Services, row: MessageFile | None):
    """The stored picture as core serves files (:func:`core.portal.documents.file_response`); 404 if missing."""
    from quart import abort

    from core.portal.documents import file_response
    from core.storage import StorageError

    if row is None:
        abort(404)
    try:
        data = await services.storage.read(row.storage_key)
    except StorageError:
        abort(404)
    return file_response(data, row.content_type, row.filename)


# -- finding threads ---------------------------------------------------------------


async def thread_for_job(job: Job) -> Thread:
    """The job's thread, made on first use (two at once still make one)."""
    thread = await Thread.get_or_none(job_id=job.id, account_id=job.account_id)
    if thread is not None:
        return thread
    try:
        return await Thread.create(account_id=job.account_id, job_id=job.id)
    except IntegrityError:
        return await Thread.get(job_id=job.id, account_id=job.account_id)


def customer_threads(account_id: int):
    """The threads an account sees: its job threads and the conversations staff started."""
    return Thread.filter(account_id=account_id)


def channel(thread: Thread | int) -> str:
    """The pub/sub channel of a thread (scoped to the tenant by :mod:`core.pubsub`)."""
    return f"marketing:thread:{thread if isinstance(thread, int) else thread.id}"


def customer_path(thread: Thread, job: Job | None = None) -> str:
    """The thread's page in the portal (what emailed links open)."""
    if thread.job_id is not None:
        job_id = job.public_id if job is not None else None
        if job_id is None:
            raise ValueError("customer_path of a job thread needs its job")
        return f"/jobs/{job_id}/messages"
    return f"/messages/{thread.public_id}"


def console_path(thread: Thread) -> str:
    return f"/console/messages/{thread.public_id}"


# -- posting -----------------------------------------------------------------------


async def post_message(
    services: Services,
    thread: Thread,
    *,
    author_kind: str,
    body: str,
    email: str = "",
    name: str = "",
    staff: StaffUser | None = None,
    client_key: str | None = None,
    pictures: list[Picture] | tuple[Picture, ...] = (),
) -> tuple[Message, bool]:
    """Add a message; ``(message, created)``. ``created`` is False for a replayed form."""
    if author_kind not in (CUSTOMER, STAFF):
        raise ValueError(author_kind)
    if client_key:
        existing = await Message.get_or_none(thread_id=thread.id, client_key=client_key)
        if existing is not None:
            return existing, False
    stored = [await services.storage.save(p.data, p.filename) for p in pictures]
    mine, theirs = ("customer_messages", "staff_messages") if author_kind == CUSTOMER else ("staff_messages", "customer_messages")
    # Writing means having read the other side's messages so far.
    read = "customer_read" if author_kind == CUSTOMER else "staff_read"
    now = datetime.now(timezone.utc)
    try:
        async with in_transaction():
            # The UPDATE locks the thread's row until commit: numbers commit in order.
            await Thread.filter(id=thread.id).update(
                last_seq=F("last_seq") + 1, last_message_at=now, **{mine: F(mine) + 1, read: F(theirs)}
            )
            seq = (await Thread.filter(id=thread.id).values_list("last_seq", flat=True))[0]
            message = await Message.create(
                thread_id=thread.id,
                seq=seq,
                author_kind=author_kind,
                author_email=email,
                author_name=name,
                staff_id=staff.id if staff else None,
                body=body,
                client_key=client_key,
            )
            for picture, key in zip(pictures, stored):
                await MessageFile.create(
                    message_id=message.id, filename=picture.filename, content_type=picture.content_type,
                    size=len(picture.data), storage_key=key,
                )
    except IntegrityError:
        for key in stored:
            await services.storage.delete(key)
        if client_key:
            existing = await Message.get_or_none(thread_id=thread.id, client_key=client_key)
            if existing is not None:  # the same form, posted twice at once
                return existing, False
        raise
    await publish(services, thread, seq)
    return message, True


async def publish(services: Services, thread: Thread, seq: int) -> None:
    """Tell live pages of the thread, on every app instance, that message ``seq`` exists."""
    try:
        await services.pubsub.publish(channel(thread), json.dumps({"seq": seq}))
    except Exception:  # the message is saved; open pages catch up on their next check
        log.warning("the live notice of thread %s was not published", thread.public_id, exc_info=True)


async def mark_read(thread: Thread, side: str, *, unless_read: bool = False) -> None:
    """``side`` (customer or staff) has now read every message of the other side.

    ``unless_read``: ``thread`` was just loaded, so nothing is written when it
    says everything is read already (a page view; a live stream's thread is
    older than the message it delivered and always writes).
    """
    unread = thread.customer_unread if side == CUSTOMER else thread.staff_unread
    if unless_read and not unread:
        return
    if side == CUSTOMER:
        await Thread.filter(id=thread.id).update(customer_read=F("staff_messages"))
    else:
        await Thread.filter(id=thread.id).update(staff_read=F("customer_messages"))


async def unread_for_account(account_id: int) -> int:
    """Staff messages the account has not read, over all its threads."""
    behind = Q(staff_messages__gt=F("customer_read"))
    rows = await customer_threads(account_id).annotate(
        unread=Sum(F("staff_messages") - F("customer_read"), _filter=behind)
    ).values_list("unread", flat=True)
    return int(rows[0] or 0) if rows else 0


async def messages_of(thread: Thread) -> list[Message]:
    """The thread's messages in order; each one's pictures also as a plain list, ``pictures``.

    The template loops over ``pictures``: async Jinja would query a Tortoise
    relation again for each message, even after ``prefetch_related``.
    """
    messages = list(await Message.filter(thread_id=thread.id).order_by("seq").prefetch_related("files"))
    for message in messages:
        message.pictures = list(message.files)
    return messages
