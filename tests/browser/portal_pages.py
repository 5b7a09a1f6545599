"""The portal pages the browser suite walks and the screenshots script shoots.

Add a page here when you add one to the portal:
``test_every_get_route_is_walked`` fails for any GET route that is in none
of :data:`PAGES`, :data:`DOWNLOADS` and :data:`OTHER_ROUTES`. A page is
reached by a fixed path, or, when its address holds an id, by following the
first matching link on another page, as a person would (so the walk never
needs to know a database id).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.browser.demo_server import DemoServer

DEMO_EMAIL = "pat@example.com"
# Sam Morgan shares Pat's Sunny Pools account, without "send invoices" (I4).
NO_INVOICES_EMAIL = "sam.morgan@example.com"


@dataclass(frozen=True)
class DemoTenant:
    """A demo business and the account its demo contact looks at."""

    slug: str
    name: str
    account: str  # the account Pat picks when the address has several


DEMO_TENANTS = (
    DemoTenant("sunny-pools", "Sunny Pools", "Pat Morgan"),
    DemoTenant("pipeworks", "Pipeworks Plumbing", "Pat Morgan"),
)


@dataclass(frozen=True)
class PortalPage:
    """One page of the portal.

    :param name: test id and screenshot file name (``docs/screenshots/<name>-desktop.png``).
    :param endpoint: the Quart endpoint that serves it (ties the list to the URL map).
    :param path: its address, when it has no id in it.
    :param found_on: else a page that links to it, by path or by name ...
    :param link: ... and a regular expression the link's ``href`` matches
    :param link_text: ... and, if given, the link's text.
    :param signed_in: False for pages of signed-out visitors.
    :param heading: a regular expression the page's ``h1`` matches.
    :param only_in: the slug of the one demo business whose data has this page.
    """

    name: str
    endpoint: str
    heading: str
    path: str | None = None
    found_on: str | None = None
    link: str | None = None
    link_text: str | None = None
    signed_in: bool = True
    only_in: str | None = None

    def __post_init__(self) -> None:
        if (self.path is None) == (self.found_on is None or self.link is None):
            raise ValueError(f"page {self.name!r}: give either a path, or found_on and link")


@dataclass(frozen=True)
class Download:
    """A file a page offers: the walk clicks the link and checks the file's first bytes."""

    name: str
    endpoint: str
    found_on: str  # a page that links to it, by path or by name
    link: str
    magic: bytes  # how the file starts
    suffix: str  # how the suggested file name ends
    only_in: str | None = None


# Ids look like ``job_Uj-3k2k7W1IDLQxjEgGVUA``: a prefix and URL-safe base64.
ID = r"[a-z]+_[\w-]+"

PAGES: tuple[PortalPage, ...] = (
    PortalPage("sign-in", "auth.sign_in", r"^Sign in to ", path="/sign-in", signed_in=False),
    PortalPage("forgot-password", "auth.forgot_password", r"^Forgot your password", path="/forgot-password", signed_in=False),
    PortalPage("home", "portal.home", r"^Welcome to ", path="/"),
    PortalPage("accounts", "auth.choose_account", r"^Choose an account$", path="/accounts"),
    PortalPage("jobs", "work.list", r"^Work history$", path="/jobs"),
    PortalPage("jobs-past", "work.list", r"^Work history$", path="/jobs?show=past"),
    PortalPage("job", "work.job", r"#", found_on="/jobs?show=past", link=rf"^/jobs/{ID}$"),
    # The marketing plugin's Open requests tab of Work history (issue 8).
    PortalPage("requests", "marketing_requests.list", r"^Work history$", path="/jobs/requests/"),
    PortalPage("request-new", "marketing_requests.new", r"^Request service$", path="/jobs/requests/new"),
    PortalPage("request", "marketing_requests.detail", r".", found_on="requests", link=rf"^/jobs/requests/{ID}$", only_in="sunny-pools"),
    PortalPage("service-history", "service.history", r"^Service history$", path="/service-history"),
    PortalPage("visit", "service.visit", r".", found_on="/service-history", link=rf"^/service-history/{ID}$"),
    PortalPage("documents", "documents.list", r"^Documents$", path="/documents"),
    PortalPage("quotes", "quotes.list", r"^Quotes$", path="/quotes"),
    PortalPage("quote", "quotes.detail", r"^Quote .*Awaiting your decision", found_on="/quotes?status=open", link=rf"^/quotes/{ID}$"),
    PortalPage("quote-approve", "quotes.approve", r"^Approve quote$", found_on="quote", link=rf"^/quotes/{ID}/approve$"),
    PortalPage("quote-reject", "quotes.reject", r"^Reject quote$", found_on="quote", link=rf"^/quotes/{ID}/reject$"),
    PortalPage("quote-changes", "quotes.changes", r"^Request changes$", found_on="quote", link=rf"^/quotes/{ID}/changes$"),
    PortalPage("quote-question", "quotes.question", r"^Ask a question$", found_on="quote", link=rf"^/quotes/{ID}/question$"),
    # Pat's approved quote in Pipeworks is for a job: the job's Quotes tab.
    PortalPage("quote-approved", "quotes.detail", r"^Quote .*Approved", found_on="/quotes?status=approved",
               link=rf"^/quotes/{ID}$", only_in="pipeworks"),
    PortalPage("quoted-job", "work.job", r"#", found_on="quote-approved", link=rf"^/jobs/{ID}$", only_in="pipeworks"),
    PortalPage("job-quotes", "quotes.for_job", r"^Quotes for job ", found_on="quoted-job", link=rf"^/jobs/{ID}/quotes$",
               only_in="pipeworks"),
    PortalPage("messages", "marketing_messages.index", r"^Messages$", path="/messages"),
    # The demo's conversation is Pat's, about a Sunny Pools job.
    PortalPage("job-messages", "marketing_messages.job_thread", r"^Messages about job ", found_on="messages",
               link=rf"^/jobs/{ID}/messages$", only_in="sunny-pools"),
    PortalPage("invoices", "invoices.list", r"^Invoices$", path="/invoices"),
    PortalPage("invoices-overdue", "invoices.list", r"^Invoices$", path="/invoices?status=overdue&sort=-due"),
    PortalPage("invoice", "invoices.detail", r"^Invoice ", found_on="/invoices", link=rf"^/invoices/{ID}$"),
    PortalPage("statement", "invoices.statement", r"^Billing statement$", path="/statement"),
    PortalPage("statement-12-months", "invoices.statement", r"^Billing statement$", found_on="/statement",
               link=r"^/statement\?from=", link_text="Last 12 months"),
    PortalPage("payments", "payments.list", r"^Payments$", path="/payments"),
    # Card payments (the payments plugin, issue 7): the demo runs on localstripe, so both businesses take cards.
    # Pat's overdue invoice at Sunny Pools (test_payments_browser pays the open ones, so the walk stays valid).
    PortalPage("invoice-overdue", "invoices.detail", r"^Invoice ", found_on="/invoices?status=overdue", link=rf"^/invoices/{ID}$",
               only_in="sunny-pools"),
    PortalPage("pay-invoice", "card_payments.pay", r"^Pay invoice ", found_on="invoice-overdue", link=rf"^/payments/pay\?invoice={ID}$",
               only_in="sunny-pools"),
    PortalPage("pay-invoices", "card_payments.pay_many", r"^Pay invoices$", path="/payments/pay-many"),
    PortalPage("payment-methods", "card_payments.methods", r"^Payment methods$", path="/payment-methods"),
    PortalPage("contact", "portal.contact", r"^Contact us$", path="/contact"),
    PortalPage("security", "auth.security", r"^Security$", path="/security"),
    PortalPage("dev-outbox", "dev_outbox.index", r"^Dev outbox$", path="/_dev/outbox", signed_in=False),
    # The integration API's reference, read by a business's developer (issue 12).
    PortalPage("api-reference", "api.reference", r"API", path="/api/docs", signed_in=False),
)

DOWNLOADS: tuple[Download, ...] = (
    Download("invoice-pdf", "invoices.pdf", "/invoices", rf"^/invoices/{ID}\.pdf$", b"%PDF-", ".pdf"),
    Download("statement-pdf", "invoices.statement_pdf", "/statement", r"^/statement\.pdf", b"%PDF-", ".pdf"),
    Download("quote-pdf", "quotes.pdf", "quote", rf"^/quotes/{ID}\.pdf$", b"%PDF-", ".pdf"),
    Download("document", "documents.download", "/documents?kind=files", rf"^/files/{ID}\?download=1$", b"%PDF-", ".pdf"),
    # Both exports start with a UTF-8 byte order mark, for spreadsheets.
    Download("invoices-csv", "exports.invoices_csv", "/invoices", r"^/export/invoices\.csv", b"\xef\xbb\xbf", ".csv"),
    Download("payments-csv", "exports.payments_csv", "/payments", r"^/export/payments\.csv", b"\xef\xbb\xbf", ".csv"),
)


def walk(records):
    """``(tenant, record)`` for every demo business whose data has the record."""
    return [(t, r) for r in records for t in DEMO_TENANTS if r.only_in in (None, t.slug)]


# GET routes that are not walked as pages above, and where they are covered.
OTHER_ROUTES: dict[str, str] = {
    "static": "static files, loaded by every page (a missing one logs a console error)",
    "plugin_static.serve": "plugins' static files, likewise",
    "health.live": "probe for load balancers (JSON)",
    "health.ready": "probe for load balancers (JSON)",
    "metrics.metrics": "Prometheus scrape endpoint (text, needs a token); tests/test_observability.py",
    "api.openapi_document": "the API's OpenAPI document (JSON); tests/test_api_openapi.py",
    "api.list_objects": "API lists (JSON, bearer token); tests/test_api_resources.py",
    "api.get_object": "API objects (JSON, bearer token); tests/test_api_resources.py",
    "api.get_by_external_id": "API objects by external id (JSON, bearer token); tests/test_api_resources.py",
    "domain_check.check": "on-demand TLS ask endpoint for the proxy (no page); tests/test_domain_verification.py",
    "portal.brand_css": "stylesheet, loaded by every page",
    "portal.logo": "image, loaded by every page of a tenant with a logo",
    "portal.favicon": "the tab icon, linked from every page; test_the_favicon_is_the_logo_or_the_default",
    "documents.thumbnail": "images on the documents, job and service-history pages",
    "marketing_requests.photo": "images on the request page (walked as 'request'); test_a_request_with_photos_is_stored_listed_and_shown",
    "auth.open_link": "test_sign_in_by_link follows the emailed link",
    "dev_outbox.show": "test_sign_in_by_link reads the email there",
    "dev_outbox.html": "an email's HTML, framed on the email's page",
    "auth.reset_password": "test_reset_password_page follows the emailed link",
    "marketing_messages.thread": "a conversation staff started without a job (the demo has none); test_portal.py of the marketing plugin",
    "marketing_messages.job_stream": "event stream (text/event-stream) of an open thread; test_marketing_live.py and test_live.py",
    "marketing_messages.stream": "event stream of a conversation without a job; test_live.py of the marketing plugin",
    "marketing_messages.file": "pictures of messages, shown on the thread; test_portal.py of the marketing plugin",
    "auth.create_login": "needs a staff invite; renders auth/set_password.html, as reset_password does",
    "card_payments.attempt": "test_payments_browser pays an invoice in Chromium and checks the result page",
}
# Blueprints walked by suites of their own, by the start of their names.
OTHER_BLUEPRINTS: dict[str, str] = {
    "console": "the staff console, core's and plugins' (issue 5)",
    # Installed in CI from examples/readings; its job tab is walked by tests/browser/test_readings_browser.py.
    "readings": "the readings example plugin's job tab (examples/readings)",
}


def page_named(name: str) -> PortalPage:
    return next(page for page in PAGES if page.name == name)


def first_link(page, pattern: str, text: str | None = None) -> str:
    """The ``href`` of the first link on ``page`` that matches ``pattern`` (and reads ``text``)."""
    links = page.eval_on_selector_all("a[href]", "links => links.map(a => [a.getAttribute('href'), a.innerText])")
    for href, label in links:
        if re.search(pattern, href) and (text is None or " ".join(label.split()) == text):
            return href
    wanted = repr(pattern) + (f" reading {text!r}" if text else "")
    raise AssertionError(f"no link matching {wanted} on {page.url}; links there: {[h for h, _ in links]}")


def expect_heading(page, name: str | re.Pattern) -> None:
    """Wait for a level-1 heading; fail with where the browser is instead."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.get_by_role("heading", name=name, level=1).wait_for(timeout=10_000)
    except PlaywrightTimeout:
        body = " ".join(page.locator("body").inner_text().split())[:600]
        raise AssertionError(f"expected the heading {name!r}, but the browser is at {page.url}: {body}") from None


def outbox_rows(page, server: DemoServer, tenant: DemoTenant, to: str, subject: str):
    """The dev outbox's rows of emails to ``to`` with ``subject``, newest first (opens the outbox)."""
    page.goto(server.url(tenant.slug, "/_dev/outbox"))
    return page.get_by_role("row").filter(has_text=to).filter(has_text=subject)


def outbox_emails(page, server: DemoServer, tenant: DemoTenant, to: str, subject: str) -> list[str]:
    """Addresses of the emails to ``to`` with ``subject`` in the dev outbox, newest first.

    Each email has an address of its own: taken before a request, they tell
    the email that request sent from every earlier one.
    """
    rows = outbox_rows(page, server, tenant, to, subject)
    return rows.get_by_role("link").evaluate_all("links => links.map(a => a.getAttribute('href'))")


def follow_emailed_link(
    page, server: DemoServer, tenant: DemoTenant, to: str, subject: str, link: str, on_step=None, *, seen: list[str]
) -> None:
    """Open the email to ``to`` with ``subject`` that was sent after ``seen`` was taken, and follow its link.

    :param link: a fragment of the link's address, e.g. ``/sign-in/link/``.
    :param seen: :func:`outbox_emails` taken before the request that sends
        the email: the outbox is waited on until exactly one new such email
        is there, so an older (already used) link is never followed.
    """
    from core.testing import wait_until

    step = on_step or (lambda label: None)

    def new_emails() -> list[str]:
        return [href for href in outbox_emails(page, server, tenant, to, subject) if href not in seen]

    # The in-process queue sends within moments.
    [email] = wait_until(new_emails, timeout=15, interval=0.25, describe=lambda: f"no new email to {to} with {subject!r} in the dev outbox")
    page.goto(server.url(tenant.slug, email))
    expect_heading(page, subject)
    step("the email in the dev outbox")
    # Followed from the keyboard: a mouse click at the link's place can land
    # in the email's frame above it while that frame is still painting.
    page.locator(f"a[href*='{link}']").first.press("Enter")


def sign_in_by_link(page, server: DemoServer, tenant: DemoTenant, email: str = DEMO_EMAIL, on_step=None) -> None:
    """Sign in as a person does: ask for a link, read it in the dev outbox, Continue.

    ``on_step(label)`` is called on each page of the way (to check it).
    Leaves ``page`` on the portal's home page of the account.
    """
    step = on_step or (lambda label: None)
    subject = f"Your sign-in link for {tenant.name}"
    seen = outbox_emails(page, server, tenant, email, subject)
    page.goto(server.url(tenant.slug, "/"))
    assert page.url.startswith(server.url(tenant.slug, "/sign-in")), f"the portal did not ask to sign in: {page.url}"
    step("sign-in page")
    form = page.get_by_role("region", name="Email me a sign-in link")
    form.get_by_label("Email address").fill(email)
    form.get_by_role("button", name="Email me a link").click()
    expect_heading(page, "Check your email")
    step("link sent")
    follow_emailed_link(page, server, tenant, email, subject, "/sign-in/link/", step, seen=seen)
    expect_heading(page, f"Continue to {tenant.name}")
    step("continue page")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    if page.get_by_role("heading", name="Choose an account").count():
        step("account picker")
        page.get_by_role("button", name=tenant.account, exact=True).click()
    expect_heading(page, f"Welcome to {tenant.name}")
