"""The plugin host: one pluggy manager per app, per-tenant enablement.

Start-up (:meth:`PluginHost.load`) registers core's own implementations and
the allowed plugins, checks every implementation against the contract, and
collects what the declaration hooks return, refusing duplicate ids. At run
time only plugins enabled for the current tenant are asked or shown, and a
plugin that raises is logged by name and left out of that page.
"""

from __future__ import annotations

import difflib
import functools
import importlib
import inspect
import logging
import os
import re
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, entry_points
from importlib.metadata import version as dist_version
from pathlib import Path
from types import FunctionType, MethodType, ModuleType
from typing import Any, Callable, Iterable

import click
import pluggy
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from quart import Blueprint

from core import hookspecs, i18n
from core.api.resources import ApiResource
from core.records import (
    ACTION_TARGETS,
    CONSOLE_ACTION_TARGETS,
    CONSOLE_GROUPS,
    PAGE_SECTION_PAGES,
    SETTING_KINDS,
    Action,
    ConsoleAction,
    ConsoleLink,
    HeaderLink,
    HomeCard,
    JobTab,
    ModelApp,
    NavTab,
    PageSection,
    PluginInfo,
    SettingField,
    StaticDir,
    Task,
    WorkTab,
)

log = logging.getLogger("porchside.plugins")

ENTRY_POINT_GROUP = "porchside"
CORE = "core"
# Core's own hook implementations, registered like any plugin and always on.
CORE_IMPLEMENTATIONS = ("core.portal.tabs", "core.mail.tasks", "core.auth.tasks", "core.console.tasks", "core.console.invite_batches", "core.api.builtin", "core.webhooks.builtin")
HOOK_PREFIX = "porchside_"
STATIC_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


@functools.lru_cache(maxsize=1)
def porchside_version() -> str:
    """The running Porchside's version, as its package says (plugins' ``requires`` is checked against it).

    Read once per process: parsing the package's metadata took 1-2 ms of
    CPU for every app (every test makes one).
    """
    try:
        return dist_version("porchside")
    except PackageNotFoundError:  # a source tree that was never installed
        return "0"


def is_core(name: str) -> bool:
    """Core's modules register as ``core`` and ``core:<module>`` (pluggy wants one name each)."""
    return name == CORE or name.startswith(CORE + ":")


class PluginError(RuntimeError):
    """A plugin cannot be loaded: unknown hook, duplicate id, bad record."""


async def await_me_maybe(value: Any) -> Any:
    """Await ``value`` if it is awaitable (hooks and callbacks may be async)."""
    if inspect.isawaitable(value):
        return await value
    return value


async def run_isolated(plugin: str, what: str, func: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[bool, Any]:
    """Call a plugin's function, sync or async, so that its failure stays its own.

    :return: ``(True, result)``; or ``(False, None)`` after logging the
        exception with the plugin's name, so the caller leaves that part out.
    """
    try:
        return True, await await_me_maybe(func(*args, **kwargs))
    except Exception:
        log.exception("plugin %s failed in %s", plugin, what, extra={"plugin": plugin})
        return False, None


@functools.lru_cache(maxsize=1)
def installed_entry_points() -> tuple:
    """The ``porchside`` entry points of the installed packages, by name, read once per process.

    Reading every package's metadata costs more than building an app's URL
    map; packages are not installed into a running process.
    """
    return tuple(sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: (e.name, e.value)))


@functools.lru_cache(maxsize=None)
def _dist_version(ep) -> str:
    """The version of the package declaring ``ep`` (one of :func:`installed_entry_points`), read once.

    Reading it parses the package's metadata file: 2-3 ms of CPU per plugin,
    for every app (every test makes one).
    """
    return ep.dist.version


@dataclass(frozen=True)
class Declared:
    """A record with the name of the plugin that declared it."""

    plugin: str
    record: Any


@dataclass
class Declarations:
    """Everything the declaration hooks returned, checked, with its plugin."""

    info: dict[str, PluginInfo] = field(default_factory=dict)
    nav_tabs: list[Declared] = field(default_factory=list)
    job_tabs: list[Declared] = field(default_factory=list)
    actions: list[Declared] = field(default_factory=list)
    header_links: list[Declared] = field(default_factory=list)
    home_cards: list[Declared] = field(default_factory=list)
    console_links: list[Declared] = field(default_factory=list)
    console_actions: list[Declared] = field(default_factory=list)
    work_tabs: list[Declared] = field(default_factory=list)
    page_sections: list[Declared] = field(default_factory=list)
    blueprints: list[Declared] = field(default_factory=list)
    template_dirs: list[Declared] = field(default_factory=list)
    translation_dirs: list[Declared] = field(default_factory=list)
    static_dirs: dict[str, Declared] = field(default_factory=dict)
    model_apps: dict[str, Declared] = field(default_factory=dict)
    settings_fields: dict[str, list[SettingField]] = field(default_factory=dict)
    cli_commands: list[Declared] = field(default_factory=list)
    tasks: dict[str, Declared] = field(default_factory=dict)
    api_resources: list[Declared] = field(default_factory=list)
    webhook_event_types: list[Declared] = field(default_factory=list)


_ABSENT = object()
# What pluggy can take as a hook implementation (see pluggy's _static_hook_attr).
_HOOKABLE = (FunctionType, MethodType, staticmethod, classmethod)


class _PluginManager(pluggy.PluginManager):
    """pluggy's manager, skipping at once a plugin module's names that cannot be hooks.

    Registering a module, pluggy looks at every name in it (its imports and
    constants too) with :func:`inspect.getattr_static`, for every app (every
    test makes one). A value in the module's namespace that is no function
    or method is never a hook, so it is refused without that look; the rest
    go to pluggy as before. Loading a :class:`PluginHost` with the built-in
    plugins: about 4.6 ms of CPU before, 3.8 ms after.
    """

    def parse_hookimpl_opts(self, plugin: object, name: str):
        if isinstance(plugin, ModuleType):
            value = plugin.__dict__.get(name, _ABSENT)
            if value is not _ABSENT and not isinstance(value, _HOOKABLE):
                return None
        return super().parse_hookimpl_opts(plugin, name)


class PluginHost:
    """Owns the pluggy manager of one app."""

    def __init__(self) -> None:
        self.pm = _PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.declared = Declarations()
        self._versions: dict[str, str] = {}
        self._blueprint_owner: dict[str, str] = {}
        self._loaded = False

    # -- loading ---------------------------------------------------------

    def register(self, plugin: object, name: str) -> None:
        """Register a plugin under ``name`` before :meth:`load` finishes."""
        if is_core(name):
            raise PluginError(f"plugin name {name!r} is reserved for core")
        self._register(plugin, name)

    def _register(self, plugin: object, name: str) -> None:
        if self._loaded:
            raise PluginError(f"plugin {name!r}: plugins are registered before the app starts")
        if self.pm.has_plugin(name):
            raise PluginError(f"plugin {name!r} is registered twice")
        unmarked = self._unmarked_hooks(plugin)
        if unmarked:
            raise PluginError(
                f"plugin {name!r}: {', '.join(unmarked)} looks like a hook but is not marked; "
                "decorate it with @hookimpl (from core import hookimpl)"
            )
        try:
            self.pm.register(plugin, name=name)
        except ValueError as exc:  # pluggy: the same object under two names
            raise PluginError(f"plugin {name!r}: {exc}") from None
        except pluggy.PluginValidationError as exc:
            raise PluginError(f"plugin {name!r}: {exc}") from None

    def _unmarked_hooks(self, plugin: object) -> list[str]:
        """Functions named like hooks that pluggy would silently ignore."""
        names = []
        for attr in dir(plugin):
            if not attr.startswith(HOOK_PREFIX):
                continue
            value = inspect.getattr_static(plugin, attr, None)
            if callable(value) or isinstance(value, (staticmethod, classmethod)):
                if self.pm.parse_hookimpl_opts(plugin, attr) is None:
                    names.append(attr)
        return names

    def load(
        self,
        allowed: Iterable[str] | None = None,
        extra: Iterable[tuple[str, object]] = (),
        load_entry_points: bool = True,
    ) -> "PluginHost":
        """Register core, installed plugins and ``extra`` ones, then check them.

        :param allowed: names of entry-point plugins to load (None: all).
            A name that is neither installed nor in ``extra`` is an error.
        :param extra: ``(name, module_or_object)`` pairs registered directly,
            as tests and embedding applications do.
        :param load_entry_points: whether to look at installed packages.
        :raises PluginError: with a message naming the plugin at fault.
        """
        if self._loaded:
            raise PluginError("this plugin host is already loaded; build one per app")
        for index, module_name in enumerate(CORE_IMPLEMENTATIONS):
            self._register(importlib.import_module(module_name), CORE if index == 0 else f"{CORE}:{module_name}")
        allow = set(allowed) if allowed is not None else None
        extra = list(extra)
        installed: set[str] = set()
        if load_entry_points:
            installed = self._load_entry_points(allow, skip={name for name, _ in extra})
        for name, plugin in extra:
            self.register(plugin, name)
        if allow is not None:
            missing = allow - installed - {name for name, _ in extra}
            if missing:
                available = sorted(ep.name for ep in installed_entry_points()) if load_entry_points else []
                raise PluginError(
                    f"allowed plugins are not installed: {', '.join(sorted(missing))} "
                    f"(installed: {', '.join(available) or 'none'}); check PORCHSIDE_PLUGINS"
                )
        self._check_hooks()
        self._collect()
        self._loaded = True
        return self

    def _load_entry_points(self, allow: set[str] | None, skip: set[str]) -> set[str]:
        """Register the plugins of the ``porchside`` entry-point group.

        :param skip: names given directly as ``extra``; they win over an
            installed plugin of the same name (a test of a plugin's working copy).
        :return: the names registered.
        """
        seen: dict[str, str] = {}
        for ep in installed_entry_points():
            if (allow is not None and ep.name not in allow) or ep.name in skip:
                continue
            if ep.name in seen:
                if seen[ep.name] == ep.value:
                    continue
                raise PluginError(f"two installed packages declare the plugin {ep.name!r}: {seen[ep.name]} and {ep.value}")
            seen[ep.name] = ep.value
            try:
                plugin = ep.load()
            except Exception as exc:  # a broken package must say which one
                raise PluginError(f"plugin {ep.name!r} failed to import: {exc}") from exc
            self.register(plugin, ep.name)
            if ep.dist is not None:
                self._versions[ep.name] = _dist_version(ep)
        return set(seen)

    def _check_hooks(self) -> None:
        """Refuse unknown hook names (pluggy's check_pending) and hook wrappers."""
        known = [name for name in vars(hookspecs) if name.startswith(HOOK_PREFIX)]
        for hook_name, caller in vars(self.pm.hook).items():
            if hook_name.startswith("_"):
                continue
            for impl in caller.get_hookimpls():
                if not caller.has_spec() and not impl.optionalhook:
                    guess = difflib.get_close_matches(hook_name, known, n=1)
                    hint = f"; did you mean {guess[0]!r}?" if guess else "; see docs/hooks.md for the hooks there are"
                    raise PluginError(f"plugin {impl.plugin_name!r} implements unknown hook {hook_name!r}{hint}")
                if impl.hookwrapper or impl.wrapper:
                    raise PluginError(f"plugin {impl.plugin_name!r}: {hook_name} is a hook wrapper; Porchside calls every implementation itself and does not support wrappers")

    def plugin_names(self) -> list[str]:
        """Every registered plugin but core, in name order."""
        return sorted(name for name, _ in self.pm.list_name_plugin() if not is_core(name))

    def _impls(self, hook_name: str) -> list[pluggy.HookImpl]:
        caller = getattr(self.pm.hook, hook_name, None)
        if caller is None or not caller.has_spec():
            raise PluginError(f"there is no hook named {hook_name!r}")
        # pluggy calls implementations last-registered first; keep that order.
        return list(reversed(caller.get_hookimpls()))

    def _declare(self, hook_name: str) -> list[tuple[str, Any]]:
        """Call a declaration hook on every plugin, one implementation at a time."""
        out: list[tuple[str, Any]] = []
        for impl in self._impls(hook_name):
            plugin = CORE if is_core(impl.plugin_name) else impl.plugin_name
            try:
                result = impl.function()
            except Exception as exc:
                raise PluginError(f"plugin {plugin!r} failed in {hook_name}: {type(exc).__name__}: {exc}") from exc
            if inspect.isawaitable(result):
                getattr(result, "close", lambda: None)()
                raise PluginError(f"plugin {plugin!r}: {hook_name} must not be async (it is called once at start-up)")
            out.append((plugin, result))
        return out

    def _declare_records(self, hook_name: str, kind: type | tuple[type, ...]) -> list[tuple[str, Any]]:
        """``(plugin, record)`` for every record a declaration hook returned, type-checked."""
        label = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        out = []
        for plugin, result in self._declare(hook_name):
            if result is None:
                continue
            if not isinstance(result, (list, tuple)):
                raise PluginError(f"plugin {plugin!r}: {hook_name} must return a list of {label}, got {type(result).__name__}")
            for record in result:
                if not isinstance(record, kind):
                    raise PluginError(f"plugin {plugin!r}: {hook_name} must return {label} records, got {type(record).__name__}")
                out.append((plugin, record))
        return out

    def _collect(self) -> None:
        d = self.declared
        for plugin, info in self._declare("porchside_plugin_info"):
            if info is None:
                continue
            if not isinstance(info, PluginInfo):
                raise PluginError(f"plugin {plugin!r}: porchside_plugin_info must return PluginInfo, got {type(info).__name__}")
            d.info[plugin] = info
        self._check_compatible(d.info)
        for plugin in self.plugin_names():
            if plugin not in d.info:
                d.info[plugin] = PluginInfo(name=plugin, label=plugin.replace("_", " ").title(), version=self._version_of(plugin))

        self._collect_ids("porchside_nav_tabs", NavTab, d.nav_tabs, "tab")
        self._check_icons(d.nav_tabs)
        self._collect_ids("porchside_job_tabs", JobTab, d.job_tabs, "job tab")
        self._collect_ids("porchside_actions", Action, d.actions, "action")
        self._collect_ids("porchside_header_links", HeaderLink, d.header_links, "header link")
        self._collect_ids("porchside_home_cards", HomeCard, d.home_cards, "home card")
        for declared in d.home_cards:
            if declared.record.endpoint and declared.record.url:
                raise PluginError(
                    f"plugin {declared.plugin!r}: home card {declared.record.id!r} has both an endpoint "
                    "and a url; give one of them"
                )
        self._collect_ids("porchside_console_links", ConsoleLink, d.console_links, "console link")
        self._check_console_permissions()
        self._collect_console_actions()
        self._collect_ids("porchside_work_tabs", WorkTab, d.work_tabs, "work tab")
        self._collect_ids("porchside_api_resources", ApiResource, d.api_resources, "API resource")
        self._collect_webhook_event_types()
        for declared in d.actions:
            if declared.record.target not in ACTION_TARGETS:
                raise PluginError(
                    f"plugin {declared.plugin!r}: action {declared.record.id!r} has target "
                    f"{declared.record.target!r}; use one of {', '.join(ACTION_TARGETS)}"
                )

        for plugin, bp in self._declare_records("porchside_blueprints", Blueprint):
            if bp.name in self._blueprint_owner:
                raise PluginError(f"blueprint {bp.name!r} is declared by plugins {self._blueprint_owner[bp.name]!r} and {plugin!r}")
            self._blueprint_owner[bp.name] = plugin
            d.blueprints.append(Declared(plugin, bp))
        for plugin, path in self._declare_records("porchside_template_dirs", (str, os.PathLike)):
            if not Path(path).is_dir():
                raise PluginError(f"plugin {plugin!r}: template folder {str(path)!r} does not exist")
            d.template_dirs.append(Declared(plugin, str(path)))
        for plugin, path in self._declare_records("porchside_translation_dirs", (str, os.PathLike)):
            if not Path(path).is_dir():
                raise PluginError(f"plugin {plugin!r}: translations folder {str(path)!r} does not exist")
            d.translation_dirs.append(Declared(plugin, str(path)))
            i18n.add_catalog_dir(path)
        for plugin, static in self._declare_records("porchside_static_dirs", StaticDir):
            if not STATIC_NAME.match(static.name):
                raise PluginError(f"plugin {plugin!r}: static folder name {static.name!r} may hold only letters, digits, '-' and '_'")
            if static.name in d.static_dirs:
                raise PluginError(f"static folder {static.name!r} is declared by plugins {d.static_dirs[static.name].plugin!r} and {plugin!r}")
            if not Path(static.path).is_dir():
                raise PluginError(f"plugin {plugin!r}: static folder {str(static.path)!r} does not exist")
            d.static_dirs[static.name] = Declared(plugin, static)
        self._collect_page_sections()
        for plugin, app in self._declare_records("porchside_model_apps", ModelApp):
            if app.label == CORE:
                raise PluginError(f"plugin {plugin!r}: the model app label 'core' is core's own")
            if app.label in d.model_apps:
                raise PluginError(f"model app {app.label!r} is declared by plugins {d.model_apps[app.label].plugin!r} and {plugin!r}")
            d.model_apps[app.label] = Declared(plugin, app)
        for plugin, setting in self._declare_records("porchside_settings_fields", SettingField):
            fields_ = d.settings_fields.setdefault(plugin, [])
            if any(f.name == setting.name for f in fields_):
                raise PluginError(f"plugin {plugin!r}: setting {setting.name!r} is declared twice")
            if setting.kind not in SETTING_KINDS:
                raise PluginError(f"plugin {plugin!r}: setting {setting.name!r} has kind {setting.kind!r}; use one of {', '.join(SETTING_KINDS)}")
            if setting.kind == "choice" and not setting.choices:
                raise PluginError(f"plugin {plugin!r}: choice setting {setting.name!r} has no choices")
            fields_.append(setting)
        for plugin, command in self._declare_records("porchside_cli_commands", click.Command):
            clash = next((c for c in d.cli_commands if c.record.name == command.name), None)
            if clash is not None:
                raise PluginError(f"command {command.name!r} is declared by plugins {clash.plugin!r} and {plugin!r}")
            d.cli_commands.append(Declared(plugin, command))
        for plugin, task in self._declare_records("porchside_tasks", Task):
            if task.name in d.tasks:
                raise PluginError(f"task {task.name!r} is declared by plugins {d.tasks[task.name].plugin!r} and {plugin!r}")
            d.tasks[task.name] = Declared(plugin, task)

    def _check_icons(self, tabs: list[Declared]) -> None:
        """A tab's icon must be a name of the sprite (core/static/icons.svg)."""
        from core.icons import icon_names

        for declared in tabs:
            if declared.record.icon not in icon_names():
                raise PluginError(
                    f"plugin {declared.plugin!r}: tab {declared.record.id!r} has icon {declared.record.icon!r}, "
                    f"which is not in Porchside's icon set; use one of {', '.join(icon_names())}"
                )

    def _check_compatible(self, info: dict[str, PluginInfo]) -> None:
        """Refuse a plugin whose ``requires`` leaves out the running Porchside."""
        running = porchside_version()
        for name, plugin_info in sorted(info.items()):
            if not plugin_info.requires:
                continue
            try:
                supported = SpecifierSet(plugin_info.requires)
            except InvalidSpecifier:
                raise PluginError(
                    f"plugin {name!r}: requires={plugin_info.requires!r} is not a version range; "
                    "write it like \">=0.2,<0.4\""
                ) from None
            if not supported.contains(running, prereleases=True):
                raise PluginError(
                    f"plugin {name!r} {plugin_info.version} supports Porchside {plugin_info.requires}, "
                    f"but this is Porchside {running}; install a release of {name!r} made for {running} "
                    "or leave it out of PORCHSIDE_PLUGINS"
                )

    def _collect_console_actions(self) -> None:
        """Buttons on the console's account, job and invoice pages: known targets and permissions."""
        from core.console.access import PERMISSIONS  # the console imports this module

        self._collect_ids("porchside_console_actions", ConsoleAction, self.declared.console_actions, "console action")
        for declared in self.declared.console_actions:
            action = declared.record
            if action.target not in CONSOLE_ACTION_TARGETS:
                raise PluginError(
                    f"plugin {declared.plugin!r}: console action {action.id!r} has target {action.target!r}; "
                    f"use one of {', '.join(CONSOLE_ACTION_TARGETS)}"
                )
            if action.permission not in PERMISSIONS:
                raise PluginError(
                    f"plugin {declared.plugin!r}: console action {action.id!r} needs permission "
                    f"{action.permission!r}, which does not exist; use one of {', '.join(PERMISSIONS)}"
                )

    def _collect_page_sections(self) -> None:
        """Sections of core's pages: known pages and permissions, stylesheets in a declared static folder."""
        from core.console.access import PERMISSIONS  # the console imports this module

        self._collect_ids("porchside_page_sections", PageSection, self.declared.page_sections, "page section")
        for declared in self.declared.page_sections:
            section, where = declared.record, f"plugin {declared.plugin!r}: page section {declared.record.id!r}"
            if section.page not in PAGE_SECTION_PAGES:
                raise PluginError(f"{where} has page {section.page!r}; use one of {', '.join(PAGE_SECTION_PAGES)}")
            if section.permission not in PERMISSIONS:
                raise PluginError(f"{where} needs permission {section.permission!r}, which does not exist; use one of {', '.join(PERMISSIONS)}")
            if not section.template:
                raise PluginError(f"{where} has no template")
            for sheet in section.stylesheets:
                name, _, filename = sheet.partition("/")
                if not filename or name not in self.declared.static_dirs:
                    raise PluginError(f"{where}: stylesheet {sheet!r} must be '<static folder name>/<file>' of a folder from porchside_static_dirs")

    def _collect_webhook_event_types(self) -> None:
        from core.webhooks.events import TYPE_NAME, WebhookEventType

        self._collect_ids("porchside_webhook_event_types", WebhookEventType, self.declared.webhook_event_types, "webhook event type")
        for declared in self.declared.webhook_event_types:
            if not TYPE_NAME.match(declared.record.name):
                raise PluginError(
                    f"plugin {declared.plugin!r}: webhook event type {declared.record.name!r} must be dotted "
                    "lower case words, e.g. invoice.paid"
                )

    def _check_console_permissions(self) -> None:
        """Console links and settings forms must name permissions of the console's one table."""
        from core.console.access import PERMISSIONS  # the console imports this module

        for name, info in self.declared.info.items():
            if info.settings_permission not in PERMISSIONS:
                raise PluginError(
                    f"plugin {name!r}: settings need permission {info.settings_permission!r}, "
                    f"which does not exist; use one of {', '.join(PERMISSIONS)}"
                )
        for declared in self.declared.console_links:
            if declared.record.permission not in PERMISSIONS:
                raise PluginError(
                    f"plugin {declared.plugin!r}: console link {declared.record.id!r} needs permission "
                    f"{declared.record.permission!r}, which does not exist; use one of {', '.join(PERMISSIONS)}"
                )
            if declared.record.group is not None and declared.record.group not in CONSOLE_GROUPS:
                raise PluginError(
                    f"plugin {declared.plugin!r}: console link {declared.record.id!r} has group "
                    f"{declared.record.group!r}; use one of {', '.join(CONSOLE_GROUPS)}"
                )

    def _collect_ids(self, hook_name: str, kind: type, into: list[Declared], noun: str) -> None:
        """Collect records that carry an ``id`` and an ``order``; ids are unique."""
        seen: dict[str, str] = {}
        for plugin, record in self._declare_records(hook_name, kind):
            if not record.id:
                raise PluginError(f"plugin {plugin!r}: a {noun} has an empty id")
            if record.id in seen:
                raise PluginError(f"duplicate {noun} id {record.id!r} from plugins {seen[record.id]!r} and {plugin!r}")
            seen[record.id] = plugin
            into.append(Declared(plugin, record))
        into.sort(key=lambda item: (item.record.order, item.record.id))

    def _version_of(self, name: str) -> str:
        if name in self._versions:
            return self._versions[name]
        plugin = self.pm.get_plugin(name)
        module = getattr(plugin, "__name__", "") or type(plugin).__module__
        try:
            return dist_version(module.split(".")[0])
        except PackageNotFoundError:
            return str(getattr(plugin, "__version__", "0"))

    def model_apps(self) -> dict[str, dict[str, Any]]:
        """The Tortoise apps the plugins add, for :func:`core.db.tortoise_config`."""
        return {
            label: {"models": list(d.record.modules), "migrations": d.record.migrations}
            for label, d in self.declared.model_apps.items()
        }

    # -- run time ----------------------------------------------------------

    async def call(self, hook_name: str, enabled: frozenset[str], **kwargs: Any) -> list[Any]:
        """Call a run-time hook on core and the ``enabled`` plugins, each one isolated.

        Every argument of the hook must be given by name. Async
        implementations are awaited; one that raises is logged with its
        plugin's name and the others still run.

        :return: the non-None results, in call order.
        """
        if hook_name in hookspecs.DECLARATION_HOOKS:
            raise PluginError(f"{hook_name} is a declaration hook; read PluginHost.declared instead")
        impls = self._impls(hook_name)
        spec_args = set(getattr(self.pm.hook, hook_name).spec.argnames)
        if set(kwargs) != spec_args:
            raise TypeError(f"{hook_name} takes {', '.join(sorted(spec_args)) or 'no arguments'}; got {', '.join(sorted(kwargs)) or 'none'}")
        results = []
        for impl in impls:
            if not is_core(impl.plugin_name) and impl.plugin_name not in enabled:
                continue
            args = {name: kwargs[name] for name in impl.argnames}
            ok, result = await run_isolated(impl.plugin_name, hook_name, impl.function, **args)
            if ok and result is not None:
                results.append(result)
        return results

    async def shown(self, declared: Iterable[Declared], enabled: frozenset[str], *args: Any) -> list[Declared]:
        """The declarations whose plugin is enabled and whose ``is_shown(*args)`` agrees.

        ``is_shown`` may be async; one that raises is logged with its
        plugin's name and its record left out.
        """
        out = []
        for item in declared:
            if item.plugin != CORE and item.plugin not in enabled:
                continue
            check = getattr(item.record, "is_shown", None)
            if check is not None:
                ok, show = await run_isolated(item.plugin, f"is_shown of {item.record.id!r}", check, *args)
                if not (ok and show):
                    continue
            out.append(item)
        return out

    async def visible(self, declared: Iterable[Declared], enabled: frozenset[str], *args: Any) -> list[Any]:
        """The records of :meth:`shown`, for callers that need no plugin name."""
        return [item.record for item in await self.shown(declared, enabled, *args)]

    def actions_for(self, target: str) -> list[Declared]:
        """The declared actions of one target (``job``, ``invoice``, ``invoices``, ``quote``)."""
        if target not in ACTION_TARGETS:
            raise ValueError(f"unknown action target {target!r}")
        return [item for item in self.declared.actions if item.record.target == target]

    def plugin_of_blueprint(self, blueprint_name: str) -> str | None:
        """The plugin owning a blueprint; a nested one (``reviews.admin``) belongs to its root."""
        return self._blueprint_owner.get(blueprint_name.split(".", 1)[0])
