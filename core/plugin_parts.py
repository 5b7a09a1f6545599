"""Plugins made of parts: the declaration hooks of a plugin, gathered from its modules.

A plugin that grows several features (payments: connecting Stripe, paying,
AutoPay, refunds) keeps each in a module of its own that lists what it
declares as module attributes (``NAV_TABS``, ``BLUEPRINTS``...). The
package's ``__init__`` then says once which modules make up the plugin::

    from core.plugin_parts import gather_records
    from my_plugin import billing, reminders

    gather_records(globals(), (billing, reminders))

which defines one ``@hookimpl`` per declaration hook that at least one part
declares, returning the parts' records in order. Hooks with arguments
(``porchside_event``, ``porchside_demo_seed``...) stay written out in the
``__init__``: what they do with several parts is the plugin's decision.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import ModuleType
from typing import Any

from core.hookspecs import hookimpl

# Declaration hook -> the module attribute a part lists its records in.
RECORD_ATTRIBUTES = {
    "porchside_nav_tabs": "NAV_TABS",
    "porchside_job_tabs": "JOB_TABS",
    "porchside_work_tabs": "WORK_TABS",
    "porchside_actions": "ACTIONS",
    "porchside_header_links": "HEADER_LINKS",
    "porchside_home_cards": "HOME_CARDS",
    "porchside_console_links": "CONSOLE_LINKS",
    "porchside_console_actions": "CONSOLE_ACTIONS",
    "porchside_page_sections": "PAGE_SECTIONS",
    "porchside_blueprints": "BLUEPRINTS",
    "porchside_model_apps": "MODEL_APPS",
    "porchside_settings_fields": "SETTINGS_FIELDS",
    "porchside_tasks": "TASKS",
    "porchside_cli_commands": "CLI_COMMANDS",
    "porchside_api_resources": "API_RESOURCES",
}


def _gatherer(hook: str, attribute: str, parts: tuple[ModuleType, ...]):
    def implementation() -> list[Any]:
        return [record for part in parts for record in getattr(part, attribute, ())]

    implementation.__name__ = implementation.__qualname__ = hook
    implementation.__doc__ = f"The ``{attribute}`` of {', '.join(p.__name__ for p in parts)}."
    return hookimpl(implementation)


def gather_records(namespace: dict[str, Any], parts: Iterable[ModuleType]) -> None:
    """Define in ``namespace`` (a plugin module's ``globals()``) the record hooks its parts declare.

    :raises ValueError: the namespace already defines one of those hooks
        (say it once: either by hand or gathered).
    """
    parts = tuple(parts)
    for hook, attribute in RECORD_ATTRIBUTES.items():
        if not any(hasattr(part, attribute) for part in parts):
            continue
        if hook in namespace:
            raise ValueError(f"{namespace.get('__name__', 'plugin')}: {hook} is defined by hand and gathered from its parts")
        namespace[hook] = _gatherer(hook, attribute, parts)
