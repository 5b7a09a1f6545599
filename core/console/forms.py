"""Console form pages declared once: fields, validation messages, CSRF, audit.

A :class:`FormPage` names its fields; the engine reads them with
:class:`core.console.form_fields.FormReader` (every problem at once, each a
sentence under its field), renders the form again with what was typed and
status 400 when something is wrong, and otherwise lets the view save, then
writes the audit entry and redirects with a confirmation (``?done=``)::

    READING = FormPage(
        template="console/_form_page.html", title="New reading", submit="Save reading",
        fields=(
            Field("measure", "Measure", kind="choice", choices=MEASURES),
            Field("value", "Value", kind="number", low=0, high=100_000, required=True),
            Field("note", "Note", kind="textarea", max_length=500),
        ),
        audit="reading.created",
    )

    @blueprint.route("/visits/<visit_id>/readings/new", methods=["GET", "POST"])
    @staff_required("back_office")
    async def new_reading(visit_id):
        visit = await object_or_404(Visit, visit_id)
        if request.method == "GET":
            return await READING.show()
        return await READING.submit(lambda data: Reading.create(visit=visit, **data),
                                    done_url=lambda row: url_for("console_readings.index", done="saved"))

CSRF: every console POST is checked by :mod:`core.web.security`; the form
templates carry the token (``f.csrf()``, included by ``_form_page.html``).
Audit: :func:`core.audit.record` with the signed-in staff member as actor and
the saved record's ``public_id`` as target.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Literal, Sequence

from quart import Response, abort, g, redirect, request
from tortoise.models import Model

from core.audit import record
from core.console.form_fields import FormReader, Text
from core.console.shell import render_console
from core.i18n import lazy_gettext

FORM_TEMPLATE = "console/_form_page.html"
FieldKind = Literal["text", "textarea", "email", "tel", "choice", "checkbox", "number", "amount", "date"]


def actor() -> str:
    """The signed-in staff member as the audit log names them."""
    return g.staff.email


async def object_or_404(model: type[Model], public_id: str, *related: str, **scope: Any) -> Any:
    """The tenant's ``model`` row with this public id (and ``scope``), or a 404."""
    query = model.get_or_none(public_id=public_id, **scope)
    found = await (query.select_related(*related) if related else query)
    if found is None:
        abort(404)
    return found


def with_done(url: str, done: str, anchor: str = "") -> Response:
    """A redirect to ``url`` with a confirmation key (``?done=``) and an optional ``#anchor``."""
    joiner = "&" if "?" in url else "?"
    return redirect(f"{url}{joiner}done={done}" + (f"#{anchor}" if anchor else ""))


@dataclass(frozen=True)
class Field:
    """One field of a form page.

    :param kind: ``text``, ``textarea``, ``email``, ``tel``, ``choice``,
        ``checkbox``, ``number`` (a whole number in ``[low, high]``),
        ``amount`` (money in minor units) or ``date``.
    :param choices: ``(value, label)`` pairs of a ``choice`` field.
    :param max_length: for text kinds.
    :param hint: a sentence under the field.

    ``label``, ``hint`` and the choices' labels may be lazy texts
    (:func:`core.i18n.lazy_gettext`), translated when the form is drawn or
    its problems are written.
    """

    name: str
    label: Text
    kind: FieldKind = "text"
    required: bool = False
    max_length: int = 200
    choices: Sequence[tuple[str, Text]] = ()
    low: int = 0
    high: int = 10**9
    hint: Text = ""

    def read(self, reader: FormReader) -> Any:
        """The clean value (its problem, if any, recorded in ``reader.errors``)."""
        if self.kind in ("text", "textarea", "tel"):
            return reader.text(self.name, self.label, max_length=self.max_length, required=self.required, multiline=self.kind == "textarea")
        if self.kind == "email":
            return reader.email(self.name, self.label, required=self.required)
        if self.kind == "choice":
            return reader.choice(self.name, self.label, [value for value, _ in self.choices])
        if self.kind == "checkbox":
            return reader.checkbox(self.name)
        if self.kind == "date":
            return reader.local_date(self.name, self.label, required=self.required)
        if not reader.raw(self.name).strip() and not self.required:
            return None
        if self.kind == "number":
            return reader.whole_number(self.name, self.label, self.low, self.high)
        if self.kind == "amount":
            return reader.amount(self.name)
        raise ValueError(f"unknown field kind {self.kind!r}")


Save = Callable[[dict[str, Any]], "Any | Awaitable[Any]"]
# check(data, reader): problems across fields, recorded with reader.fail(...).
Check = Callable[[dict[str, Any], FormReader], "None | Awaitable[None]"]


@dataclass
class FormPage:
    """A console form: see the module's documentation.

    :param template: ``console/_form_page.html`` or a template extending it
        (or any template rendering ``fields``, ``values`` and ``errors``);
        None for a form inside another page (give ``submit`` an ``invalid``).
    :param audit: the audit action written after a successful save, e.g.
        ``"contact.updated"``; None writes none (the view audits itself).
    :param check: problems across fields, after each field was read.

    ``title`` and ``submit_label`` may be lazy texts, like the fields' labels.
    """

    fields: Sequence[Field]
    template: str | None = None
    title: Text = ""
    audit: str | None = None
    submit_label: Text = field(default_factory=lambda: lazy_gettext("Save"))
    check: Check | None = None

    async def show(self, values: dict[str, Any] | None = None, errors: dict[str, str] | None = None, status: int = 200, **context: Any):
        """The form with ``values`` (what was typed or stored) and ``errors``."""
        if self.template is None:
            raise ValueError("this FormPage has no template of its own; render the page holding it")
        body = await render_console(
            self.template, form_page=self, fields=self.fields, values=values or {}, errors=errors or {}, **context
        )
        return body, status

    async def read(self) -> tuple[dict[str, Any], FormReader]:
        """The posted fields, clean, and the reader holding their problems."""
        reader = FormReader(await request.form, g.tenant)
        data = {f.name: f.read(reader) for f in self.fields}
        if self.check is not None and not reader.errors:
            checked = self.check(data, reader)
            if inspect.iscoroutine(checked):
                await checked
        return data, reader

    async def submit(
        self,
        save: Save,
        done_url: Callable[[Any], str],
        done: str = "saved",
        *,
        invalid: Callable[[dict[str, str], dict[str, str]], Awaitable[Any]] | None = None,
        audit_detail: Callable[[Any], dict] | None = None,
        **context: Any,
    ):
        """Read the posted form; on problems show it again (400), else save, audit and redirect.

        :param save: ``save(data)`` -> the saved record (may be async); it may
            raise :class:`FormRefused` to show a problem found while saving.
        :param done_url: ``done_url(saved)`` -> where to go next.
        :param done: the confirmation key added as ``?done=``.
        :param invalid: ``invalid(values, errors)`` -> the response showing the
            problems, for a form inside another page (that page's view with
            status 400); by default :meth:`show` with status 400.
        :param audit_detail: ``audit_detail(saved)`` -> extra audit fields; a
            ``target`` among them replaces the saved record's public id.
        """
        data, reader = await self.read()
        saved = None
        if not reader.errors:
            try:
                saved = save(data)
                if inspect.iscoroutine(saved):
                    saved = await saved
            except FormRefused as refused:
                reader.fail(refused.field, refused.message)
        if reader.errors:
            if invalid is not None:
                return await invalid(reader.values, reader.errors)
            return await self.show(reader.values, reader.errors, 400, **context)
        if self.audit:
            detail = dict(audit_detail(saved)) if audit_detail else {}
            target = detail.pop("target", getattr(saved, "public_id", ""))
            await record(self.audit, actor_type="staff", actor=actor(), target=target, **detail)
        return with_done(done_url(saved), done)


class FormRefused(Exception):
    """A problem found while saving, shown under ``field`` like a validation message."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
