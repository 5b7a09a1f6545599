"""Documents (D1, D2): the files staff shared with the account, and their downloads.

A file is the account's when it hangs on one of its jobs, or on a visit of
one of its jobs, and staff ticked "share with the customer". Every download
and thumbnail checks that again (tenant, account, share flag): the URL holds
only the file's unguessable public id and works only inside a session that
may see it; there is no public or permanent link.

The blueprint's ``portal_section`` is None: the job page and service history
link here too, so only the Documents list follows the "documents" switch.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from quart import Blueprint, Response, abort, g, request
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from core.auth.current import login_required
from core.models.jobs import Attachment
from core.portal.pagination import Sorter, choice_arg, paginate
from core.i18n import lazy_gettext, lazy_pgettext
from core.portal.views import render_portal
from core.services import current_services
from core.storage import StorageError, safe_filename
from core.thumbnails import THUMBNAIL_TYPE, has_thumbnail, thumbnail_of

blueprint = Blueprint("documents", __name__)
# Downloads serve every section; the Documents list checks its own switch.
blueprint.portal_section = None  # type: ignore[attr-defined]

KINDS = {"all": ("attachment", "photo"), "photos": ("photo",), "files": ("attachment",)}
KIND_LABELS = {"all": lazy_pgettext("documents", "All"), "photos": lazy_gettext("Photos"), "files": lazy_gettext("Files")}
SORTS = Sorter({"date": ("created_at",), "name": ("filename",), "size": ("size",)}, default="-date")
# Shown in the browser when opened; everything else downloads.
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"})
CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")
# A file answers on its own, never as part of a page: no scripts, no plugins.
FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
# Chrome's PDF viewer does not open in a sandboxed document.
PDF_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; object-src 'self'"
THUMBNAIL_MAX_AGE = 86400


def account_files(account_id: int) -> QuerySet[Attachment]:
    """Shared files on the account's jobs and on visits of its jobs."""
    return Attachment.filter(Q(job__account_id=account_id) | Q(visit__job__account_id=account_id), shared=True)


async def _account_file_or_404(file_id: str) -> Attachment:
    attachment = await account_files(g.portal.account.id).filter(public_id=file_id).first()
    if attachment is None:
        abort(404)
    return attachment


@blueprint.get("/documents", endpoint="list")
@login_required
async def documents():
    if not g.portal.tenant.section_enabled("documents"):
        abort(404)
    kind = choice_arg("kind", tuple(KINDS), "all")
    sort = SORTS.parse()
    query = account_files(g.portal.account.id).filter(kind__in=KINDS[kind])
    page = await paginate(query.select_related("job", "visit__job").order_by(*sort.order_by))
    return await render_portal(
        "portal/documents.html",
        page=page,
        sort=sort,
        kind=kind,
        kinds=KIND_LABELS,
        has_thumbnail=has_thumbnail,
    )


def content_disposition(filename: str, inline: bool) -> str:
    """``inline`` or ``attachment`` with an ASCII name and the exact UTF-8 one (RFC 6266)."""
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{safe_filename(filename)}\"; filename*=UTF-8''{quote(filename or 'file', safe='')}"


def file_response(data: bytes, content_type: str, filename: str, *, download: bool = False) -> Response:
    """A stored file as a response that cannot run as a page of the portal.

    The stored type is used when it is well formed (else
    ``application/octet-stream``); only the :data:`INLINE_TYPES` open in the
    browser, and not when ``download`` is asked.
    """
    kind = (content_type or "").strip().lower()
    if not CONTENT_TYPE.match(kind):
        kind = "application/octet-stream"
    inline = kind in INLINE_TYPES and not download
    response = Response(data, content_type=kind)
    response.headers["Content-Disposition"] = content_disposition(filename, inline)
    response.headers["Content-Security-Policy"] = PDF_CSP if kind == "application/pdf" and inline else FILE_CSP
    response.headers["Cache-Control"] = "private, no-store"
    return response


async def attachment_response(attachment: Attachment, download: bool = False) -> Response:
    """The stored bytes of ``attachment`` as a :func:`file_response`; 404 if they are gone.

    The caller has checked that the viewer may have the file (the console's
    staff downloads use it too).
    """
    try:
        data = await current_services().storage.read(attachment.storage_key)
    except StorageError:
        abort(404)
    return file_response(data, attachment.content_type, attachment.filename, download=download)


async def thumbnail_response(attachment: Attachment) -> Response:
    """The thumbnail of ``attachment`` (made on first use); 404 if it can have none."""
    data = await thumbnail_of(attachment, current_services().storage)
    if data is None:
        abort(404)
    response = Response(data, content_type=THUMBNAIL_TYPE)
    response.headers["Content-Disposition"] = "inline"
    response.headers["Content-Security-Policy"] = FILE_CSP
    # The browser may keep it for this person; shared caches may not.
    response.headers["Cache-Control"] = f"private, max-age={THUMBNAIL_MAX_AGE}"
    return response


@blueprint.get("/files/<file_id>", endpoint="download")
@login_required
async def download(file_id: str):
    return await attachment_response(await _account_file_or_404(file_id), download=request.args.get("download") == "1")


@blueprint.get("/files/<file_id>/thumb", endpoint="thumbnail")
@login_required
async def thumbnail(file_id: str):
    return await thumbnail_response(await _account_file_or_404(file_id))
