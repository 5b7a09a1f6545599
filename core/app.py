"""The Quart app factory.

One app serves every tenant: a ``before_request`` step resolves the Host
header to a tenant (or the platform page, or 404), makes it current for the
request, and refuses routes that do not belong to that kind of host.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterable

from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader
from quart import Quart, g, redirect, request
from quart.typing import ResponseReturnValue

from core.config import Settings
from core.db import close_database, open_database, tortoise_config
from core.plugins import CORE, PluginHost
from core.services import Services
from core.web import errors, security
from core.web.platform import platform_page
from core.web.rendering import install_template_globals
from tenants.context import set_tenant
from tenants.models import Tenant

log = logging.getLogger("porchside.app")
HERE = Path(__file__).parent

ALWAYS_ALLOWED = {"static", "plugin_static", "health"}


def create_app(
    settings: Settings | None = None,
    *,
    plugins: Iterable[tuple[str, object]] = (),
    allowed_plugins: Iterable[str] | None = None,
    load_entry_points: bool | None = None,
) -> Quart:
    """Build an app.

    :param settings: defaults to :meth:`Settings.from_env`.
    :param plugins: extra ``(name, plugin)`` pairs registered directly.
    :param allowed_plugins: entry-point plugins to load (default: the
        ``PORCHSIDE_PLUGINS`` setting, or all installed).
    :param load_entry_points: look at installed plugin packages (default:
        the setting).
    """
    settings = settings or Settings.from_env()
    host = PluginHost().load(
        allowed=allowed_plugins if allowed_plugins is not None else settings.plugins,
        extra=plugins,
        load_entry_points=settings.load_entry_points if load_entry_points is None else load_entry_points,
    )
    services = Services.build(settings, host)

    app = Quart(
        "porchside",
        template_folder=str(HERE / "templates"),
        static_folder=str(HERE / "static"),
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=25 * 1024 * 1024,
        TEMPLATES_AUTO_RELOAD=settings.debug,
    )
    app.extensions["porchside"] = services
    _install_templates(app, host)
    install_template_globals(app)
    security.install(app)
    errors.install(app)

    db_config = tortoise_config(settings, host.model_apps())
    app.extensions["porchside.db_config"] = db_config

    @app.before_serving
    async def _start() -> None:
        await open_database(db_config)
        await host.call("porchside_startup", frozenset(host.plugin_names()), app=app)
        log.info("porchside started with plugins: %s", ", ".join(host.plugin_names()) or "none")

    @app.after_serving
    async def _stop() -> None:
        await services.close()
        await close_database()

    app.before_request(_resolve_tenant)
    _register_blueprints(app, host)
    return app


def _install_templates(app: Quart, host: PluginHost) -> None:
    core_loader = FileSystemLoader(str(HERE / "templates"))
    plugin_loaders = [FileSystemLoader(d.record) for d in host.declared.template_dirs]
    app.jinja_loader = ChoiceLoader([*plugin_loaders, core_loader, PrefixLoader({"core": core_loader}, delimiter=":")])


def _register_blueprints(app: Quart, host: PluginHost) -> None:
    from core.web.health import blueprint as health_bp
    from core.web.plugin_static import make_blueprint as plugin_static_bp
    from core.portal import blueprint as portal_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(portal_bp)
    app.register_blueprint(plugin_static_bp(host))
    for declared in host.declared.blueprints:
        app.register_blueprint(declared.record)


async def _resolve_tenant() -> ResponseReturnValue | None:
    """Find the tenant of the Host header and make it current (see module doc)."""
    from core.services import current_services
    from core.plugin_state import enabled_plugins

    services = current_services()
    g.tenant = None
    g.enabled_plugins = frozenset()
    set_tenant(None)
    blueprint = request.blueprint or ""
    endpoint = request.endpoint or ""
    if endpoint in ALWAYS_ALLOWED or blueprint in ALWAYS_ALLOWED:
        return None

    resolution = await services.resolver.resolve(request.headers.get("Host"))
    if resolution.kind == "invalid":
        return await errors.render_error(400, "bad_host", "This address is not valid.")
    if resolution.kind == "platform":
        # The bare base domain shares the URL map with tenants, so its one
        # page is answered here rather than by a route.
        if request.path == "/" and request.method in ("GET", "HEAD"):
            return await platform_page()
        return await errors.render_error(404, "not_found", "There is no page at this address.")
    if resolution.kind == "unknown":
        return await errors.render_error(404, "unknown_host", "No business uses this address.")

    tenant = await Tenant.get_or_none(id=resolution.tenant_id)
    if tenant is None or not tenant.is_active:
        return await errors.render_error(404, "unknown_host", "No business uses this address.")
    if resolution.kind == "redirect":
        target = await services.resolver.primary_host(tenant)
        url = request.url.replace(f"//{request.host}", f"//{target}{_port_suffix(request.host)}", 1)
        return redirect(url, 301)

    set_tenant(tenant)
    g.tenant = tenant
    g.enabled_plugins = await enabled_plugins(services.plugins, services.cache)
    owner = services.plugins.plugin_of_blueprint(blueprint)
    if owner is not None and owner != CORE and owner not in g.enabled_plugins:
        return await errors.render_error(404, "not_found", "There is no page at this address.")
    if not tenant.portal_enabled and not getattr(request.url_rule, "host_open_when_portal_off", False):
        if not blueprint.startswith("console"):
            return await errors.render_portal_off(tenant)
    return None


def _port_suffix(host_header: str) -> str:
    if host_header.startswith("[") or ":" not in host_header:
        return ""
    return ":" + host_header.rsplit(":", 1)[1]
