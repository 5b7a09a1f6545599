"""Every hook of the contract is documented and tested (K2/K3).

Fails when a hook of ``core/hookspecs.py`` has no section in
``docs/hooks.md`` (with its signature and a working example), is implemented
by no plugin under ``tests/plugins/``, or is named by no test function.
"""

from __future__ import annotations

import ast
import inspect
import re
import types
from pathlib import Path

import pytest
from quart import Quart

from core import hookspecs
from core.plugins import PluginHost
from core.web import plugin_routes

ROOT = Path(__file__).resolve().parent.parent
HOOKS_MD = ROOT / "docs" / "hooks.md"
TESTS = ROOT / "tests"
# Examples that use Path(__file__).parent find the reviews test plugin's
# templates/ and static/ folders, so the start-up checks pass for them.
EXAMPLE_FILE = TESTS / "plugins" / "reviews" / "__init__.py"
PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def hook_names() -> list[str]:
    return sorted(
        name for name, obj in vars(hookspecs).items()
        if name.startswith("porchside_") and hasattr(obj, f"{hookspecs.PROJECT}_spec")
    )


def signature_of(name: str) -> str:
    return f"{name}({', '.join(inspect.signature(getattr(hookspecs, name)).parameters)})"


def doc_sections() -> dict[str, str]:
    """``## heading`` -> text up to the next heading of that level."""
    sections: dict[str, str] = {}
    for chunk in re.split(r"^## ", HOOKS_MD.read_text(), flags=re.MULTILINE)[1:]:
        heading, _, body = chunk.partition("\n")
        sections[heading.strip()] = body
    return sections


def functions(path: Path, prefix: str) -> dict[str, str]:
    """Source of each function in ``path`` whose name starts with ``prefix``."""
    source = path.read_text()
    return {
        node.name: ast.get_source_segment(source, node) or ""
        for node in ast.walk(ast.parse(source))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith(prefix)
    }


def test_every_hook_is_declaration_or_run_time():
    assert hook_names(), "no hookspecs found in core.hookspecs"
    assert sorted(hookspecs.DECLARATION_HOOKS + hookspecs.RUNTIME_HOOKS) == hook_names()


@pytest.mark.parametrize("name", hook_names())
def test_hook_is_documented_with_signature_and_example(name):
    section = doc_sections().get(name)
    assert section is not None, f"docs/hooks.md has no '## {name}' section"
    assert f"**Signature:** `{signature_of(name)}`" in section, f"docs/hooks.md: {name} lacks its signature {signature_of(name)}"
    for part in ("**Called:**", "**Arguments:**", "**Returns:**", "**Example:**"):
        assert part in section, f"docs/hooks.md: {name} lacks {part}"
    examples = [block for block in PYTHON_BLOCK.findall(section) if "@hookimpl" in block]
    assert any(re.search(rf"^(async )?def {name}\(", block, re.MULTILINE) for block in examples), (
        f"docs/hooks.md: {name} has no example implementing it"
    )


def test_docs_name_no_hook_that_does_not_exist():
    documented = {heading for heading in doc_sections() if heading.startswith("porchside_")}
    assert documented - set(hook_names()) == set()


def routes_declare_their_access(host: PluginHost) -> None:
    """The app factory's route check, on an app holding only the example's blueprints."""
    app = Quart("hooks_md_example")
    for declared in host.declared.blueprints:
        app.register_blueprint(declared.record)
    plugin_routes.check(app, host)


def test_examples_in_the_hook_reference_pass_the_start_up_checks():
    checked = 0
    for heading, section in doc_sections().items():
        for index, block in enumerate(PYTHON_BLOCK.findall(section)):
            if "@hookimpl" not in block:
                continue
            module = types.ModuleType(f"hooks_md_{heading}_{index}")
            module.__file__ = str(EXAMPLE_FILE)
            exec(compile(block, f"docs/hooks.md ({heading}, example {index + 1})", "exec"), module.__dict__)
            host = PluginHost().load(extra=[("example", module)], load_entry_points=False)
            routes_declare_their_access(host)
            implemented = {impl.function.__name__ for caller in host.pm.get_hookcallers(module) for impl in caller.get_hookimpls()}
            assert heading in implemented, f"the example of {heading} does not implement it"
            checked += 1
    assert checked >= len(hook_names())


def test_every_hook_has_a_test_plugin_and_a_test():
    implemented: set[str] = set()
    for path in (TESTS / "plugins").rglob("*.py"):
        implemented |= set(functions(path, "porchside_"))
    named_in_tests: set[str] = set()
    for path in TESTS.rglob("test_*.py"):
        if path.name == Path(__file__).name:
            continue
        for source in functions(path, "test_").values():
            named_in_tests |= {name for name in hook_names() if name in source}
    assert set(hook_names()) - implemented == set(), "hooks no plugin under tests/plugins/ implements"
    assert set(hook_names()) - named_in_tests == set(), "hooks no test function names (say which hooks a test proves in its docstring)"
