"""Payments plugin: Stripe card payments, saved cards and AutoPay.

Registered through the ``porchside`` entry-point group like any third-party
plugin; it reaches core only through the hooks in :mod:`core.hookspecs`.
"""

from __future__ import annotations

from core import hookimpl
from core.records import PluginInfo


@hookimpl
def porchside_plugin_info():
    return PluginInfo(
        name="payments",
        label="Payments",
        version="0.1.0",
        description="Stripe card payments, saved cards and AutoPay.",
        default_enabled=True,
    )
