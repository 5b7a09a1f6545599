"""Core's own navigation tabs, declared through the same hook as plugins'.

Orders leave room between core's pages: Home 0, Work history 10, Service
history 20, Invoices 30, Payments 40, Statement 50, Documents 60,
Contact us 90. A tab with a ``section`` disappears when the tenant leaves
that section out of the portal.
"""

from __future__ import annotations

from core.hookspecs import hookimpl
from core.i18n import lazy_gettext
from core.portal.access import billing_visible, payments_visible
from core.records import NavTab


@hookimpl(trylast=True)
def porchside_nav_tabs():
    return [
        NavTab(id="home", label=lazy_gettext("Home"), endpoint="portal.home", order=0, icon="home"),
        NavTab(id="work_history", label=lazy_gettext("Work history"), endpoint="work.list", order=10, section="work_history", icon="briefcase"),
        NavTab(id="service_history", label=lazy_gettext("Service history"), endpoint="service.history", order=20, section="service_history", icon="clipboard"),
        NavTab(id="invoices", label=lazy_gettext("Invoices"), endpoint="invoices.list", order=30, section="invoices", is_shown=billing_visible, icon="receipt"),
        NavTab(id="payments", label=lazy_gettext("Payments"), endpoint="payments.list", order=40, section="payments", is_shown=payments_visible, icon="card"),
        NavTab(id="statement", label=lazy_gettext("Statement"), endpoint="invoices.statement", order=50, section="statement", is_shown=billing_visible, icon="ledger"),
        NavTab(id="documents", label=lazy_gettext("Documents"), endpoint="documents.list", order=60, section="documents", icon="file"),
        NavTab(id="contact", label=lazy_gettext("Contact us"), endpoint="portal.contact", order=90, icon="phone"),
    ]
