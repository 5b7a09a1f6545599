"""Priced lines in the console: added, edited and removed the same way wherever they hang.

A job's charges, a draft invoice's lines and a draft quote revision's lines
(the quotes plugin) are all a description, a quantity and a unit price, the
amount computed from them (:meth:`core.console.form_fields.FormReader.line`,
never typed). :class:`PricedLines` declares where the lines hang and how they
are audited; its three operations read and validate the form, write the
row, recompute the owner's totals, write the audit entry and go back to the
owner's page with a confirmation (``?done=<done>_added``, ``_saved``,
``_deleted``) and an anchor::

    LINES = PricedLines(InvoiceLine, parent="invoice", audit="invoice.line", totals=recompute_totals)

    @blueprint.post("/<invoice_id>/lines")
    @staff_required("back_office")
    async def add_line(invoice_id):
        invoice = await invoice_or_404(invoice_id)
        return await LINES.add(
            invoice, back=detail_url(invoice), audit={"invoice": invoice.public_id},
            invalid=lambda values, errors: detail_page(invoice, values, errors, 400),
        )

The views keep their routes, permissions and guards (a sent quote or an
issued invoice refuses before calling these).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from quart import g, request, url_for
from tortoise.models import Model

from core.audit import record
from core.console.form_fields import FormReader, line_values
from core.console.forms import actor, object_or_404, with_done
from core.console.shell import render_console

LINE_FORM = "console/jobs/line_form.html"


@dataclass(frozen=True)
class PricedLines:
    """Where priced lines hang and how their changes are audited.

    :param model: the line model (``description``, ``quantity_milli``,
        ``unit_price_minor``, ``amount_minor``, ``position`` and a foreign
        key to the owner).
    :param parent: that foreign key's name (``"job"``, ``"invoice"``, ``"revision"``).
    :param audit: the audit action's stem: ``"invoice.line"`` writes
        ``invoice.line_added``, ``invoice.line_updated`` and ``invoice.line_deleted``.
    :param done: the confirmation keys' stem (``line`` -> ``line_added``, ``line_saved``, ``line_deleted``).
    :param anchor: the owner page's section the lines are in.
    :param totals: ``totals(owner)`` recomputes the owner's totals after each change.
    :param removed: fields of a removed line written into its audit entry.
    """

    model: type[Model]
    parent: str
    audit: str
    done: str = "line"
    anchor: str = "lines"
    totals: Callable[[Any], Awaitable[None]] | None = None
    removed: tuple[str, ...] = ()

    async def line_or_404(self, owner: Any, line_id: str) -> Any:
        """The owner's line with this public id, or a 404."""
        return await object_or_404(self.model, line_id, **{f"{self.parent}_id": owner.id})

    async def _changed(self, owner: Any, line: Any, action: str, audit: dict[str, Any], **detail: Any) -> None:
        if self.totals is not None:
            await self.totals(owner)
        detail = {**audit, **detail}
        target = detail.pop("target", line.public_id)
        await record(f"{self.audit}_{action}", actor_type="staff", actor=actor(), target=target, **detail)

    async def add(self, owner: Any, *, back: str, audit: dict[str, Any], invalid: Callable[[dict, dict], Awaitable[Any]], **create: Any):
        """Add the posted line at the end of the owner's.

        :param back: the owner's page (the confirmation and anchor are added).
        :param audit: fields of the audit entry (a ``target`` replaces the line's public id).
        :param invalid: ``invalid(values, errors)`` -> the owner's page showing the problems (status 400).
        :param create: more columns of the new row (``currency=...``).
        """
        reader = FormReader(await request.form, g.tenant)
        fields = reader.line()
        if reader.errors:
            return await invalid(reader.values, reader.errors)
        position = await self.model.filter(**{f"{self.parent}_id": owner.id}).count()
        line = await self.model.create(**{self.parent: owner}, position=position, **create, **fields)
        await self._changed(owner, line, "added", audit, amount_minor=line.amount_minor)
        return with_done(back, f"{self.done}_added", self.anchor)

    async def edit(self, owner: Any, line: Any, *, currency: str, title: str, back: str, back_label: str, audit: dict[str, Any]):
        """GET: the line's own form page; POST: save it (400 with the problems)."""
        page = {
            "title": title,
            "action": url_for(request.endpoint, **(request.view_args or {})),
            "back": f"{back}#{self.anchor}",
            "back_label": back_label,
        }
        if request.method == "GET":
            return await render_console(LINE_FORM, page=page, values=line_values(line, currency), errors={})
        reader = FormReader(await request.form, g.tenant)
        fields = reader.line()
        if reader.errors:
            return await render_console(LINE_FORM, page=page, values=reader.values, errors=reader.errors), 400
        for name, value in fields.items():
            setattr(line, name, value)
        await line.save(update_fields=list(fields))
        await self._changed(owner, line, "updated", audit, amount_minor=line.amount_minor)
        return with_done(back, f"{self.done}_saved", self.anchor)

    async def remove(self, owner: Any, line: Any, *, back: str, audit: dict[str, Any]):
        """Delete the line (a POST)."""
        await line.delete()
        await self._changed(owner, line, "deleted", audit, **{name: getattr(line, name) for name in self.removed})
        return with_done(back, f"{self.done}_deleted", self.anchor)
