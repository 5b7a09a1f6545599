"""Plugins' routes are closed unless they say otherwise (issue 14).

Every route of a blueprint a plugin contributes must declare who may open
it (:mod:`core.route_access`): a signed-in customer (``login_required``),
a staff member with a console permission (``staff_required("perm")``), or
anyone (``@public``). :func:`install` walks the app's URL map once the
blueprints are registered and stops start-up, naming the plugin and the
endpoint, when a route declares nothing or something that cannot work: a
customer route under ``/console``, or a staff route outside it (the staff
cookie is only sent to ``/console``). A blueprint's own static files stay
public.

The decorators enforce the mark themselves; as defence in depth the same
mark is checked again before each request of a plugin blueprint, so a
decorator that is wrapped away or forgotten on a blueprint-level
declaration still closes the route.
"""

from __future__ import annotations

from typing import Any, Callable

from quart import Quart, current_app, g, redirect, request, url_for
from quart.typing import ResponseReturnValue

from core.i18n import lazy_gettext
from core.plugins import CORE, PluginError, PluginHost
from core.route_access import CUSTOMER, PUBLIC, STAFF_PREFIX, access_of
from core.web.errors import render_error

CONSOLE_PREFIX = "/console"
HOW = (
    "mark the view @login_required (a signed-in customer, from core.auth.current), "
    "@staff_required(\"<permission>\") (a staff member, from core.console.access; console routes only) "
    "or @public (anyone, from core import public)"
)


def is_console_path(path: str) -> bool:
    return path == CONSOLE_PREFIX or path.startswith(CONSOLE_PREFIX + "/")


def declared_access(app: Quart, endpoint: str) -> str | None:
    """The view's mark, else the nearest blueprint's (innermost first); None when nothing says."""
    found = access_of(app.view_functions.get(endpoint))
    blueprint = endpoint.rpartition(".")[0]
    while found is None and blueprint:
        found = access_of(app.blueprints.get(blueprint))
        blueprint = blueprint.rpartition(".")[0]
    return found


def _is_static(app: Quart, endpoint: str) -> bool:
    blueprint, _, name = endpoint.rpartition(".")
    bp = app.blueprints.get(blueprint)
    return name == "static" and bp is not None and bp.has_static_folder


def check(app: Quart, host: PluginHost) -> set[str]:
    """Refuse plugin routes without a workable declaration (see module doc).

    :return: the names of the plugin blueprints that own routes.
    :raises PluginError: naming the plugin, the endpoint and the fix.
    """
    from core.console.access import PERMISSIONS  # the console imports the plugin host

    owners: set[str] = set()
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.rpartition(".")[0]
        plugin = host.plugin_of_blueprint(blueprint) if blueprint else None
        if plugin is None or plugin == CORE or _is_static(app, rule.endpoint):
            continue
        owners.add(blueprint)
        where = f"plugin {plugin!r}: route {rule.endpoint!r} ({rule.rule})"
        access = declared_access(app, rule.endpoint)
        console = is_console_path(rule.rule)
        if access is None:
            raise PluginError(f"{where} does not say who may open it; {HOW}")
        if access == PUBLIC:
            continue
        if access == CUSTOMER:
            if console:
                raise PluginError(f"{where} is a console route but asks for a signed-in customer; use @staff_required(\"<permission>\") or @public")
            continue
        if access.startswith(STAFF_PREFIX):
            permission = access[len(STAFF_PREFIX):]
            if permission not in PERMISSIONS:
                raise PluginError(f"{where} needs permission {permission!r}, which does not exist; use one of {', '.join(PERMISSIONS)}")
            if not console:
                raise PluginError(f"{where} needs staff but is not under {CONSOLE_PREFIX}/, the only path the staff session cookie is sent to")
            continue
        raise PluginError(f"{where} declares access {access!r}, which means nothing; {HOW}")
    return owners


def install(app: Quart, host: PluginHost) -> None:
    """Check the plugin routes now and guard each request of a plugin blueprint."""
    for name in check(app, host):
        # Appended after the blueprint's own steps, so load_staff has run.
        app.before_request_funcs.setdefault(name, []).append(_guard(name))


def _guard(blueprint: str) -> Callable[[], Any]:
    async def guard() -> ResponseReturnValue | None:
        # Steps of an enclosing blueprint also run for a nested one's routes; each checks only its own.
        if request.blueprint != blueprint or request.endpoint is None:
            return None
        return await refusal(declared_access(current_app, request.endpoint))

    guard.__name__ = f"plugin_route_guard_{blueprint}"
    return guard


async def refusal(access: str | None) -> ResponseReturnValue | None:
    """The answer to a visitor ``access`` does not admit, or None to let the view run."""
    if access == PUBLIC:
        return None
    if access == CUSTOMER:
        portal = g.get("portal")
        if portal is None or portal.email is None:
            return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
        return None
    if access is not None and access.startswith(STAFF_PREFIX):
        from core.console.access import can, load_staff

        if "staff" not in g:  # a plugin console blueprint that does not load its staff itself
            await load_staff()
        if g.get("staff") is None:
            return redirect(url_for("console.auth.sign_in", next=request.full_path.rstrip("?")))
        if not can(access[len(STAFF_PREFIX):]):
            return await render_error(403, "forbidden", lazy_gettext("Your role does not allow this. Ask an owner of the business."))
        return None
    # Unreachable after check(); refuse rather than guess.
    return await render_error(403, "forbidden", lazy_gettext("You are not allowed to do that."))
