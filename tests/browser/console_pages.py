"""The staff console's pages the browser suite walks (issue 18: axe on every page).

Like :mod:`tests.browser.portal_pages`, each page is reached by a fixed
path or by the first matching link on another page, as Sunny Pools' owner
(every built-in plugin is on there). ``test_every_console_route_is_walked``
fails for a GET route of core's console or a built-in plugin's console
that is in neither :data:`CONSOLE_PAGES` nor :data:`OTHER_CONSOLE_ROUTES`.
"""

from __future__ import annotations

from tests.browser.portal_pages import DEMO_TENANTS, ID, PortalPage, first_link

OWNER = "maria@sunny-pools.example"
SUNNY = DEMO_TENANTS[0]

CONSOLE_PAGES: tuple[PortalPage, ...] = (
    PortalPage("console-sign-in", "console.auth.sign_in", r"^Staff sign-in$", path="/console/sign-in", signed_in=False),
    PortalPage("console-forgot", "console.auth.forgot_password", r"^Reset your password$", path="/console/forgot-password", signed_in=False),
    PortalPage("console-home", "console.home.index", r"^Hello, ", path="/console/"),
    # Customers
    PortalPage("console-customers", "console.customers.index", r"^Customers$", path="/console/customers/"),
    PortalPage("console-customer", "console.customers.detail", r".", found_on="/console/customers/", link=rf"^/console/customers/{ID}$"),
    PortalPage("console-account-new", "console.accounts.new", r".", path="/console/accounts/new"),
    PortalPage("console-account-edit", "console.accounts.edit", r".", found_on="console-customer", link=rf"^/console/accounts/{ID}/edit$"),
    PortalPage("console-contacts", "console.accounts.contacts", r".", found_on="console-account-edit", link=rf"^/console/accounts/{ID}/contacts$"),
    PortalPage("console-contact-edit", "console.accounts.edit_contact", r".", found_on="console-contacts",
               link=rf"^/console/accounts/{ID}/contacts/{ID}/edit$"),
    PortalPage("console-import", "console.imports.upload", r".", path="/console/customers/import/"),
    PortalPage("console-invites", "console.invites.index", r"^Invite history$", path="/console/customers/invites/"),
    PortalPage("console-invite-confirm", "console.invites.confirm", r".", found_on="console-customer",
               link=r"^/console/customers/invites/new\?"),
    PortalPage("console-messages", "console_marketing.index", r"^Messages$", path="/console/messages/"),
    PortalPage("console-message-new", "console_marketing.new", r".", path="/console/messages/new"),
    PortalPage("console-thread", "console_marketing.thread", r"^Messages with ", found_on="/console/messages/",
               link=rf"^/console/messages/{ID}$"),
    # Work
    PortalPage("console-jobs", "console.jobs.index", r"^Jobs$", path="/console/jobs/"),
    PortalPage("console-job-new", "console.jobs.new", r".", path="/console/jobs/new"),
    PortalPage("console-job", "console.jobs.detail", r".", found_on="/console/jobs/", link=rf"^/console/jobs/{ID}$"),
    PortalPage("console-job-edit", "console.jobs.edit", r".", found_on="console-job", link=rf"^/console/jobs/{ID}/edit$"),
    PortalPage("console-visit-new", "console.visits.new", r".", found_on="console-job", link=rf"^/console/jobs/{ID}/visits/new$"),
    PortalPage("console-thread-job", "console.jobs.detail", r".", found_on="console-thread", link=rf"^/console/jobs/{ID}$"),
    PortalPage("console-job-messages", "console_marketing.for_job", r".", found_on="console-thread-job",
               link=rf"^/console/messages/jobs/{ID}$"),
    PortalPage("console-requests", "console_marketing_requests.index", r"^Service requests$", path="/console/requests/"),
    PortalPage("console-request", "console_marketing_requests.detail", r".", found_on="/console/requests/",
               link=rf"^/console/requests/{ID}$"),
    PortalPage("console-quotes", "console_quotes.index", r"^Quotes$", path="/console/quotes/"),
    PortalPage("console-quote-new", "console_quotes.new", r".", path="/console/quotes/new"),
    PortalPage("console-quote", "console_quotes.detail", r".", found_on="/console/quotes/", link=rf"^/console/quotes/{ID}$"),
    # Billing
    PortalPage("console-invoices", "console.invoices.index", r"^Invoices$", path="/console/invoices/"),
    PortalPage("console-invoice", "console.invoices.detail", r".", found_on="/console/invoices/", link=rf"^/console/invoices/{ID}$"),
    PortalPage("console-card-payments", "console_payments.index", r"^Card payments$", path="/console/card-payments/"),
    PortalPage("console-disputes", "console_payments.disputes", r".", path="/console/card-payments/disputes"),
    # Notifications and settings
    PortalPage("console-notifications", "console.notifications.index", r"^Notifications$", path="/console/notifications/"),
    PortalPage("console-notification-preferences", "console.notifications.preferences", r".", path="/console/notifications/preferences"),
    PortalPage("console-business", "console.business.edit", r"^Business$", path="/console/settings/business"),
    PortalPage("console-your-account", "console.business.account", r"^Your account$", path="/console/account"),
    PortalPage("console-portal-settings", "console.settings.portal", r"^Customer portal$", path="/console/settings/portal"),
    PortalPage("console-invite-email", "console.invite_email.edit", r"^Invite email$", path="/console/settings/invite-email/"),
    PortalPage("console-branding", "console.branding.edit", r"^Branding$", path="/console/settings/branding/"),
    PortalPage("console-plugins", "console.plugins.index", r"^Plugins$", path="/console/plugins/"),
    PortalPage("console-plugin-settings", "console.plugins.settings", r"settings$", path="/console/plugins/payments/settings"),
    PortalPage("console-staff", "console.staff.index", r"^Staff$", path="/console/staff/"),
    PortalPage("console-failed-emails", "console.emails.failed", r".", path="/console/emails/failed"),
    PortalPage("console-stripe", "console_payments_connect.index", r".", path="/console/payments/connection/"),
    PortalPage("console-api-clients", "console.api_clients.index", r"^API clients$", path="/console/api-clients/"),
    PortalPage("console-api-client-new", "console.api_clients.new", r".", path="/console/api-clients/new"),
    PortalPage("console-webhooks", "console.webhooks.index", r"^Webhooks$", path="/console/webhooks/"),
    PortalPage("console-audit", "console.audit.index", r"^Audit log$", path="/console/audit/"),
)

# Console GET routes not walked above, and where they are covered.
OTHER_CONSOLE_ROUTES: dict[str, str] = {
    "console.auth.accept_invite": "an emailed staff invitation; tests/test_console_staff.py",
    "console.auth.reset_password": "test_console_setup follows the emailed link and checks the page",
    "console.api_clients.confirm_revoke": "test_api_clients_browser creates a client and walks it",
    "console.api_clients.confirm_rotate": "test_api_clients_browser creates a client and walks it",
    "console.api_clients.secret": "shown once after creating a client; test_api_clients_browser",
    "console.audit.export": "CSV download; tests/test_console_audit.py",
    "console_payments.attempt_detail": "a card payment attempt (none until test_payments_browser pays); plugins/payments/tests/test_console.py",
    "console_payments.payment_detail": "a card payment (none until test_payments_browser pays); plugins/payments/tests/test_console.py",
    "console.imports.preview": "after an upload; test_console_bulk_invite walks it",
    "console.imports.problems": "CSV download; tests/test_console_import.py",
    "console.invites.batch": "after sending invites; test_console_bulk_invite walks it",
    "console.invites.progress": "JSON polled by the batch page; tests/test_console_invites.py",
    "console.notes.download": "a file download",
    "console.notes.thumbnail": "an image",
    "console.jobs.edit_charge": "a job's charge (the demo's first job has none to edit); tests/test_console_jobs.py",
    "console.visits.edit": "a visit's form (not linked from the demo's first job)",
    "console.invoices.edit_line": "a draft invoice's line (the demo's invoices are issued); tests/test_console_invoices.py",
    "console.invoices.pdf": "PDF download; tests/test_console_invoices.py",
    "console_quotes.edit_line": "a draft quote's line; plugins/quotes/tests/test_console.py",
    "console_quotes.revision_pdf": "PDF download; plugins/quotes/tests/test_console.py",
    "console_marketing.stream": "event stream of a thread; test_marketing_live.py",
    "console_marketing.file": "a message's picture; plugins/marketing/tests",
    "console_marketing_requests.photo": "a request's photo; plugins/marketing/tests",
    "console.notifications.open": "marks read and redirects; tests/test_notifications.py",
    "console.invite_email.saved_preview": "the invite email shown in the editor's frame; test_console_setup",
    "console.webhooks.detail": "a webhook subscription (the demo has none); tests/test_webhooks.py",
}


class ConsoleWalk:
    """Addresses of the console's pages, following links as staff would (cached for the module)."""

    def __init__(self, portal_browser) -> None:
        self.browser = portal_browser
        self.context = portal_browser.console_context(SUNNY, OWNER)
        self.paths: dict[str, str] = {}

    def path_of(self, page: PortalPage) -> str:
        if page.path is not None:
            return page.path
        if page.name not in self.paths:
            where = page.found_on
            if not where.startswith("/"):
                where = self.path_of(next(p for p in CONSOLE_PAGES if p.name == page.found_on))
            tab, _ = self.browser.tab(self.context)
            tab.goto(self.browser.server.url(SUNNY.slug, where))
            self.paths[page.name] = first_link(tab, page.link, page.link_text)
        return self.paths[page.name]
