"""The API resources of one app, from the ``porchside_api_resources`` hook (core's included).

Collected and checked at start-up by the plugin host (a bad declaration or
a name declared twice stops start-up naming the plugin); per request only
core's and the tenant's enabled plugins' resources exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.api.resources import ApiResource
from core.plugins import CORE, Declared, PluginError, PluginHost


@dataclass
class ResourceRegistry:
    """Declared resources by name, with the plugin that declared each."""

    declared: dict[str, Declared]

    @classmethod
    def from_host(cls, host: PluginHost) -> "ResourceRegistry":
        found: dict[str, Declared] = {}
        for item in host.declared.api_resources:
            problems = item.record.problems()
            if problems:
                raise PluginError(f"plugin {item.plugin!r}: API resource {item.record.name!r}: {'; '.join(problems)}")
            found[item.record.name] = item
        return cls(found)

    def enabled(self, enabled_plugins: frozenset[str]) -> list[ApiResource]:
        """The resources core and the enabled plugins declare, in declaration order."""
        return [d.record for d in self.declared.values() if d.plugin == CORE or d.plugin in enabled_plugins]

    def get(self, name: str, enabled_plugins: frozenset[str]) -> ApiResource | None:
        item = self.declared.get(name)
        if item is None or (item.plugin != CORE and item.plugin not in enabled_plugins):
            return None
        return item.record

    def scopes(self, enabled_plugins: frozenset[str] | None = None) -> list[str]:
        """Every scope of the (enabled) resources: what a client may be granted."""
        records = [d.record for d in self.declared.values()] if enabled_plugins is None else self.enabled(enabled_plugins)
        return [s for r in records for s in (r.read_scope, r.write_scope)]
