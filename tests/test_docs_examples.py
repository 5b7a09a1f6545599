"""Every Python example of docs/plugins.md and docs/hooks.md runs, so the guides stay true.

How each fenced ``python`` block is run:

* A block whose first line names a file of the guide's plugin
  (``# porchside_reviews/views.py``), and a ``jinja`` block naming a
  template (``{# porchside_reviews/templates/reviews/index.html #}``), is
  written to that file of a real package, ``porchside_reviews``, on a
  temporary ``sys.path``; the block is run by importing the module. A
  block headed ``# porchside_reviews/__init__.py (continued)`` is appended
  to that file.
* Any other block runs as a module of its own, importing that package if it
  needs it.
* Hook implementations a block defines (``porchside_*``) are registered as a
  plugin of an app built with them (``create_app``), so the start-up checks
  run on what they declare.
* A block with a top-level ``await`` runs in a started app (both databases)
  with the guide's plugin installed, inside a request and the scope of the
  business ``acme``, with ``app``, ``services``, ``tenant``, ``other_tenant``,
  ``event``, ``client``, ``other_client``, ``in_tenant`` and ``make_account``
  defined; a test
  function it defines (``async def test_...``) is then called with those.
* A block right after ``<!-- not run: <reason> -->`` is not run; the reason
  says why (the convention is in docs/plugins.md, "About the examples").
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest

from core.app import create_app
from core.config import Settings
from core.records import Event
from core.testing import SECRET, TenantClient
from tenants.context import use_tenant

ROOT = Path(__file__).resolve().parents[1]
DOCS = ("docs/plugins.md", "docs/hooks.md")
FENCE = re.compile(
    r"(?:<!--\s*not run:(?P<why>.*?)-->\s*\n)?^```(?P<lang>\w*)[^\n]*\n(?P<code>.*?)^```[ \t]*$", re.M | re.S
)
PACKAGE = "porchside_reviews"
CONTINUED = "(continued)"  # "# porchside_reviews/__init__.py (continued)": appended to the file
PACKAGE_FILE = re.compile(r"^(?:#|\{#)\s*(porchside_reviews/[\w/.-]+)")


@dataclass(frozen=True)
class Example:
    doc: str
    line: int
    lang: str
    code: str
    not_run: str | None

    @property
    def id(self) -> str:
        return f"{Path(self.doc).name}:{self.line}"

    @property
    def package_file(self) -> str | None:
        match = PACKAGE_FILE.match(self.code)
        return match.group(1) if match else None

    @property
    def module(self) -> str | None:
        path = self.package_file
        if not path or not path.endswith(".py"):
            return None
        return path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")

    @property
    def awaits(self) -> bool:
        try:
            compile(self.code, self.id, "exec", dont_inherit=True)
        except SyntaxError:
            compile(self.code, self.id, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
            return True
        return bool(re.search(r"^async def test_", self.code, re.M))


def examples() -> list[Example]:
    found = []
    for doc in DOCS:
        text = (ROOT / doc).read_text()
        for match in FENCE.finditer(text):
            why = match.group("why")
            found.append(Example(doc, text.count("\n", 0, match.start("code")), match.group("lang"), match.group("code"), why.strip() if why else None))
    return found


ALL = examples()
PYTHON = [e for e in ALL if e.lang == "python"]
RUN = [e for e in PYTHON if e.not_run is None]


@pytest.fixture(scope="module")
def guide_plugin(tmp_path_factory):
    """The guide's ``porchside_reviews`` package, written from its file blocks and imported."""
    folder = tmp_path_factory.mktemp("guide")
    for example in ALL:
        if example.package_file and example.not_run is None:
            path = folder / example.package_file
            path.parent.mkdir(parents=True, exist_ok=True)
            if CONTINUED in example.code.splitlines()[0]:
                path.write_text(path.read_text() + "\n\n" + example.code)
            else:
                path.write_text(example.code)
    package = folder / PACKAGE
    (package / "__init__.py").touch()
    (package / "static").mkdir(exist_ok=True)
    (package / "static" / "reviews.css").write_text("h1 { color: #333; }\n")
    (package / "templates").mkdir(exist_ok=True)
    (package / "translations").mkdir(exist_ok=True)  # porchside_translation_dirs: catalogs come from pybabel, not the guide
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def settings(tmp_path) -> Settings:
    return Settings.from_env({}, data_dir=tmp_path, secret_key=SECRET, base_domain="localhost")


def run_module(example: Example, package) -> dict:
    """Run a block that needs no app: import its file, or execute it as a module of its own.

    A block of its own runs as if it were in the guide's package (``__file__``),
    where its ``Path(__file__).parent / "templates"`` exists.
    """
    if example.module:
        return vars(importlib.import_module(example.module))
    namespace = {"__name__": f"docs_example_{example.line}", "__file__": package.__file__}
    exec(compile(example.code, f"{example.doc}:{example.line}", "exec", dont_inherit=True), namespace)
    return namespace


def as_plugin(namespace: dict) -> object | None:
    hooks = {name: value for name, value in namespace.items() if name.startswith("porchside_") and callable(value)}
    return SimpleNamespace(**hooks) if hooks else None


def test_the_guides_have_examples_and_each_one_not_run_says_why():
    assert len(PYTHON) >= 30
    assert all(e.not_run for e in PYTHON if e.not_run is not None)
    assert len(RUN) >= len(PYTHON) - 4, [e.id for e in PYTHON if e.not_run]


@pytest.mark.parametrize("example", [e for e in RUN if not e.awaits], ids=lambda e: e.id)
def test_example_runs_and_its_hooks_pass_the_start_up_checks(example, guide_plugin, tmp_path):
    namespace = run_module(example, guide_plugin)
    plugin = as_plugin(namespace)
    if plugin is not None:
        app = create_app(settings(tmp_path), plugins=[("reviews", plugin)], load_entry_points=False)
        assert "reviews" in app.extensions["porchside"].plugins.plugin_names()


@pytest.mark.parametrize("example", [e for e in RUN if e.awaits], ids=lambda e: e.id)
async def test_example_runs_in_a_started_app(example, guide_plugin, make_app, make_account):
    from tenants.service import create_tenant

    async with make_app(plugins=[("reviews", guide_plugin)]) as app:
        tenant = await create_tenant("acme", "Acme Pool Care", contact_email="office@acme.test")
        other = await create_tenant("globex", "Globex Plumbing", contact_email="office@globex.test")
        names = {
            "app": app,
            "services": app.extensions["porchside"],
            "tenant": tenant,
            "other_tenant": other,
            "event": Event(name="job.completed", subject="job_example"),
            "client": TenantClient(app, "acme.localhost"),
            "other_client": TenantClient(app, "globex.localhost"),
            "in_tenant": use_tenant,
            "make_account": make_account,
        }
        namespace = {"__name__": f"docs_example_{example.line}", **names}
        code = compile(example.code, f"{example.doc}:{example.line}", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
        async with app.test_request_context("/", headers={"Host": "acme.localhost"}):
            with use_tenant(tenant):
                result = eval(code, namespace)
                if inspect.isawaitable(result):
                    await result
        for name, test in [(n, v) for n, v in namespace.items() if n.startswith("test_") and inspect.iscoroutinefunction(v)]:
            await test(**{p: names[p] for p in inspect.signature(test).parameters})
