"""The customer portal: core's pages and the navigation plugins extend."""

from core.portal.views import blueprint

__all__ = ["blueprint"]
