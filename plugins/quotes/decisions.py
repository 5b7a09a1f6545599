"""The customer's decisions on a quote (Q3, Q5): approve, reject, request changes.

A decision is one conditional UPDATE of the quote row::

    UPDATE quotes_quote SET status = <decision>
    WHERE id = ? AND revision = ? AND status IN ('sent', 'viewed')
      AND (valid_until IS NULL OR valid_until >= <today>)

so of two simultaneous clicks (a double click, two tabs, two people) exactly
one changes a row and wins; the other finds nothing to change and is told
why (:func:`refusal`). The winner then writes the decision onto the
revision (who, the typed name, when, the client address and browser) in the
same transaction; nothing writes to a decided revision again.

A question is not a decision: it never changes the status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from core.i18n import gettext as _
from core.web.rendering import format_local_date
from plugins.quotes.models import (
    APPROVED,
    CHANGES_REQUESTED,
    DECISIONS,
    OPEN_STATUSES,
    REJECTED,
    SENT,
    VIEWED,
    Quote,
    QuoteMessage,
    QuoteRevision,
)
from tenants.models import Tenant

USER_AGENT_MAX = 300
SIGNATURE_MAX = 200
MESSAGE_MAX = 4000
# What the customer reads when the quote was decided already, with and
# without who decided (functions of when=, who=, business=).
ALREADY_DECIDED = {
    APPROVED: (
        lambda **words: _("This quote was already approved on %(when)s by %(who)s. Nothing was changed.", **words),
        lambda **words: _("This quote was already approved on %(when)s. Nothing was changed.", **words),
    ),
    REJECTED: (
        lambda **words: _("This quote was already rejected on %(when)s by %(who)s. Nothing was changed.", **words),
        lambda **words: _("This quote was already rejected on %(when)s. Nothing was changed.", **words),
    ),
    CHANGES_REQUESTED: (
        lambda **words: _("Changes to this quote were already requested on %(when)s by %(who)s; %(business)s will send a new version.", **words),
        lambda **words: _("Changes to this quote were already requested on %(when)s; %(business)s will send a new version.", **words),
    ),
}


class DecisionRefused(Exception):
    """The quote cannot be decided now; ``message`` tells the customer why.

    :param code: stable: ``already_decided``, ``superseded``, ``expired``, ``not_open``.
    :param same_decision: the quote was already decided this way, on this
        revision, by this person (a double click), so the caller may treat
        it as done.
    """

    def __init__(self, code: str, message: str, same_decision: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.same_decision = same_decision


@dataclass(frozen=True)
class Decision:
    """What the customer decided and the evidence recorded with it."""

    kind: str  # approved | rejected | changes_requested
    email: str
    signature_name: str = ""
    message: str = ""
    ip: str = ""
    user_agent: str = ""


def open_for_decision(quote: Quote, today: date) -> bool:
    """Whether the customer may decide on the quote's current revision now."""
    return quote.was_sent and quote.display_status(today) in OPEN_STATUSES


async def decide(quote: Quote, revision_number: int, decision: Decision, tenant: Tenant, today: date) -> QuoteRevision:
    """Record ``decision`` on revision ``revision_number``, once.

    :raises DecisionRefused: the revision is not the current one, already
        decided, expired, or not sent.
    """
    if decision.kind not in DECISIONS:
        raise ValueError(f"not a decision: {decision.kind!r}")
    now = datetime.now(timezone.utc)
    async with in_transaction():
        won = await (
            Quote.filter(id=quote.id, revision=revision_number, status__in=OPEN_STATUSES)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
            .update(status=decision.kind, decided_at=now, updated_at=now)
        )
        if won:
            await QuoteRevision.filter(quote_id=quote.id, number=revision_number).update(
                status=decision.kind,
                decided_at=now,
                decided_by=decision.email,
                signature_name=decision.signature_name[:SIGNATURE_MAX],
                decision_ip=decision.ip[:64],
                decision_user_agent=decision.user_agent[:USER_AGENT_MAX],
                decision_message=decision.message,
            )
            if decision.kind == CHANGES_REQUESTED:
                await QuoteMessage.create(quote_id=quote.id, revision=revision_number, kind="changes", author=decision.email, body=decision.message)
    if not won:
        raise await refusal(quote, revision_number, tenant, today, decision)
    return await QuoteRevision.get(quote_id=quote.id, number=revision_number)


async def refusal(quote: Quote, revision_number: int, tenant: Tenant, today: date, decision: Decision | None = None) -> DecisionRefused:
    """Why revision ``revision_number`` of ``quote`` cannot be decided, read afresh."""
    fresh = await Quote.get(id=quote.id)
    if fresh.revision != revision_number:
        if fresh.revision > revision_number:
            return DecisionRefused(
                "superseded",
                _(
                    "%(business)s has sent a newer version of quote %(number)s (revision %(revision)d). "
                    "Please review it before you decide.",
                    business=tenant.name,
                    number=fresh.number,
                    revision=fresh.revision,
                ),
            )
        return DecisionRefused("not_open", _("Quote %(number)s is not open for a decision.", number=fresh.number))
    if fresh.status in DECISIONS:
        revision = await QuoteRevision.get(quote_id=quote.id, number=revision_number)
        when = format_local_date(revision.decided_at, tenant)
        who = revision.signature_name or revision.decided_by
        same = decision is not None and decision.kind == fresh.status and decision.email == revision.decided_by
        with_who, without_who = ALREADY_DECIDED[fresh.status]
        message = with_who(when=when, who=who, business=tenant.name) if who else without_who(when=when, business=tenant.name)
        return DecisionRefused("already_decided", message, same_decision=same)
    if fresh.status in (SENT, VIEWED) and fresh.valid_until is not None and fresh.valid_until < today:
        return DecisionRefused(
            "expired",
            _(
                "This quote expired on %(date)s. Ask %(business)s for a new one, or send them a question.",
                date=format_local_date(fresh.valid_until, tenant),
                business=tenant.name,
            ),
        )
    return DecisionRefused("not_open", _("Quote %(number)s is not open for a decision.", number=fresh.number))


async def mark_viewed(quote: Quote) -> bool:
    """First look at a sent revision: ``sent`` -> ``viewed`` (once; decided quotes stay)."""
    if quote.status != SENT:  # seen (or decided) already: no statement on each later look
        return False
    now = datetime.now(timezone.utc)
    async with in_transaction():
        changed = await Quote.filter(id=quote.id, revision=quote.revision, status=SENT).update(status=VIEWED, updated_at=now)
        if changed:
            await QuoteRevision.filter(quote_id=quote.id, number=quote.revision, status=SENT).update(status=VIEWED, viewed_at=now)
    if changed:
        quote.status = VIEWED
    return bool(changed)


async def ask(quote: Quote, email: str, body: str) -> QuoteMessage:
    """A question about the quote from the customer; the status does not change."""
    return await QuoteMessage.create(quote_id=quote.id, revision=quote.revision, kind="question", author=email, body=body)
