"""The plugin host: one pluggy manager per app, per-tenant enablement.

Start-up (:meth:`PluginHost.load`) registers core's own implementations and
the allowed plugins, checks every implementation against the contract, and
collects what the declaration hooks return, refusing duplicate ids. At run
time only plugins enabled for the current tenant are asked or shown, and a
plugin that raises is logged by name and left out of that page.
"""

from __future__ import annotations

import importlib
import inspect
import logging
from dataclasses import dataclass, field
from importlib.metadata import entry_points, version as dist_version, PackageNotFoundError
from types import ModuleType
from typing import Any, Iterable

import pluggy

from core import hookspecs
from core.records import (
    ACTION_TARGETS,
    Action,
    HeaderLink,
    JobTab,
    ModelApp,
    NavTab,
    PluginInfo,
    SettingField,
    StaticDir,
    Task,
)

log = logging.getLogger("porchside.plugins")

ENTRY_POINT_GROUP = "porchside"
CORE = "core"
# Core's own hook implementations, registered like any plugin and always on.
CORE_IMPLEMENTATIONS = ("core.portal.tabs",)


class PluginError(RuntimeError):
    """A plugin cannot be loaded: unknown hook, duplicate id, bad record."""


async def await_me_maybe(value: Any) -> Any:
    """Await ``value`` if it is awaitable (hooks and callbacks may be async)."""
    if inspect.isawaitable(value):
        return await value
    return value


@dataclass(frozen=True)
class Declared:
    """A record with the name of the plugin that declared it."""

    plugin: str
    record: Any


@dataclass
class Declarations:
    info: dict[str, PluginInfo] = field(default_factory=dict)
    nav_tabs: list[Declared] = field(default_factory=list)
    job_tabs: list[Declared] = field(default_factory=list)
    actions: list[Declared] = field(default_factory=list)
    header_links: list[Declared] = field(default_factory=list)
    blueprints: list[Declared] = field(default_factory=list)
    template_dirs: list[Declared] = field(default_factory=list)
    static_dirs: dict[str, Declared] = field(default_factory=dict)
    model_apps: dict[str, Declared] = field(default_factory=dict)
    settings_fields: dict[str, list[SettingField]] = field(default_factory=dict)
    cli_commands: list[Declared] = field(default_factory=list)
    tasks: dict[str, Declared] = field(default_factory=dict)


def _load_object(name: str) -> ModuleType:
    return importlib.import_module(name)


class PluginHost:
    """Owns the pluggy manager of one app."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.declared = Declarations()
        self._loaded = False

    # -- loading ---------------------------------------------------------

    def register(self, plugin: object, name: str) -> None:
        if self.pm.get_plugin(name) is not None or self.pm.has_plugin(name):
            raise PluginError(f"plugin {name!r} is registered twice")
        try:
            self.pm.register(plugin, name=name)
        except pluggy.PluginValidationError as exc:
            raise PluginError(f"plugin {name!r}: {exc}") from None

    def load(
        self,
        allowed: Iterable[str] | None = None,
        extra: Iterable[tuple[str, object]] = (),
        load_entry_points: bool = True,
    ) -> "PluginHost":
        """Register core, installed plugins and ``extra`` ones, then check them.

        :param allowed: names of entry-point plugins to load (None: all).
        :param extra: ``(name, module_or_object)`` pairs registered directly,
            as tests and embedding applications do.
        :param load_entry_points: whether to look at installed packages.
        """
        for module_name in CORE_IMPLEMENTATIONS:
            self.register(_load_object(module_name), CORE)
        allow = set(allowed) if allowed is not None else None
        if load_entry_points:
            for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
                if allow is not None and ep.name not in allow:
                    continue
                if self.pm.has_plugin(ep.name):
                    continue
                try:
                    plugin = ep.load()
                except Exception as exc:  # a broken package must say which one
                    raise PluginError(f"plugin {ep.name!r} failed to import: {exc}") from exc
                self.register(plugin, ep.name)
        for name, plugin in extra:
            self.register(plugin, name)
        if allow is not None:
            missing = allow - {name for name, _ in self.pm.list_name_plugin()}
            if missing:
                raise PluginError(f"PORCHSIDE_PLUGINS names plugins that are not installed: {', '.join(sorted(missing))}")
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            raise PluginError(str(exc)) from None
        self._collect()
        self._loaded = True
        return self

    def plugin_names(self) -> list[str]:
        """Every registered plugin but core, in name order."""
        return sorted(name for name, _ in self.pm.list_name_plugin() if name != CORE)

    def _impls(self, hook_name: str) -> list[pluggy.HookImpl]:
        caller = getattr(self.pm.hook, hook_name)
        # pluggy calls implementations last-registered first; keep that order.
        return list(reversed(caller.get_hookimpls()))

    def _declare(self, hook_name: str) -> list[tuple[str, Any]]:
        """Call a declaration hook on every plugin, one implementation at a time."""
        out: list[tuple[str, Any]] = []
        for impl in self._impls(hook_name):
            result = impl.function()
            if inspect.isawaitable(result):
                result.close()
                raise PluginError(f"plugin {impl.plugin_name!r}: {hook_name} must not be async")
            out.append((impl.plugin_name, result))
        return out

    def _collect(self) -> None:
        d = self.declared
        for plugin, info in self._declare("porchside_plugin_info"):
            if not isinstance(info, PluginInfo):
                raise PluginError(f"plugin {plugin!r}: porchside_plugin_info must return PluginInfo")
            d.info[plugin] = info
        for plugin in self.plugin_names():
            if plugin not in d.info:
                d.info[plugin] = PluginInfo(name=plugin, label=plugin.replace("_", " ").title(), version=_version_of(self.pm.get_plugin(plugin)))

        self._collect_records("porchside_nav_tabs", NavTab, d.nav_tabs, "tab")
        self._collect_records("porchside_job_tabs", JobTab, d.job_tabs, "job tab")
        self._collect_records("porchside_actions", Action, d.actions, "action")
        self._collect_records("porchside_header_links", HeaderLink, d.header_links, "header link")
        for declared in d.actions:
            if declared.record.target not in ACTION_TARGETS:
                raise PluginError(
                    f"plugin {declared.plugin!r}: action {declared.record.id!r} has target "
                    f"{declared.record.target!r}; use one of {', '.join(ACTION_TARGETS)}"
                )

        for plugin, blueprints in self._declare("porchside_blueprints"):
            for bp in blueprints or []:
                d.blueprints.append(Declared(plugin, bp))
        for plugin, dirs in self._declare("porchside_template_dirs"):
            for path in dirs or []:
                d.template_dirs.append(Declared(plugin, str(path)))
        for plugin, dirs in self._declare("porchside_static_dirs"):
            for static in dirs or []:
                if not isinstance(static, StaticDir):
                    raise PluginError(f"plugin {plugin!r}: porchside_static_dirs must return StaticDir records")
                if static.name in d.static_dirs:
                    raise PluginError(f"static folder {static.name!r} is declared by {d.static_dirs[static.name].plugin!r} and {plugin!r}")
                d.static_dirs[static.name] = Declared(plugin, static)
        for plugin, apps in self._declare("porchside_model_apps"):
            for app in apps or []:
                if not isinstance(app, ModelApp):
                    raise PluginError(f"plugin {plugin!r}: porchside_model_apps must return ModelApp records")
                if app.label in d.model_apps or app.label == CORE:
                    raise PluginError(f"model app {app.label!r} of plugin {plugin!r} is declared twice")
                d.model_apps[app.label] = Declared(plugin, app)
        for plugin, fields_ in self._declare("porchside_settings_fields"):
            names: set[str] = set()
            for f in fields_ or []:
                if not isinstance(f, SettingField):
                    raise PluginError(f"plugin {plugin!r}: porchside_settings_fields must return SettingField records")
                if f.name in names:
                    raise PluginError(f"plugin {plugin!r}: setting {f.name!r} is declared twice")
                names.add(f.name)
            d.settings_fields.setdefault(plugin, []).extend(fields_ or [])
        for plugin, commands in self._declare("porchside_cli_commands"):
            for command in commands or []:
                d.cli_commands.append(Declared(plugin, command))
        for plugin, tasks in self._declare("porchside_tasks"):
            for task in tasks or []:
                if not isinstance(task, Task):
                    raise PluginError(f"plugin {plugin!r}: porchside_tasks must return Task records")
                if task.name in d.tasks:
                    raise PluginError(f"task {task.name!r} is declared by {d.tasks[task.name].plugin!r} and {plugin!r}")
                d.tasks[task.name] = Declared(plugin, task)

    def _collect_records(self, hook_name: str, kind: type, into: list[Declared], noun: str) -> None:
        seen: dict[str, str] = {}
        for plugin, records in self._declare(hook_name):
            for record in records or []:
                if not isinstance(record, kind):
                    raise PluginError(f"plugin {plugin!r}: {hook_name} must return {kind.__name__} records, got {type(record).__name__}")
                if record.id in seen:
                    raise PluginError(f"duplicate {noun} id {record.id!r} from plugins {seen[record.id]!r} and {plugin!r}")
                seen[record.id] = plugin
                into.append(Declared(plugin, record))
        into.sort(key=lambda item: (item.record.order, item.record.id))

    def model_apps(self) -> dict[str, dict[str, Any]]:
        """The Tortoise apps the plugins add, for :func:`core.db.tortoise_config`."""
        return {
            label: {"models": list(d.record.modules), "migrations": d.record.migrations}
            for label, d in self.declared.model_apps.items()
        }

    # -- run time ----------------------------------------------------------

    async def call(self, hook_name: str, enabled: frozenset[str], **kwargs: Any) -> list[Any]:
        """Call a run-time hook on enabled plugins, each one isolated.

        :return: the non-None results, in call order.
        """
        results = []
        for impl in self._impls(hook_name):
            if impl.plugin_name != CORE and impl.plugin_name not in enabled:
                continue
            args = {name: kwargs[name] for name in impl.argnames if name in kwargs}
            try:
                result = await await_me_maybe(impl.function(**args))
            except Exception:
                log.exception("plugin %s failed in %s", impl.plugin_name, hook_name)
                continue
            if result is not None:
                results.append(result)
        return results

    async def visible(self, declared: list[Declared], enabled: frozenset[str], *args: Any) -> list[Any]:
        """The records whose plugin is enabled and whose ``is_shown`` agrees.

        A plugin whose ``is_shown`` raises is logged and left out.
        """
        out = []
        for item in declared:
            if item.plugin != CORE and item.plugin not in enabled:
                continue
            check = getattr(item.record, "is_shown", None)
            if check is not None:
                try:
                    if not await await_me_maybe(check(*args)):
                        continue
                except Exception:
                    log.exception("plugin %s failed deciding whether to show %s", item.plugin, item.record.id)
                    continue
            out.append(item.record)
        return out

    def plugin_of_blueprint(self, blueprint_name: str) -> str | None:
        for item in self.declared.blueprints:
            if item.record.name == blueprint_name:
                return item.plugin
        return None


def _version_of(plugin: object) -> str:
    module = getattr(plugin, "__name__", "") or type(plugin).__module__
    top = module.split(".")[0]
    try:
        return dist_version(top)
    except PackageNotFoundError:
        return getattr(plugin, "__version__", "0")
