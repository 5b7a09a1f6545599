"""docs/hooks.md marks each hook with the Porchside version that added it (plugins choose their requires range by it)."""

from __future__ import annotations

import re
from pathlib import Path

from packaging.version import Version

from core import hookspecs
from core.plugins import porchside_version

HOOKS_MD = Path(__file__).resolve().parents[1] / "docs" / "hooks.md"
ADDED = re.compile(r"Added in(?::\*\*)? (?:Porchside )?(\d+\.\d+)")


def added_in() -> dict[str, str]:
    """``hook -> version`` from the first lines of each hook's section."""
    sections = re.split(r"^## ", HOOKS_MD.read_text(), flags=re.M)[1:]
    found = {}
    for section in sections:
        title, _, body = section.partition("\n")
        head = "\n".join(body.strip().splitlines()[:6])
        match = ADDED.search(head)
        if title.startswith("porchside_") and match:
            found[title.strip()] = match.group(1)
    return found


def test_every_hook_says_which_version_added_it_and_none_is_newer_than_this_one():
    hooks = sorted(name for name in vars(hookspecs) if name.startswith("porchside_"))
    versions = added_in()
    assert [h for h in hooks if h not in versions] == [], "add 'Added in: Porchside X.Y' under the hook's heading in docs/hooks.md"
    running = Version(porchside_version())
    assert all(Version(v) <= running for v in versions.values()), versions


def test_the_hookspec_docstrings_agree_with_the_reference():
    versions = added_in()
    for name, value in vars(hookspecs).items():
        match = re.search(r"versionadded:: (\d+\.\d+)", getattr(value, "__doc__", None) or "") if name.startswith("porchside_") else None
        if match:
            assert versions[name] == match.group(1), name
