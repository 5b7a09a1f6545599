"""A big account (issue 13): every portal list stays bounded, deep pages are right and cheap.

One account with 300 invoices, jobs and payments, 60 visits and 60 shared
files, written in bulk. Dates repeat on purpose (ten invoices a day, five
jobs at the same hour, every file created in the same second, a few
unscheduled jobs and invoices without a due date) so the keyset pages must
break ties on the id, and NULLs sort where each database puts them. Pages
are walked through their own "Next" and "Previous" links, as a customer
would, and compared with the whole list read in one query.

The tests only read, so the account is built once per backend, in one app
the module's tests share (tests/module_app.py); each test signs in a client
of its own.
"""

from __future__ import annotations

import html as html_lib
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from tortoise.expressions import Q

from core.models.billing import Invoice, Payment
from core.models.customers import Contact, ContactEmail, CustomerAccount
from core.models.jobs import Attachment, Job, Visit
from core.portal.invoices import CUSTOMER_STATUSES
from core.portal.pagination import CHEAP_OFFSET
from core.portal.payments import SHOWN_STATUSES
from core.portal.statement import PAGE_LINES
from core.web.rendering import tenant_today
from tenants.context import use_tenant
from tests.module_app import module_app  # noqa: F401 - fixture
from tests.portal_data import PAT, page_of, pdf_text

pytestmark = pytest.mark.asyncio(loop_scope="module")

N = 300
INVOICE_ROW = re.compile(r'data-label="Invoice"><a href="/invoices/(inv_[^"]+)"')
JOB_ROW = re.compile(r'data-label="Job"><a href="/jobs/(job_[^"]+)"')
FILE_ROW = re.compile(r'<a href="/files/(file_[^"?]+)">')
VISIT_ROW = re.compile(r'<h2><a href="/service-history/(vis_[^"]+)"')
LINK = r'<a href="([^"]+)" rel="{}">'


async def _account(tenant, number: str, name: str, email: str) -> CustomerAccount:
    """An account with one contact who gets invoices (as ``make_customer`` makes it)."""
    with use_tenant(tenant):
        account = await CustomerAccount.create(number=number, name=name)
        contact = await Contact.create(account=account, first_name=email.split("@")[0].title(), is_primary=True)
        await ContactEmail.create(contact=contact, email=email, send_invoices=True)
        return account


@pytest.fixture
def app(module_app):
    """The module's app (``client_for`` and the tests ask for ``app``)."""
    return module_app


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def tenant(module_app):
    from tenants.service import create_tenant

    return await create_tenant("acme", "Acme Pool Care", contact_email="office@acme.test", contact_phone="555-0100")


@pytest_asyncio.fixture(loop_scope="module")
async def pat_client(client_for, tenant, big):
    """A client signed in as pat@example.com with Pat's account selected."""
    client = client_for(tenant)
    await client.sign_in_as(PAT)
    return client


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def big(tenant):
    """Pat's 300 invoices (one payment each), 300 jobs, 60 visits and 60 files; a neighbour's invoice."""
    pat = await _account(tenant, "C-1001", "Pat Doe", PAT)
    zone = ZoneInfo(tenant.timezone)
    today = tenant_today(tenant)
    now = datetime.now(zone).replace(minute=0, second=0, microsecond=0)
    statuses = ("open", "paid", "void", "draft")
    job_statuses = ("scheduled", "in_progress", "completed", "cancelled")
    with use_tenant(tenant):
        jobs = [
            Job(
                account=pat, number=f"BJ-{n:04d}", title=f"Big job {n}", status=job_statuses[n % 4],
                scheduled_start=None if n % 30 == 0 else now - timedelta(days=n // 5 - 20),
            )
            for n in range(N)
        ]
        await Job.bulk_create(jobs)
        jobs = list(await Job.filter(account_id=pat.id).order_by("id"))
        invoices = [
            Invoice(
                account=pat, job_id=jobs[n].id, number=f"BI-{n:04d}", status=statuses[n % 4],
                issued_on=None if statuses[n % 4] == "draft" else today - timedelta(days=n // 10),
                due_on=None if n % 25 == 0 else today + timedelta(days=20 - n // 10), currency=tenant.currency,
                subtotal_minor=10000 + n, total_minor=10000 + n, paid_minor=(10000 + n) if n % 4 == 1 else (n if n % 4 == 0 else 0),
            )
            for n in range(N)
        ]
        await Invoice.bulk_create(invoices)
        invoices = list(await Invoice.filter(account_id=pat.id).order_by("id"))
        await Payment.bulk_create(
            Payment(
                # Not on drafts: the payments list links each payment's invoice.
                account=pat, invoice_id=invoices[n - (n % 4 == 3)].id, amount_minor=invoices[n].paid_minor or 100, currency=tenant.currency,
                method="cheque", status="pending" if n % 7 == 0 else "succeeded", reference=f"Cheque {n}",
                received_at=datetime.combine(today - timedelta(days=n // 4), time(15), tzinfo=zone),
            )
            for n in range(N)
        )
        await Visit.bulk_create(
            Visit(job_id=jobs[n].id, completed_at=now - timedelta(days=n // 3 + 1), summary=f"Visit {n}") for n in range(60)
        )
        await Attachment.bulk_create(
            Attachment(job_id=jobs[n].id, kind="attachment", filename=f"report-{n}.pdf", content_type="application/pdf",
                       size=100, storage_key=f"missing/{n}", shared=True)
            for n in range(60)
        )
    neighbour = await _account(tenant, "C-1002", "Neighbour", "neighbour@example.com")
    with use_tenant(tenant):
        await Invoice.create(account=neighbour, number="NEIGHBOUR-1", status="open", issued_on=today, currency=tenant.currency, total_minor=999)
    return pat


def _link(html: str, rel: str) -> str | None:
    found = re.search(LINK.format(rel), html)
    return html_lib.unescape(found.group(1)) if found else None


async def walk(client, first: str, row: re.Pattern, count_queries, rel: str = "next") -> list[str]:
    """The ids of every row met following ``rel`` links from ``first``; each page at
    most 20 rows, and a page reached through a cursor skips no rows with OFFSET."""
    seen: list[str] = []
    url: str | None = first
    while url:
        with count_queries() as counted:
            html = await page_of(client, url)
        ids = row.findall(html)
        assert 0 < len(ids) <= 20, url
        seen.extend(ids if rel == "next" else reversed(ids))
        if "after=" in url or "before=" in url:
            offsets = [int(n) for sql in counted.statements for n in re.findall(r"OFFSET (\d+)", sql, re.I)]
            assert not any(offsets), (url, counted.statements)
        else:
            offsets = [int(n) for sql in counted.statements for n in re.findall(r"OFFSET (\d+)", sql, re.I)]
            assert all(n <= CHEAP_OFFSET for n in offsets), (url, offsets)
        url = _link(html, rel)
    return seen if rel == "next" else list(reversed(seen))


async def expected(tenant, query, *order: str) -> list[str]:
    """Public ids of ``query()`` (built in the tenant's scope) in this order."""
    with use_tenant(tenant):
        return list(await query().order_by(*order).values_list("public_id", flat=True))


def last_page_url(path: str, total: int, per_page: int = 20) -> str:
    pages = -(-total // per_page)
    return f"{path}{'&' if '?' in path else '?'}page={pages}"


@pytest.mark.parametrize(
    "path, sort",
    [
        ("/invoices", ("-issued_on", "-id")),
        ("/invoices?sort=due", ("due_on", "id")),  # nullable, ascending
        ("/invoices?sort=-due&status=open", ("-due_on", "-id")),
        ("/invoices?sort=number", ("number", "id")),
    ],
)
async def test_invoice_pages_walk_forward_and_back_without_gaps(pat_client, big, tenant, count_queries, path, sort):
    def query():
        found = Invoice.filter(account_id=big.id, status__in=CUSTOMER_STATUSES)
        if "status=open" in path:
            found = found.filter(Q(due_on__isnull=True) | Q(due_on__gte=tenant_today(tenant)), status="open")
        return found

    want = await expected(tenant, query, *sort)
    assert len(want) > 40
    forward = await walk(pat_client, path, INVOICE_ROW, count_queries)
    assert forward == want
    backward = await walk(pat_client, last_page_url(path, len(want)), INVOICE_ROW, count_queries, rel="prev")
    assert backward == want


@pytest.mark.parametrize("path, sort", [("/jobs?show=all", ("-scheduled_start", "-id")), ("/jobs?show=all&sort=date", ("scheduled_start", "id"))])
async def test_job_pages_walk_with_unscheduled_jobs_and_equal_times(pat_client, big, tenant, count_queries, path, sort):
    want = await expected(tenant, lambda: Job.filter(account_id=big.id), *sort)
    assert await walk(pat_client, path, JOB_ROW, count_queries) == want
    assert await walk(pat_client, last_page_url(path, len(want)), JOB_ROW, count_queries, rel="prev") == want


async def test_payment_document_and_visit_pages_walk(pat_client, big, tenant, count_queries):
    with use_tenant(tenant):
        payments = Payment.filter(account_id=big.id, status__in=SHOWN_STATUSES)
        want = [p.invoice.public_id for p in await payments.select_related("invoice").order_by("-received_at", "-id")]
    shown = await walk(pat_client, "/payments", INVOICE_ROW, count_queries)
    assert shown == want  # each payment links its own invoice

    files = lambda: Attachment.filter(job__account_id=big.id, shared=True)  # noqa: E731
    want = await expected(tenant, files, "-created_at", "-id")  # all created in the same second or two
    assert await walk(pat_client, "/documents", FILE_ROW, count_queries) == want

    visits = lambda: Visit.filter(job__account_id=big.id)  # noqa: E731
    want = await expected(tenant, visits, "-completed_at", "-id")
    assert await walk(pat_client, "/service-history", VISIT_ROW, count_queries) == want


async def test_a_cursor_of_another_account_or_junk_is_ignored(pat_client, big, tenant):
    with use_tenant(tenant):
        foreign = await Invoice.get(number="NEIGHBOUR-1")
    first = INVOICE_ROW.findall(await page_of(pat_client, "/invoices"))
    for cursor in (foreign.public_id, "inv_nope", "x" * 500, "%27%20OR%201=1"):
        html = await page_of(pat_client, f"/invoices?page=2&after={cursor}")
        rows = INVOICE_ROW.findall(html)
        assert len(rows) == 20 and not set(rows) & set(first)  # page 2 by its number
        assert foreign.public_id not in html
    # A deep page number alone (an old bookmark) still shows the right rows.
    want = await expected(tenant, lambda: Invoice.filter(account_id=big.id, status__in=CUSTOMER_STATUSES), "-issued_on", "-id")
    assert INVOICE_ROW.findall(await page_of(pat_client, "/invoices?page=6")) == want[100:120]


async def test_next_link_carries_a_cursor_and_the_other_arguments(pat_client, big):
    html = await page_of(pat_client, "/invoices?per_page=5&sort=number")
    nxt = _link(html, "next")
    assert nxt.startswith("/invoices?") and "page=2" in nxt and "after=inv_" in nxt and "per_page=5" in nxt and "sort=number" in nxt
    second = await page_of(pat_client, nxt)
    prev = _link(second, "prev")
    assert "&page=" not in prev and "before" not in prev  # page 1 needs no cursor
    assert INVOICE_ROW.findall(await page_of(pat_client, prev)) == INVOICE_ROW.findall(html)


async def test_home_balance_is_the_sum_of_open_balances_and_lists_five(pat_client, big, tenant, count_queries):
    with use_tenant(tenant):
        owing = [i for i in await Invoice.filter(account_id=big.id, status="open") if i.balance_minor > 0]
    total = sum(i.balance_minor for i in owing)
    html = await page_of(pat_client, "/")
    amount = f"${total / 100:,.2f}"
    assert f"{amount} due on {len(owing)} open invoices" in html
    assert len(re.findall(r'<th scope="row"><a href="/invoices/inv_', html)) == 5
    assert f"{len(owing) - 5} more open invoices." in html


async def test_long_statement_is_summarized_on_the_page_and_complete_in_the_pdf(pat_client, big, tenant):
    today = tenant_today(tenant)
    start = today - timedelta(days=40)
    span = f"from={start.isoformat()}&to={today.isoformat()}"
    html = await page_of(pat_client, f"/statement?{span}")
    assert "too many to list on one page" in html
    rows = re.findall(r'<tr class="part">', html)
    assert 0 < len(rows) <= 40 and "BI-0" not in html
    # Each part links its own statement (a year narrows to months, a month to
    # days); following the links reaches the lines. How deep depends on the
    # date: the last 40 days are months of which the newest may be a whole,
    # busy month (on December 31) or a couple of days (early in a month).
    narrower = html
    for _depth in range(3):
        part = html_lib.unescape(re.findall(r'<td data-label="Period"><a href="([^"]+)"', narrower)[-1])
        narrower = await page_of(pat_client, part)
        if "too many to list" not in narrower:
            break
    assert "too many to list" not in narrower and "BI-0" in narrower

    with use_tenant(tenant):
        invoices = await Invoice.filter(account_id=big.id, status__in=CUSTOMER_STATUSES, issued_on__gte=start).count()
        low = datetime.combine(start, time.min, tzinfo=ZoneInfo(tenant.timezone))
        payments = await Payment.filter(account_id=big.id, status__in=("succeeded",), received_at__gte=low).count()
    assert invoices + payments > PAGE_LINES
    response = await pat_client.get(f"/statement.pdf?{span}")
    assert response.status_code == 200
    text = pdf_text(await response.get_data())
    assert len(re.findall(r"Invoice BI-\d{4}", text)) == invoices
    assert len(re.findall(r"Payment: Cheque", text)) == payments


async def test_summary_balances_agree_with_the_lines(pat_client, big, tenant):
    """The closing balance of a summarized period equals the last running balance of the same period line by line."""
    from core.portal.pagination import DateRange
    from core.portal.statement import build_statement

    today = tenant_today(tenant)
    period = DateRange(today - timedelta(days=60), today)
    with use_tenant(tenant):
        summary = await build_statement(big, tenant, period)
        full = await build_statement(big, tenant, period, max_lines=None)
    assert summary.summarized and not full.summarized
    (s,), (f,) = summary.ledgers, full.ledgers
    assert (s.opening_minor, s.charged_minor, s.received_minor) == (f.opening_minor, f.charged_minor, f.received_minor)
    assert s.closing_minor == f.closing_minor == f.entries[-1].balance_minor
    assert sum(r.lines for r in s.summary) == len(f.entries)
