"""Import customers and contacts from a CSV file: upload, preview, import (S6).

The uploaded file is kept in the tenant's storage, known to this staff
member's session by a random token (never sent back in a form), so the
preview and the import read exactly the same bytes. The preview lists every
row with what it would do or what is wrong with it; the import runs in one
transaction: all valid rows, or, when staff ask for it, nothing unless
every row is valid. Reading and planning are in
:mod:`core.console.customer_csv`. Values are shown escaped, and the error
report downloads through :func:`core.portal.exports.csv_response` (no
spreadsheet formulas).
"""

from __future__ import annotations

import secrets
import time

from quart import Blueprint, g, redirect, request, url_for
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.audit import record
from core.cache import tenant_key
from core.console.access import staff_sessions, staff_required
from core.console.customer_csv import MAX_BYTES, CsvFileError, ParsedFile, apply_import, plan_import, read_csv
from core.console.shell import render_console
from core.i18n import gettext as _
from core.i18n import ngettext
from core.portal.exports import csv_response
from core.services import current_services
from core.storage import StorageError

blueprint = Blueprint("imports", __name__, url_prefix="/customers/import")

SESSION_KEY = "customer_imports"
# Uploads a session keeps at once; older ones are deleted.
KEEP = 3
MODES = ("valid_only", "all_or_nothing")
# How long an import holds its upload against a second click.
CLAIM_SECONDS = 600


def _uploads() -> dict[str, dict]:
    return g.staff_session.data.setdefault(SESSION_KEY, {})


async def _save_session() -> None:
    await staff_sessions().save(g.staff_session_id, g.staff_session)


async def _remember(key: str, filename: str) -> str:
    """Keep ``key`` under a new token in the staff session; forget (and delete) the oldest."""
    uploads = _uploads()
    token = secrets.token_urlsafe(18)
    uploads[token] = {"key": key, "name": filename[:120], "at": time.time()}
    storage = current_services().storage
    for old in sorted(uploads, key=lambda t: uploads[t]["at"])[:-KEEP]:
        await storage.delete(uploads.pop(old)["key"])
    await _save_session()
    return token


async def _forget(token: str) -> None:
    entry = _uploads().pop(token, None)
    if entry is not None:
        await current_services().storage.delete(entry["key"])
        await _save_session()


async def _load(token: str) -> tuple[dict, ParsedFile] | None:
    """The upload of ``token`` in this session, read and planned; None if unknown or gone."""
    entry = _uploads().get(token)
    if entry is None:
        return None
    try:
        data = await current_services().storage.read(entry["key"])
    except StorageError:
        return None
    try:
        parsed = read_csv(data)  # read again: the database may have changed since the preview
    except CsvFileError:
        return None
    await plan_import(parsed)
    return entry, parsed


async def _upload_page(status: int = 200, error: str | None = None):
    return await render_console("console/customers/import_upload.html", error=error), status


async def _gone():
    page = await render_console(
        "console/customers/import_upload.html",
        error=_("That upload is no longer here: it was imported already, or it expired. Upload the file again."),
    )
    return page, 410


@blueprint.get("/", endpoint="upload")
@staff_required("customers")
async def upload_form():
    return await _upload_page()


@blueprint.post("/")
@staff_required("customers")
async def receive():
    files = await request.files
    file = files.get("file")
    if file is None or not file.filename:
        return await _upload_page(400, _("Choose a CSV file to upload."))
    data = file.stream.read(MAX_BYTES + 1)
    try:
        read_csv(data)
    except CsvFileError as exc:
        return await _upload_page(400, str(exc))
    key = await current_services().storage.save(data, "customers.csv")
    token = await _remember(key, file.filename)
    return redirect(url_for("console.imports.preview", token=token))


async def _preview(token: str, status: int, problem: str | None = None):
    loaded = await _load(token)
    if loaded is None:
        return await _gone()
    entry, parsed = loaded
    page = await render_console(
        "console/customers/import_preview.html",
        token=token,
        filename=entry["name"],
        parsed=parsed,
        new_accounts=len({id(r.account) for r in parsed.valid_rows if r.account and r.account.is_new}),
        new_contacts=len({id(r.contact) for r in parsed.valid_rows if r.contact and r.contact.is_new}),
        new_emails=sum(len(r.new_emails) for r in parsed.valid_rows),
        problem=problem,
    )
    return page, status


@blueprint.get("/<token>")
@staff_required("customers")
async def preview(token: str):
    return await _preview(token, 200)


@blueprint.post("/<token>")
@staff_required("customers")
async def run(token: str):
    mode = (await request.form).get("mode", "valid_only")
    if mode not in MODES:
        mode = "valid_only"
    loaded = await _load(token)
    if loaded is None:
        return await _gone()
    entry, parsed = loaded
    if mode == "all_or_nothing" and parsed.invalid:
        count = len(parsed.invalid)
        return await _preview(token, 409, ngettext(
            "Nothing was imported: %(num)d row has a problem. Fix the file and upload it again, or import only the valid rows.",
            "Nothing was imported: %(num)d rows have a problem. Fix the file and upload it again, or import only the valid rows.",
            count,
        ))
    if not parsed.valid_rows:
        return await _preview(token, 400, _("Nothing was imported: no row is valid."))
    # One import per upload, even from two clicks at once (an atomic counter in the shared cache).
    cache = current_services().cache
    claim = tenant_key("customer-import", token)
    if await cache.incr(claim, ttl=CLAIM_SECONDS) > 1:
        return await _gone()
    try:
        async with in_transaction():
            result = await apply_import(parsed)
    except IntegrityError:
        # Someone created the same account number meanwhile: nothing was kept.
        await cache.delete(claim)
        return await _preview(token, 409, _("Nothing was imported: an account number was taken while importing. Try again."))
    except BaseException:
        await cache.delete(claim)
        raise
    await _forget(token)
    await record(
        "customers.imported", actor_type="staff", actor=g.staff.email, file=entry["name"],
        accounts=result.accounts, contacts=result.contacts, emails=result.emails,
        rows=result.rows, rows_skipped=len(parsed.invalid),
    )
    return await render_console(
        "console/customers/import_done.html", result=result, skipped=parsed.invalid, filename=entry["name"]
    )


@blueprint.get("/<token>/problems.csv")
@staff_required("customers")
async def problems(token: str):
    """The rows with problems, each with its line number and what is wrong."""
    loaded = await _load(token)
    if loaded is None:
        return await _gone()
    entry, parsed = loaded
    rows = [
        (r.line, r.account_name, r.account_number, r.contact_name, "; ".join(r.emails), " ".join(r.errors))
        for r in parsed.invalid
    ]
    return csv_response(("Line", "Account name", "Account number", "Contact", "Emails", "Problem"), rows, f"problems-{entry['name']}")
