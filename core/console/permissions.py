"""Names of console permissions that code outside the console refers to.

A module with no imports, so plugins, records and the plugin host can name a
permission without loading the console (:mod:`core.console.access`, which
needs Quart, sessions and the models). Which role has which permission is
decided only by :data:`core.console.access.PERMISSIONS`.
"""

from __future__ import annotations

BACK_OFFICE = "back_office"  # jobs, invoices, recording payments by hand
PLUGINS = "plugins"  # turning plugins on and off, their settings
# Anything that gives money back or changes where money goes: refunds,
# voiding an invoice, and plugin settings that move money (Stripe keys,
# AutoPay). Owner and admin by default, never a technician (issue 14).
MONEY = "money"
