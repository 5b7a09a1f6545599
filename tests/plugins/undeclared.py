"""A plugin route that does not say who may open it: start-up must stop (issue 14).

The classes are the other mistakes the start-up check names: a console
route that asks for a customer, and a staff route outside ``/console``.
"""

from __future__ import annotations

from quart import Blueprint

from core import hookimpl
from core.auth.current import login_required
from core.console.access import staff_required

blueprint = Blueprint("undeclared", __name__)


@blueprint.get("/undeclared")
async def index():
    return "anyone could read this"


class CustomerInConsole:
    """A console page guarded as if it were a portal page."""

    blueprint = Blueprint("console_undeclared", __name__, url_prefix="/console/undeclared")

    @hookimpl
    def porchside_blueprints(self):
        return [self.blueprint]


@CustomerInConsole.blueprint.get("/")
@login_required
async def console_index():
    return "customers in the console"


@hookimpl
def porchside_blueprints():
    return [blueprint]


class StaffOutsideConsole:
    """A staff page outside /console, where the staff cookie never arrives."""

    blueprint = Blueprint("undeclared_staff", __name__)

    @hookimpl
    def porchside_blueprints(self):
        return [self.blueprint]


@StaffOutsideConsole.blueprint.get("/team-notes")
@staff_required("back_office")
async def team_notes():
    return "staff only, in theory"
