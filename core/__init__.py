"""Porchside core: the app, the portal, and the plugin contract.

Plugins write ``from core import hookimpl``.
"""

from core.hookspecs import hookimpl

__all__ = ["hookimpl", "__version__"]
__version__ = "0.1.0"
