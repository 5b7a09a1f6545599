"""Override: replaces core's contact page with one that extends the original.

Shows ``porchside_template_dirs`` overriding a core template and reaching
the original through the ``core:`` prefix.
"""

from __future__ import annotations

from pathlib import Path

from core import hookimpl


@hookimpl
def porchside_template_dirs():
    return [Path(__file__).parent / "templates"]
