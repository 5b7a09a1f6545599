"""The console's page building blocks, from one stable place for core and plugins.

::

    from core.console.pages import Column, Field, Filter, FormPage, ListPage, PricedLines, console_blueprint

* :class:`ListPage` (with :class:`Column`, :class:`Filter`, and the
  ready-made columns :func:`number_column`, :func:`customer_column`,
  :func:`status_column`): a list with
  filters, whitelisted sorts, pagination, an empty state and a CSV export
  (:mod:`core.console.lists`);
* :class:`FormPage` (with :class:`Field`): a form with validation messages,
  CSRF and an audit entry (:mod:`core.console.forms`);
* :class:`PricedLines`: lines with a description, quantity and unit price
  (a job's charges, an invoice's or a quote's lines) added, edited and
  removed, the owner's totals recomputed and each change audited
  (:mod:`core.console.priced_lines`);
* :func:`console_blueprint`: a plugin's console blueprint, loading the
  signed-in staff member like core's console areas do.

docs/plugins.md ("Console pages") shows them in use.
"""

from __future__ import annotations

from quart import Blueprint

from core.console.access import load_staff, staff_required, write_staff_cookie
from core.console.forms import Field, FormPage, FormRefused, actor, object_or_404, with_done
from core.console.priced_lines import PricedLines
from core.console.lists import Column, Filter, ListPage, ListState, customer_column, iso, number_column, status_column
from core.console.shell import notice, render_console

__all__ = [
    "Column", "Field", "Filter", "FormPage", "FormRefused", "ListPage", "ListState", "PricedLines",
    "actor", "console_blueprint", "customer_column", "iso", "notice", "number_column", "status_column", "object_or_404", "render_console", "staff_required", "with_done",
]


def console_blueprint(name: str, import_name: str, url_prefix: str) -> Blueprint:
    """A plugin's console blueprint: name it ``console_<plugin>`` and put it under ``/console/``.

    It stays open while the tenant's portal is switched off, and loads the
    signed-in staff member before each request (``g.staff``); guard each
    view with ``@staff_required(permission)``.
    """
    if not name.startswith("console_"):
        raise ValueError(f"console blueprint {name!r}: name it console_<plugin>")
    blueprint = Blueprint(name, import_name, url_prefix=url_prefix)
    blueprint.portal_section = None  # type: ignore[attr-defined]
    blueprint.before_request(load_staff)
    blueprint.after_request(write_staff_cookie)
    return blueprint
