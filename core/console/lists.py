"""Console list pages declared once: columns, filters, sorts, pagination, empty state, CSV.

Core's lists (jobs, invoices...) and plugins' (quotes, card payments...) are
a :class:`ListPage` each: a small declaration, one engine behind it. A view
is then one line::

    JOBS = ListPage(
        Job, "console/jobs/list.html", (lazy_gettext("job"), lazy_gettext("jobs")),
        columns=(
            number_column(lazy_gettext("Job")),
            customer_column(),
            Column("technician", lazy_gettext("Technician"), csv=lambda j: j.technician_name),
        ),
        filters=(Filter("status", lazy_gettext("Status"), (("", lazy_gettext("Any status")), ("done", lazy_gettext("Done")))),),
        default_sort="-number", select_related=("account",), by_account=True,
    )
    JOBS.route(blueprint, "back_office")  # GET / as the endpoint "index"

(or ``return await JOBS.respond(**context)`` from a view of your own)
and its template extends ``console/_list_page.html``, filling only the cells
of one row (``item`` is the row's record)::

    {% extends "console/_list_page.html" %}
    {% block row scoped %}<td>{{ item.number }}</td>...{% endblock %}

Everything lives in the URL, as in the portal's lists
(:mod:`core.portal.pagination`): ``?status=`` for each filter, ``?sort=``
among the declared sort keys only (anything else gives the default),
``?page=`` and ``?per_page=``, ``?account=`` when ``by_account`` (an
unknown account is a 404), and ``?format=csv`` downloads every matching row
(at most :data:`MAX_CSV_ROWS`) with the columns that declare ``csv``,
spreadsheet-safe (:func:`core.portal.exports.csv_response`); each download
is audited (``staff.list_exported``: which list, the query, how many rows).

Texts are translated when the page is drawn: labels, nouns, titles, filter
choices and sentences are declared at import time with
:func:`core.i18n.lazy_gettext` (a plugin's own through its catalog), so one
declaration serves every reader's language. A list given only its ``noun``
gets "No %(items)s match." and "Show %(items)s" around it; give ``title``,
``empty`` and ``show_label`` as whole sentences when the language needs it
(core's lists do).
"""

from __future__ import annotations

import inspect
from datetime import datetime
from zoneinfo import ZoneInfo
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Sequence

from babel.support import LazyProxy
from quart import Response, abort, g, request
from tortoise.models import Model
from tortoise.queryset import QuerySet

from core.audit import record
from core.console.access import staff_required
from core.console.form_fields import FormReader, Text
from core.console.shell import render_console
from core.i18n import lazy_gettext
from core.models.customers import CustomerAccount
from core.portal.exports import csv_response
from core.portal.pagination import Page, Sorter, choice_arg, paginate, url_with
from core.web.rendering import tenant_today

MAX_CSV_ROWS = 10_000
LIST_TEMPLATE = "console/_list_page.html"


@dataclass(frozen=True)
class Column:
    """One column of a list.

    :param key: its name; with ``sort`` also the value of ``?sort=``.
    :param label: its header (a lazy text for a translated one).
    :param sort: the fields it orders by (makes the header a sort link).
    :param numeric: right-aligned (amounts).
    :param per_account: False hides it on one account's list (the customer column).
    :param csv: ``csv(item)`` -> the cell of the CSV export; None leaves the
        column out of the export.
    """

    key: str
    label: Text
    sort: tuple[str, ...] | None = None
    numeric: bool = False
    per_account: bool = True
    csv: Callable[[Any], Any] | None = None


def iso(value: Any) -> str:
    """A date or time as ISO text for a CSV cell (a time in the business's time zone,
    with its offset, like the audit log's export); nothing for None."""
    if value is None:
        return ""
    if isinstance(value, datetime) and value.tzinfo is not None and g.get("tenant") is not None:
        value = value.astimezone(ZoneInfo(g.tenant.timezone))
    return value.isoformat()


def number_column(label: Text) -> Column:
    """The record's number, sortable, linking to it in the row template."""
    return Column("number", label, sort=("number",), csv=lambda item: item.number)


def customer_column(key: str = "customer") -> Column:
    """The customer account's name, sortable, left out of one account's list."""
    return Column(key, lazy_gettext("Customer"), sort=("account__name",), per_account=False, csv=lambda item: item.account.name)


def status_column(labels: dict[str, Text], *, displayed: bool = False, sort: bool = True) -> Column:
    """The status as its label; ``displayed`` asks the record (``display_status(today)``: overdue, expired)."""

    def text(item: Any) -> str:
        state = item.display_status(tenant_today(g.tenant)) if displayed else item.status
        return str(labels.get(state, state))

    return Column("status", lazy_gettext("Status"), sort=("status",) if sort else None, csv=text)


@dataclass(frozen=True)
class Filter:
    """A choice filter shown as a select above the list.

    :param choices: ``(value, label)`` pairs; the value ``""`` means "no filter"
        (labels, like ``label``, may be lazy texts).
    :param apply: ``apply(query, value)`` -> the narrowed query, called only
        with a non-empty value; the default filters the field named ``name``.
    :param default: the value without ``?name=`` in the URL (an unknown value
        in the URL gives ``""``).
    """

    name: str
    label: Text
    choices: Sequence[tuple[str, Text]]
    apply: Callable[[QuerySet, str], QuerySet] | None = None
    default: str = ""

    def read(self) -> str:
        if self.name not in request.args:
            return self.default
        return choice_arg(self.name, [value for value, _ in self.choices])

    def narrow(self, query: QuerySet, value: str) -> QuerySet:
        if not value:
            return query
        return self.apply(query, value) if self.apply else query.filter(**{self.name: value})


@dataclass
class ListState:
    """What one request asked of a list; handed to ``narrow`` and ``context``."""

    reader: FormReader
    account: CustomerAccount | None
    filters: dict[str, str]

    @property
    def filtered(self) -> bool:
        return any(self.filters.values())


# narrow(query, state) -> query: filters beyond the declared selects (dates, ?invoice=).
Narrow = Callable[[QuerySet, ListState], "QuerySet | Awaitable[QuerySet]"]
# context(page, state) -> extra template values (a side panel, labels).
Context = Callable[[Page, ListState], "dict[str, Any] | Awaitable[dict[str, Any]]"]


@dataclass
class ListPage:
    """A console list page: see the module's documentation.

    :param model: the Tortoise model listed (tenant-scoped like every model).
    :param template: a template extending ``console/_list_page.html``.
    :param noun: singular and plural, for the summary line and the empty state
        (lazy texts: ``(lazy_gettext("job"), lazy_gettext("jobs"))``).
    :param title: the page's heading, by default the plural capitalised
        ("Jobs"); "of <account>" is added on one account's list.
        This and every text below may be lazy texts, translated per reader.
    :param default_sort: a column key, ``-`` for descending.
    :param order_by: the fixed order of a list without sortable columns.
    :param keep: query arguments kept as hidden fields of the filter form.
    :param empty: the sentence of an empty list (a template may override
        the ``empty`` block instead).
    :param csv_name: the download's file name without ``.csv``; None offers no CSV.
    :param extra_sorts: sort keys without a column (``{"created": ("id",)}``).
    :param show_label: the filter button ("Show jobs" by default).
    """

    model: type[Model]
    template: str
    noun: tuple[Text, Text]
    columns: Sequence[Column]
    title: Text = ""
    filters: Sequence[Filter] = ()
    default_sort: str | None = None
    order_by: tuple[str, ...] = ("-id",)
    select_related: tuple[str, ...] = ()
    by_account: bool = False
    keep: tuple[str, ...] = ()
    narrow: Narrow | None = None
    context: Context | None = None
    empty: Text = ""
    csv_name: str | None = None
    show_label: Text = ""
    extra_sorts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    per_page: int | None = None
    sorter: Sorter | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        sorts = {**{c.key: c.sort for c in self.columns if c.sort}, **self.extra_sorts}
        if sorts:
            self.sorter = Sorter(sorts, default=self.default_sort or next(iter(sorts)))
        # The defaults stay lazy: made in the reader's language when drawn.
        plural = self.noun[1]
        if not self.title:
            self.title = LazyProxy(lambda: str(plural).capitalize(), enable_cache=False)
        if not self.empty:
            self.empty = lazy_gettext("No %(items)s match.", items=plural)
        if not self.show_label:
            self.show_label = lazy_gettext("Show %(items)s", items=plural)

    def csv_columns(self, account: CustomerAccount | None) -> list[Column]:
        return [c for c in self.columns if c.csv and (c.per_account or account is None)]

    async def query(self, state: ListState) -> QuerySet:
        """The rows the request asks for, unordered and unpaged."""
        query = self.model.all()
        if state.account is not None:
            query = query.filter(account_id=state.account.id)
        for flt in self.filters:
            query = flt.narrow(query, state.filters[flt.name])
        if self.narrow is not None:
            narrowed = self.narrow(query, state)
            # A QuerySet is awaitable itself: await only a coroutine.
            query = await narrowed if inspect.iscoroutine(narrowed) else narrowed
        if self.select_related:
            query = query.select_related(*self.select_related)
        return query

    async def state(self) -> ListState:
        account = None
        if self.by_account and request.args.get("account"):
            account = await CustomerAccount.get_or_none(public_id=request.args["account"])
            if account is None:
                abort(404)
        return ListState(FormReader(request.args, g.tenant), account, {f.name: f.read() for f in self.filters})

    async def respond(self, **context: Any) -> str | Response:
        """The page (or its CSV with ``?format=csv``) for the current request."""
        state = await self.state()
        query = await self.query(state)
        sort = self.sorter.parse() if self.sorter else None
        order = sort.order_by if sort else self.order_by
        if request.args.get("format") == "csv" and self.csv_name:
            return await self._csv(query.order_by(*order), state)
        page = await paginate(query.order_by(*order), self.per_page)
        extra = {}
        if self.context is not None:
            made = self.context(page, state)
            extra = await made if inspect.iscoroutine(made) else made
        return await render_console(
            self.template,
            listing=self,
            page=page,
            sort=sort,
            account=state.account,
            filters=state.filters,
            columns=[c for c in self.columns if c.per_account or state.account is None],
            values=state.reader.values,
            errors=state.reader.errors,
            today=tenant_today(g.tenant),
            csv_url=url_with(format="csv", page=None) if self.csv_name else None,
            **state.filters,
            **extra,
            **context,
        )

    def route(self, blueprint: Any, permission: str, rule: str = "/", endpoint: str = "index", **context: Any) -> None:
        """Serve the page as ``blueprint``'s ``endpoint`` at ``rule`` to staff with ``permission``.

        ``context`` goes to the template (labels, constants).
        """
        async def view():
            return await self.respond(**context)

        view.__name__ = view.__qualname__ = endpoint
        view.__doc__ = f"The {str(self.title).lower()} list (:class:`core.console.lists.ListPage`)."
        blueprint.add_url_rule(rule, endpoint, staff_required(permission)(view), methods=["GET"])

    async def _csv(self, query: QuerySet, state: ListState) -> Response:
        columns = self.csv_columns(state.account)
        items = await query.limit(MAX_CSV_ROWS)
        rows = [[column.csv(item) for column in columns] for item in items]  # type: ignore[misc]
        # Customer data leaving the console is audited, as the audit log's own export is.
        await record(
            "staff.list_exported", actor_type="staff", actor=g.staff.email, target=state.account.public_id if state.account else "",
            list=self.csv_name, rows=len(rows), query=request.query_string.decode()[:500],
        )
        name = self.csv_name + (f"-{state.account.number}" if state.account else "")
        return csv_response([str(c.label) for c in columns], rows, f"{name}-{tenant_today(g.tenant).isoformat()}.csv")
