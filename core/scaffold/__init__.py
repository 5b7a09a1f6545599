"""``porchside plugin new NAME``: write a new plugin package to start from.

The files come from ``core/scaffold/templates/plugin/`` (``*.tmpl``, with
``$$name``-style placeholders of :class:`string.Template`); a path part
``NAME`` is replaced by the plugin's name and ``package/`` by its Python
package, ``porchside_<name>``. What the generated plugin holds is listed in
its README and in docs/plugins.md ("Start from a scaffold").
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from pathlib import Path
from string import Template

from core.plugins import porchside_version

TEMPLATES = Path(__file__).parent / "templates" / "plugin"
PLUGIN_NAME = re.compile(r"^[a-z][a-z0-9_]{1,29}$")
# Names the host or a built-in plugin already uses.
RESERVED = frozenset({"core", "console", "portal", "api", "static", "plugin_static", "quotes", "payments", "marketing"})


class ScaffoldError(ValueError):
    """The name or the folder cannot be used; the message says why."""


@dataclass(frozen=True)
class PluginNames:
    """Every name the generated files use, derived from the plugin's name."""

    name: str  # entry point, model app label, template folder: "pool_logs"
    package: str  # "porchside_pool_logs"
    dist: str  # "porchside-pool-logs"
    label: str  # "Pool logs"
    camel: str  # "PoolLogsEntry", the model class
    path: str  # "pool-logs", the URL
    prefix: str  # public id prefix of the model: "pl"

    @classmethod
    def of(cls, name: str) -> "PluginNames":
        check_name(name)
        words = name.split("_")
        return cls(
            name=name,
            package=f"porchside_{name}",
            dist=f"porchside-{name.replace('_', '-')}",
            label=" ".join(words).capitalize(),
            camel="".join(w.capitalize() for w in words) + "Entry",
            path=name.replace("_", "-"),
            prefix="".join(w[0] for w in words if w)[:6] + "e",
        )


def check_name(name: str) -> None:
    """Refuse a name that would not work as entry point, package and table prefix."""
    if not PLUGIN_NAME.match(name) or "__" in name or name.endswith("_"):
        raise ScaffoldError(
            f"plugin name {name!r}: use 2 to 30 lower-case letters, digits and single underscores, starting with a letter (e.g. pool_logs)"
        )
    if keyword.iskeyword(name) or name in RESERVED:
        raise ScaffoldError(f"plugin name {name!r} is taken by Porchside or Python; choose another")


def requires_range(current: str) -> str:
    """The Porchside versions a new plugin declares: this minor release up to the next one."""
    major, minor = (int(part) for part in current.split(".")[:2])
    return f">={major}.{minor},<{major}.{minor + 1}"


def write_plugin(name: str, target: Path) -> list[Path]:
    """Write the plugin ``name`` into the folder ``target`` (made; it must be empty or missing).

    :return: the files written, in order.
    :raises ScaffoldError: a bad name, or a folder that already holds files.
    """
    names = PluginNames.of(name)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ScaffoldError(f"{target} already exists and is not an empty folder; choose another with --dir")
    current = porchside_version()
    values = {
        **vars(names),
        "porchside_version": ".".join(current.split(".")[:2]),
        "requires": requires_range(current),
        "icon": "dot",
    }
    written = []
    for source in sorted(TEMPLATES.rglob("*.tmpl")):
        relative = source.relative_to(TEMPLATES).with_suffix("")  # drop .tmpl
        parts = [names.package if part == "package" else part.replace("NAME", names.name) for part in relative.parts]
        destination = target.joinpath(*parts)
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(Template(source.read_text()).substitute(values))
        written.append(destination)
    return written
