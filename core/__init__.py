"""Porchside core: the app, the portal, and the plugin contract.

Plugins write ``from core import hookimpl``, and mark a route anyone may
open with ``from core import public``.
"""

from core.hookspecs import hookimpl
from core.route_access import public

__all__ = ["hookimpl", "public", "__version__"]
__version__ = "0.1.0"
