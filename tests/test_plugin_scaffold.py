"""``porchside plugin new``: the package it writes installs with pip and passes its own tests.

The slow test does what a plugin author does: writes the scaffold into an
empty folder, ``pip install -e`` it into a virtual environment of its own
(on top of this one's packages, so nothing is downloaded) and runs the
generated tests there, on SQLite and PostgreSQL. One of those tests turns
the plugin on through the console's Plugins page and finds its tab in the
portal's navigation.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

from click.testing import CliRunner

from core.cli import make_cli
from core.plugins import porchside_version
from core.scaffold import PluginNames, requires_range

NAME = "pool_logs"


def new_plugin(*args: str):
    return CliRunner().invoke(make_cli(), ["plugin", "new", *args], catch_exceptions=False)


def test_plugin_new_writes_every_part_named_after_the_plugin(tmp_path):
    target = tmp_path / "pkg"
    result = new_plugin(NAME, "--dir", str(target))
    assert result.exit_code == 0, result.output
    files = sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())
    assert files == [
        "README.md",
        "babel.cfg",
        "porchside_pool_logs/__init__.py",
        "porchside_pool_logs/console.py",
        "porchside_pool_logs/migrations/0001_initial.py",
        "porchside_pool_logs/migrations/__init__.py",
        "porchside_pool_logs/models.py",
        "porchside_pool_logs/portal.py",
        "porchside_pool_logs/static/pool_logs.css",
        "porchside_pool_logs/templates/pool_logs/console/index.html",
        "porchside_pool_logs/templates/pool_logs/index.html",
        "porchside_pool_logs/translations/es/LC_MESSAGES/messages.po",
        "pyproject.toml",
        "tests/test_pool_logs.py",
    ]
    pyproject = (target / "pyproject.toml").read_text()
    assert '[project.entry-points.porchside]\npool_logs = "porchside_pool_logs"' in pyproject
    hooks = (target / "porchside_pool_logs/__init__.py").read_text()
    assert f'requires="{requires_range(porchside_version())}"' in hooks
    assert "$" not in "".join(p.read_text() for p in target.rglob("*") if p.is_file())  # every placeholder filled
    for source in target.rglob("*.py"):
        compile(source.read_text(), str(source), "exec")


def test_plugin_new_refuses_a_bad_name_or_a_folder_with_files(tmp_path):
    for bad in ("Pool", "9lives", "pool-logs", "a", "class", "quotes", "pool__logs"):
        result = CliRunner().invoke(make_cli(), ["plugin", "new", bad, "--dir", str(tmp_path / bad)])
        assert result.exit_code == 1, bad
        assert f"plugin name {bad!r}" in result.output
        assert not (tmp_path / bad).exists()
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    result = CliRunner().invoke(make_cli(), ["plugin", "new", NAME, "--dir", str(tmp_path / "full")])
    assert result.exit_code == 1
    assert "already exists and is not an empty folder" in result.output
    assert [p.name for p in (tmp_path / "full").iterdir()] == ["notes.txt"]


def test_the_default_folder_is_named_after_the_distribution(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert new_plugin("pool_logs").exit_code == 0
    assert (tmp_path / PluginNames.of("pool_logs").dist / "pyproject.toml").is_file()


def _venv_on_top_of_this_one(folder: Path) -> Path:
    """A virtual environment that sees this interpreter's packages (porchside included) and installs its own."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    # A .pth line starting with "import" runs: addsitedir also reads this environment's .pth files (editable installs).
    Path(site, "porchside_parent.pth").write_text(f"import site; site.addsitedir({sysconfig.get_paths()['purelib']!r})\n")
    return python


def test_a_generated_plugin_installs_with_pip_and_its_tests_pass_on_both_databases(tmp_path):
    target = tmp_path / "porchside-pool-logs"
    assert new_plugin(NAME, "--dir", str(target)).exit_code == 0
    python = _venv_on_top_of_this_one(tmp_path / "venv")

    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-index", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "-e", str(target)],
        capture_output=True, text=True,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    listed = subprocess.run([str(python), "-c", "from importlib.metadata import entry_points as e; print(sorted(x.name for x in e(group='porchside')))"],
                            capture_output=True, text=True, check=True).stdout
    assert "'pool_logs'" in listed

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_XDIST", "PYTEST_CURRENT_TEST"))}
    # The generated migration is what makemigrations would write for the generated model.
    pending = subprocess.run(
        [str(python), "-c", "from core.cli import main; main()", "makemigrations", NAME],
        cwd=tmp_path, capture_output=True, text=True, env={**env, "PORCHSIDE_DATA_DIR": str(tmp_path / "data")},
    )
    assert pending.returncode == 0 and "No changes detected" in pending.stdout, pending.stdout + pending.stderr
    run = subprocess.run(
        [str(python), "-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider", "-n", "0", "-q", "-rA", "-W", "error::DeprecationWarning"],
        cwd=target, capture_output=True, text=True, env=env, timeout=600,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-6000:]
    passed = set(re.findall(r"^PASSED tests/test_pool_logs\.py::(\S+)", output, re.M))
    assert "test_the_tab_appears_once_the_business_turns_the_plugin_on[sqlite]" in passed, output[-3000:]
    assert len([t for t in passed if t.endswith("[sqlite]")]) == 6
    postgres = [t for t in passed if t.endswith("[postgres]")]
    # The PostgreSQL half runs where the services do (CI requires them); else it is skipped with its reason.
    assert len(postgres) == 6 or (not os.environ.get("PORCHSIDE_REQUIRE_SERVICES") and "SKIPPED" in output), output[-3000:]
