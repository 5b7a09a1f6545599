"""What the open-requests half of the marketing plugin adds to core's pages (M3, M4).

* its tables, as the Tortoise app ``marketing_requests``;
* the **Open requests** tab of Work history (``porchside_work_tabs``), with
  the number of open requests as its badge;
* a **Request service** card on the portal's home page while requests are open;
* the console's **Service requests** entry;
* the portal and console routes, the staff notification of a new request
  (``porchside_event``), demo requests;
* the marketing and booking links in the portal's top bar, and their
  settings (:mod:`plugins.marketing.requests.links`).
"""

from __future__ import annotations

from core.i18n import lazy_gettext, ngettext
from core.portal.context import Portal
from core.records import ConsoleLink, HomeCard, ModelApp, WorkTab
from plugins.marketing.requests.console import blueprint as console_blueprint
from plugins.marketing.requests.demo import seed_demo
from plugins.marketing.requests.links import HEADER_LINKS, SETTINGS_FIELDS
from plugins.marketing.requests.portal import TAB_ID
from plugins.marketing.requests.portal import blueprint as portal_blueprint
from plugins.marketing.requests.service import handle_event, open_count

__all__ = [
    "BLUEPRINTS", "CONSOLE_LINKS", "HEADER_LINKS", "HOME_CARDS", "MODEL_APPS", "SETTINGS_FIELDS", "WORK_TABS",
    "handle_event", "seed_demo",
]


async def open_requests(portal: Portal) -> int:
    return await open_count(portal.account.id)


async def request_card(portal: Portal) -> str | None:
    """While requests wait for the business: how many, with the way to ask for more.

    A home page with nothing waiting keeps to core's cards; "Request service"
    is always on the Open requests tab of Work history.
    """
    count = await open_count(portal.account.id)
    if not count:
        return None
    return ngettext(
        "You have %(num)d open request. Need something else done? Tell %(business)s.",
        "You have %(num)d open requests. Need something else done? Tell %(business)s.",
        count, business=portal.tenant.name,
    )


MODEL_APPS = [
    ModelApp(label="marketing_requests", modules=("plugins.marketing.requests.models",), migrations="plugins.marketing.requests.migrations")
]
WORK_TABS = [WorkTab(id=TAB_ID, label=lazy_gettext("Open requests"), endpoint="marketing_requests.list", order=10, count=open_requests)]
HOME_CARDS = [
    HomeCard(
        id="marketing_request_service", title=lazy_gettext("Request service"), summary=request_card, endpoint="marketing_requests.new",
        link_label=lazy_gettext("Request service"), order=30, section="work_history",
    )
]
CONSOLE_LINKS = [
    ConsoleLink(id="marketing_requests", label=lazy_gettext("Service requests"), endpoint="console_marketing_requests.index", order=22, permission="back_office", group="work")
]
BLUEPRINTS = [portal_blueprint, console_blueprint]
