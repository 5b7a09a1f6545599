"""A quote as pages and PDFs show it, and what changed since the revision before (Q2, Q5).

One :class:`QuoteDocument` feeds the portal page, its print view, the PDF
and the console's preview, through one template partial
(``quotes/document.html``), so they never disagree. The comparison matches
lines of two revisions by description and says, line by line, what was
added, removed or changed, and how the total moved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from tortoise.expressions import F, Q, Subquery
from tortoise.queryset import QuerySet

from core.i18n import gettext as _, lazy_pgettext
from core.models.customers import CustomerAccount
from core.models.jobs import Job
from core.portal.formats import format_quantity
from core.web.rendering import format_local_date
from plugins.quotes.models import DRAFT, STATUS_LABELS, Quote, QuoteLine, QuoteRevision
from tenants.models import Tenant

ADDED, REMOVED, CHANGED, SAME = "added", "removed", "changed", "same"
CHANGE_LABELS = {
    ADDED: lazy_pgettext("quote line", "Added"),
    REMOVED: lazy_pgettext("quote line", "Removed"),
    CHANGED: lazy_pgettext("quote line", "Changed"),
    SAME: lazy_pgettext("quote line", "Unchanged"),
}


@dataclass(frozen=True)
class LineChange:
    """One line of the comparison: ``before`` and/or ``after`` (QuoteLine rows)."""

    kind: str
    before: QuoteLine | None
    after: QuoteLine | None

    @property
    def label(self) -> str:
        return CHANGE_LABELS[self.kind]

    @property
    def description(self) -> str:
        return (self.after or self.before).description  # type: ignore[union-attr]


@dataclass(frozen=True)
class Comparison:
    """What changed from revision ``before`` to revision ``after``."""

    before: QuoteRevision
    after: QuoteRevision
    lines: list[LineChange]
    notes: list[str] = field(default_factory=list)  # other changes, in words

    @property
    def total_change_minor(self) -> int:
        return self.after.total_minor - self.before.total_minor

    @property
    def changed(self) -> list[LineChange]:
        return [line for line in self.lines if line.kind != SAME]


def _key(line: QuoteLine) -> str:
    return " ".join(line.description.split()).casefold()


def compare(before: QuoteRevision, before_lines: list[QuoteLine], after: QuoteRevision, after_lines: list[QuoteLine], tenant: Tenant) -> Comparison:
    """Line-by-line differences, in the order of the newer revision, removed lines last."""
    unmatched: dict[str, list[QuoteLine]] = {}
    for line in before_lines:
        unmatched.setdefault(_key(line), []).append(line)
    rows: list[LineChange] = []
    for line in after_lines:
        candidates = unmatched.get(_key(line))
        if not candidates:
            rows.append(LineChange(ADDED, None, line))
            continue
        old = candidates.pop(0)
        same = (old.quantity_milli, old.unit_price_minor, old.amount_minor) == (line.quantity_milli, line.unit_price_minor, line.amount_minor)
        rows.append(LineChange(SAME if same else CHANGED, old, line))
    for leftovers in unmatched.values():
        rows.extend(LineChange(REMOVED, old, None) for old in leftovers)
    notes = []
    if before.title != after.title:
        notes.append(_("Title changed from “%(before)s” to “%(after)s”.", before=before.title, after=after.title))
    if before.valid_until != after.valid_until:
        notes.append(
            _(
                "Valid until changed from %(before)s to %(after)s.",
                before=format_local_date(before.valid_until, tenant) or _("no date"),
                after=format_local_date(after.valid_until, tenant) or _("no date"),
            )
        )
    if before.tax_minor != after.tax_minor:
        notes.append(_("The tax changed."))
    if before.notes.strip() != after.notes.strip():
        notes.append(_("The notes changed."))
    return Comparison(before, after, rows, notes)


@dataclass
class QuoteDocument:
    """Everything a quote page or PDF shows about one revision."""

    quote: Quote
    revision: QuoteRevision
    lines: list[QuoteLine]
    account: CustomerAccount
    job: Job | None
    status: str
    tenant: Tenant
    comparison: Comparison | None = None

    def quantity(self, quantity_milli: int) -> str:
        """A quantity as the tenant's locale writes it (PDFs have no ``|quantity`` filter)."""
        return format_quantity(quantity_milli, self.tenant)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status.title()))

    @property
    def is_current(self) -> bool:
        return self.revision.number == self.quote.revision


_LOOK_UP = object()


async def revision_and_before(quote: Quote, number: int) -> tuple[QuoteRevision | None, QuoteRevision | None]:
    """Revision ``number`` of ``quote`` and the sent revision before it (None when there is none), in one query."""
    rows = list(
        await QuoteRevision.filter(quote_id=quote.id, number__lte=number)
        .filter(Q(number=number) | ~Q(status=DRAFT))
        .order_by("-number")
        .limit(2)
    )
    if not rows or rows[0].number != number:
        return None, None
    return rows[0], (rows[1] if len(rows) > 1 else None)


async def quote_with_revisions(quotes: QuerySet[Quote]) -> tuple[Quote, QuoteRevision, QuoteRevision | None] | None:
    """The quote ``quotes`` selects (one: filter it by public id), with its account and
    job, its current revision and the sent revision before it (None when there is
    none), in one query; None when there is no such quote or it has no current revision."""
    rows = list(
        await QuoteRevision.filter(quote_id__in=Subquery(quotes.values("id")), number__lte=F("quote__revision"))
        .filter(Q(number=F("quote__revision")) | ~Q(status=DRAFT))
        .select_related("quote__account", "quote__job")
        .order_by("-number")
        .limit(2)
    )
    if not rows or rows[0].number != rows[0].quote.revision:
        return None
    return rows[0].quote, rows[0], (rows[1] if len(rows) > 1 else None)


async def load_document(
    quote: Quote, revision: QuoteRevision, today: date, tenant: Tenant, with_comparison: bool = True, *, before=_LOOK_UP
) -> QuoteDocument:
    """The document of ``revision`` of ``quote``, compared with the sent revision before it.

    ``quote`` must come with its ``account`` and ``job`` loaded
    (``select_related("account", "job")``). ``before``: the sent revision
    before ``revision`` when the caller already has it (or None when there is
    none, see :func:`revision_and_before`); looked up otherwise. The lines of
    both revisions come in one query.
    """
    if with_comparison and before is _LOOK_UP:
        before = (
            await QuoteRevision.filter(quote_id=quote.id, number__lt=revision.number)
            .exclude(status=DRAFT)
            .order_by("-number")
            .first()
        )
    if not with_comparison or before is _LOOK_UP:
        before = None
    ids = [revision.id] + ([before.id] if before is not None else [])
    lines: list[QuoteLine] = []
    before_lines: list[QuoteLine] = []
    for line in await QuoteLine.filter(revision_id__in=ids):
        (lines if line.revision_id == revision.id else before_lines).append(line)
    comparison = compare(before, before_lines, revision, lines, tenant) if before is not None else None
    status = quote.display_status(today) if revision.number == quote.revision else revision.display_status(today)
    return QuoteDocument(quote, revision, lines, quote.account, quote.job, status, tenant, comparison)


def pdf_name(quote: Quote, revision: QuoteRevision) -> str:
    suffix = f"-rev{revision.number}" if revision.number > 1 else ""
    return f"quote-{quote.number}{suffix}.pdf"
