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
from quart import current_app, Quart, g, redirect, request
from quart.globals import _cv_request
from quart.routing import QuartRule
from quart.sessions import SecureCookieSessionInterface
from quart.typing import ResponseReturnValue
from werkzeug.exceptions import BadHost
from werkzeug.routing.rules import _part_re, parse_converter_args

from core.api.blueprint import install as install_api
from core.auth.current import load_customer, write_session_cookie
from core.console.view_as import refuse_writes_while_viewing
from core.config import Settings
from core.db import open_database, release_database, tortoise_config
from core.plugins import CORE, PluginHost
from core.services import Services
from core import i18n_pseudo
from core.web import errors, input_guard, languages, plugin_routes, request_log, security
from core.web.long_lived import guard_long_lived
from core.web.platform import platform_page
from core.web.rendering import install_template_globals
from tenants.context import set_tenant

log = logging.getLogger("porchside.app")
HERE = Path(__file__).parent

ALWAYS_ALLOWED = {"static", "plugin_static", "health", "domain_check", "metrics"}
# Answered on an old (redirecting) address too: the page confirming a new web
# address is served on the old host, and its CSP ('self') blocks a stylesheet
# or an icon redirected to the new one.
SERVED_ON_OLD_ADDRESSES = {"portal.brand_css", "portal.logo", "portal.favicon"}


class _LazyBuildRule(QuartRule):
    """A route whose URL builders are generated on first use instead of when the route is added.

    Werkzeug writes and compiles Python code for two builders per rule as it
    is added (``Rule.compile``): about 85 % of :func:`create_app`'s time for
    our ~240 routes, paid by every server process and by nearly every test,
    while most routes are never built into a URL in a given process.
    Matching is untouched; ``url_for`` gives the same URLs.
    """

    def _compile_builder(self, append_unknown: bool = True):
        compiled = None

        def build(*args, **kwargs):
            nonlocal compiled
            if compiled is None:
                compiled = QuartRule._compile_builder(self, append_unknown)
            return compiled(*args, **kwargs)

        return build

    def _parse_rule(self, rule: str):
        """Werkzeug's parse of ``rule``, made once per process for each rule text.

        Parsing the rule texts took about a third of :func:`create_app`'s
        time, again for every app of the process (each test makes one).
        The parts (regular expressions and weights) depend only on the text
        and on the converter classes, so they are kept; the converters
        themselves are made new for this rule and its map, as Werkzeug does.
        """
        key = (rule, tuple(self.map.converters.items()))
        parsed = _PARSED_RULES.get(key)
        if parsed is None:
            trace_from = len(self._trace)
            parts = list(QuartRule._parse_rule(self, rule))
            variables = [
                (match["variable"], match["converter"] or "default", parse_converter_args(match["arguments"] or ""))
                for match in _part_re.finditer(rule)
                if match["variable"] is not None
            ]
            _PARSED_RULES[key] = (parts, self._trace[trace_from:], variables)
            return parts
        parts, trace, variables = parsed
        self._trace.extend(trace)
        for variable, converter, (args, kwargs) in variables:
            self._converters[variable] = self.get_converter(variable, converter, args, kwargs)
            self.arguments.add(variable)
        return parts


# (rule text, converter classes) -> (parts, trace, variables): see _LazyBuildRule._parse_rule.
_PARSED_RULES: dict = {}


class _CookieSessionInterface(SecureCookieSessionInterface):
    """Quart's cookie session with its signing serializer made once per secret key.

    Porchside keeps its sessions server-side (:mod:`core.auth.sessions`), but
    Quart still opens and saves its own cookie session on every request, and
    building the serializer each time (``itsdangerous`` signers) cost about
    1 % of a page's CPU. The serializer holds no per-request state.
    """

    def get_signing_serializer(self, app):  # type: ignore[override]
        keys = (tuple(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)
        cached = getattr(self, "_serializer", None)
        if cached is None or cached[0] != keys:
            cached = self._serializer = (keys, super().get_signing_serializer(app))
        return cached[1]


class _PorchsideQuart(Quart):
    """Quart whose routing survives a Host header Werkzeug cannot IDNA-encode.

    Werkzeug raises BadHost for such a name (an empty or over-long label)
    while building the request, before any handler runs, which ends in a
    500. Bound to a placeholder name instead, the request reaches
    :func:`_resolve_tenant`, which answers 400 ``bad_host``.
    URL builders are made on first use (:class:`_LazyBuildRule`), and the
    cookie session's serializer once (:class:`_CookieSessionInterface`).
    """

    url_rule_class = _LazyBuildRule

    # Links built in requests with no values or a static file's name, by what the
    # URL depends on (see url_for); bounded, as file names come from templates.
    _URL_MEMO_SIZE = 4096

    def url_for(self, endpoint: str, *, _anchor=None, _external=None, _method=None, _scheme=None, **values):  # type: ignore[override]
        """Quart's ``url_for``, remembering the links a page builds over and over.

        A page builds some thirty links (the header's tabs, its icons'
        ``static`` sprite, the stylesheets), most with no values: werkzeug
        built each one on every request. Built in a request with no values,
        or with only a static file's ``filename``, no URL defaults and no
        other option, the URL depends only on the endpoint, that name and the
        request's URL adapter (root path, subdomain, server name, scheme,
        method), so it is kept under those.
        """
        if (
            _anchor is None and _external is None and _method is None and _scheme is None
            and not endpoint.startswith(".")
            and (not values or (len(values) == 1 and type(values.get("filename")) is str))
            and not any(self.url_default_functions.values())
        ):
            context = _cv_request.get(None)
            adapter = context.url_adapter if context is not None else None
            if adapter is not None:
                key = (endpoint, values.get("filename"), adapter.script_name, adapter.subdomain,
                       adapter.server_name, adapter.url_scheme, adapter.default_method)
                memo = self.__dict__.setdefault("_url_memo", {})
                url = memo.get(key)
                if url is None:
                    url = super().url_for(endpoint, **values)
                    if len(memo) < self._URL_MEMO_SIZE:
                        memo[key] = url
                return url
        return super().url_for(endpoint, _anchor=_anchor, _external=_external, _method=_method, _scheme=_scheme, **values)

    def create_url_adapter(self, request):  # type: ignore[override]
        try:
            return super().create_url_adapter(request)
        except BadHost:
            return self.url_map.bind(
                "invalid",
                request.root_path,
                url_scheme=request.scheme,
                default_method=request.method,
                path_info=request.path,
                query_args=request.query_string.decode("latin-1"),
            )


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

    app = _PorchsideQuart(
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
    app.session_interface = _CookieSessionInterface()
    _install_templates(app, host)
    install_template_globals(app)
    # Characters no route may receive are refused before anything reads them.
    app.before_request(input_guard.check_request)
    # Then the host: a request for an unknown host is a 404, whatever it posts.
    app.before_request(_resolve_tenant)
    security.install(app)
    errors.install(app)
    # Request id, one log line and the metrics of every request (first in, last out).
    request_log.install(app)

    db_config = tortoise_config(settings, host.model_apps())
    app.extensions["porchside.db_config"] = db_config

    @app.before_serving
    async def _start() -> None:
        await open_database(db_config)
        await host.call("porchside_startup", frozenset(host.plugin_names()), app=app)
        # The in-process queue has no other worker, so it always runs here.
        if settings.run_worker_in_app or settings.embedded:
            await services.queue.start_worker()
        if settings.dev_outbox:
            log.warning("dev outbox is on: emails are not sent and anyone reaching a portal can read its emails at /_dev/outbox")
        log.info("porchside started with plugins: %s", ", ".join(host.plugin_names()) or "none")

    @app.after_serving
    async def _stop() -> None:
        await services.queue.stop_worker()
        await services.close()
        await release_database(db_config)

    app.before_request(load_customer)
    app.before_request(refuse_writes_while_viewing)
    # The reader's language (console pages again once their staff member is loaded).
    languages.install(app)
    i18n_pseudo.enable(settings.pseudo_language)
    app.after_request(write_session_cookie)
    # Event streams re-check their session and end when it is revoked.
    app.after_request(guard_long_lived)
    _register_blueprints(app, host)
    # The integration API: its declared resources are checked here, at start-up.
    install_api(app, host)
    # Plugins' routes are closed unless they say who may open them.
    plugin_routes.install(app, host)
    _drop_flask_context_processors(app)
    return app


def _drop_flask_context_processors(app: Quart) -> None:
    """Remove the context processor every blueprint brings from Flask's scaffold.

    Flask's ``_default_template_ctx_processor`` reads Flask's own context
    variables, which Quart never sets, so it always returns ``{}``; being
    synchronous, Quart ran it in the thread pool on every template rendered
    under a blueprint (twice for a nested one). Quart's own processor (``g``,
    ``request``, ``session``) stays.
    """
    from flask.templating import _default_template_ctx_processor as flask_default

    for processors in app.template_context_processors.values():
        processors[:] = [p for p in processors if p is not flask_default]


def _install_templates(app: Quart, host: PluginHost) -> None:
    core_loader = FileSystemLoader(str(HERE / "templates"))
    plugin_loaders = [FileSystemLoader(d.record) for d in host.declared.template_dirs]
    app.jinja_loader = ChoiceLoader([*plugin_loaders, core_loader, PrefixLoader({"core": core_loader}, delimiter=":")])


def _register_blueprints(app: Quart, host: PluginHost) -> None:
    from core.web.health import blueprint as health_bp
    from core.web.domain_check import blueprint as domain_check_bp
    from core.web.metrics import blueprint as metrics_bp
    from core.web.plugin_static import make_blueprint as plugin_static_bp
    from core.auth.views import blueprint as auth_bp
    from core.portal.views import blueprint as portal_bp
    from core.portal.work import blueprint as work_bp
    from core.portal.service_history import blueprint as service_bp
    from core.portal.documents import blueprint as documents_bp
    from core.portal.invoices import blueprint as invoices_bp
    from core.portal.payments import blueprint as payments_bp
    from core.portal.exports import blueprint as exports_bp
    from core.web.dev_outbox import blueprint as dev_outbox_bp
    from core.console.blueprint import blueprint as console_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(domain_check_bp)
    app.register_blueprint(metrics_bp)
    app.register_blueprint(dev_outbox_bp)
    app.register_blueprint(portal_bp)
    app.register_blueprint(work_bp)
    app.register_blueprint(service_bp)
    app.register_blueprint(documents_bp)
    app.register_blueprint(invoices_bp)
    app.register_blueprint(payments_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(console_bp)
    app.register_blueprint(plugin_static_bp(host))
    for declared in host.declared.blueprints:
        app.register_blueprint(declared.record)


async def _resolve_tenant() -> ResponseReturnValue | None:
    """Find the tenant of the Host header and make it current (see module doc)."""
    from core.services import current_services
    from core.plugin_state import enabled_plugins
    from core.tenant_state import tenant_states

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

    # The row comes from this process's snapshot, checked against one cache key (core.tenant_state).
    snapshot = await tenant_states(services.cache).snapshot(resolution.tenant_id)
    tenant = snapshot.fresh_tenant() if snapshot is not None else None
    if tenant is None or not tenant.is_active:
        return await errors.render_error(404, "unknown_host", "No business uses this address.")
    if resolution.kind == "redirect" and endpoint not in SERVED_ON_OLD_ADDRESSES:
        # An old address: the same page on the tenant's primary host, keeping
        # the scheme and port the visitor used, the path and the query.
        from werkzeug.sansio.utils import get_current_url

        target = await services.resolver.primary_host(tenant)
        port = _port_suffix(request.headers.get("Host", ""))
        url = get_current_url(request.scheme, target + port, request.root_path, request.path)
        if request.query_string:  # as sent: already percent-encoded
            url += "?" + request.query_string.decode("latin-1")
        return redirect(url, 301)

    set_tenant(tenant)
    g.tenant = tenant
    g.enabled_plugins = await enabled_plugins(services.plugins, services.cache)
    owner = services.plugins.plugin_of_blueprint(blueprint)
    if owner is not None and owner != CORE and owner not in g.enabled_plugins:
        return await errors.render_error(404, "not_found", "There is no page at this address.")
    section = _section_of(blueprint, owner)
    if section is not None and not tenant.section_enabled(section):
        # "Included in portal" switched off: the routes go, not just the tab.
        return await errors.render_error(404, "not_found", "There is no page at this address.")
    if not tenant.portal_enabled and not getattr(request.url_rule, "host_open_when_portal_off", False):
        if not blueprint.startswith("console"):
            return await errors.render_portal_off(tenant)
    return None


_UNSET = object()


def _section_of(blueprint_name: str, owner: str | None) -> str | None:
    """The "Included in portal" section a blueprint's routes belong to.

    Core blueprints say so with a ``portal_section`` attribute; a plugin's
    routes follow the section named after the plugin, like its tabs, unless
    the blueprint sets ``portal_section = None`` (console pages, webhooks).
    """
    if not blueprint_name:
        return None
    bp = current_app.blueprints.get(blueprint_name.split(".", 1)[0])
    section = getattr(bp, "portal_section", _UNSET)
    if section is _UNSET:
        return owner if owner is not None and owner != CORE else None
    return section


def _port_suffix(host_header: str) -> str:
    if host_header.startswith("[") or ":" not in host_header:
        return ""
    return ":" + host_header.rsplit(":", 1)[1]
