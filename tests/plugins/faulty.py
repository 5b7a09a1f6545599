"""Plugins that must stop start-up, each with the message that says why.

Each class is one plugin (pluggy registers objects as well as modules);
``CASES`` pairs it with a name and words its PluginError must contain.
"""

from __future__ import annotations

from pathlib import Path

from quart import Blueprint

from core import hookimpl
from core.records import Action, NavTab, StaticDir


class Unmarked:
    """Forgot ``@hookimpl``: pluggy alone would never call it, silently."""

    def porchside_nav_tabs(self):
        return [NavTab(id="unmarked", label="Unmarked", endpoint="portal.home")]


class WrongArgument:
    """Asks for an argument the hook does not have."""

    @hookimpl
    def porchside_event(self, tenant, evnt):
        return None


class Wrapper:
    """Porchside calls every implementation itself, so wrappers cannot work."""

    @hookimpl(wrapper=True)
    def porchside_event(self, tenant, event):
        return (yield)


class AsyncDeclaration:
    """Declaration hooks run once at start-up and must be synchronous."""

    @hookimpl
    async def porchside_nav_tabs(self):
        return []


class RaisesAtDeclaration:
    @hookimpl
    def porchside_job_tabs(self):
        raise LookupError("no job tabs today")


class DuplicateTab:
    """Claims the nav tab id of the reviews plugin."""

    @hookimpl
    def porchside_nav_tabs(self):
        return [NavTab(id="reviews", label="More reviews", endpoint="portal.home")]


class DuplicateAction:
    """Claims the action id of the workorders plugin."""

    @hookimpl
    def porchside_actions(self):
        return [Action(id="rebook", label="Rebook", target="job", href=lambda job: "/")]


class DuplicateBlueprint:
    """Brings a second blueprint named like the reviews plugin's."""

    @hookimpl
    def porchside_blueprints(self):
        return [Blueprint("reviews", __name__)]


class NotAList:
    @hookimpl
    def porchside_nav_tabs(self):
        return NavTab(id="single", label="Single", endpoint="portal.home")


class WrongRecord:
    @hookimpl
    def porchside_nav_tabs(self):
        return [{"id": "dict", "label": "Dict", "endpoint": "portal.home"}]


class BadTarget:
    @hookimpl
    def porchside_actions(self):
        return [Action(id="wave", label="Wave", target="customer", href=lambda obj: "/")]


class MissingFolder:
    @hookimpl
    def porchside_static_dirs(self):
        return [StaticDir(name="missing", path=Path(__file__).parent / "no-such-folder")]


# (registration name, plugin, words the PluginError must contain)
CASES = [
    ("unmarked", Unmarked(), ["'unmarked'", "porchside_nav_tabs", "@hookimpl"]),
    ("wrong_argument", WrongArgument(), ["'wrong_argument'", "evnt"]),
    ("wrapper", Wrapper(), ["'wrapper'", "porchside_event", "wrapper"]),
    ("async_declaration", AsyncDeclaration(), ["'async_declaration'", "porchside_nav_tabs", "must not be async"]),
    ("raises", RaisesAtDeclaration(), ["'raises'", "porchside_job_tabs", "no job tabs today"]),
    ("duplicate_tab", DuplicateTab(), ["duplicate tab id 'reviews'", "'reviews'", "'duplicate_tab'"]),
    ("duplicate_action", DuplicateAction(), ["duplicate action id 'rebook'", "'workorders'", "'duplicate_action'"]),
    ("duplicate_blueprint", DuplicateBlueprint(), ["blueprint 'reviews'", "'reviews'", "'duplicate_blueprint'"]),
    ("not_a_list", NotAList(), ["'not_a_list'", "must return a list of NavTab", "got NavTab"]),
    ("wrong_record", WrongRecord(), ["'wrong_record'", "NavTab records", "got dict"]),
    ("bad_target", BadTarget(), ["'bad_target'", "'wave'", "'customer'"]),
    ("missing_folder", MissingFolder(), ["'missing_folder'", "no-such-folder", "does not exist"]),
]
