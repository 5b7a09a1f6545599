"""The ``console`` blueprint: ``/console`` on every tenant host, one nested blueprint per area.

Its ``before_request`` loads the signed-in staff member (``g.staff``) and
its ``after_request`` writes the ``ps_staff`` cookie, for every area alike.
Endpoints read ``console.<area>.<view>``. The app lets ``console*``
blueprints through while the tenant's portal is switched off, and the
``portal_section = None`` below keeps "Included in portal" switches away
from them. A new area (customers, jobs, notifications...) is a module with
its own ``blueprint``, added to :data:`AREAS`.
"""

from __future__ import annotations

from quart import Blueprint

from core.web.languages import choose_language
from core.console import access, auth, branding, business, home, invite_editor, plugins, settings, staff
from core.console import accounts, invoices, jobs, notes, payments, visits
from core.console import api_clients, audit_log, customers, failed_emails, imports, invites, notifications, view_as, webhooks

AREAS = (auth, home, settings, branding, invite_editor, staff, plugins, business)
BACK_OFFICE = (accounts, jobs, visits, notes, invoices, payments)
PEOPLE = (customers, invites, imports, view_as, notifications, audit_log, failed_emails, api_clients, webhooks)

blueprint = Blueprint("console", __name__, url_prefix="/console")
blueprint.portal_section = None  # type: ignore[attr-defined]
blueprint.before_request(access.load_staff)
blueprint.before_request(choose_language)  # the staff member's own language
blueprint.after_request(access.write_staff_cookie)
for area in AREAS + BACK_OFFICE + PEOPLE:
    blueprint.register_blueprint(area.blueprint)
