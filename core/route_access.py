"""Who may open a route: the mark every plugin route carries (issue 14).

A plugin's routes are closed by default: each view says who may open it,
and :mod:`core.web.plugin_routes` refuses to start an app with a plugin
route that says nothing. The decorators set the mark:
``core.auth.current.login_required`` (and ``person_required``) mark
``"customer"``, ``core.console.access.staff_required("perm")`` marks
``"staff:perm"``, and :func:`public` (``from core import public``) marks a
route anyone may open, such as a signed webhook. A blueprint may also
carry a default for all its views in the same attribute.

This module imports nothing from the app, so ``core`` can export
:func:`public` to plugins cheaply.
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

ATTRIBUTE = "porchside_access"
PUBLIC = "public"
CUSTOMER = "customer"
STAFF_PREFIX = "staff:"

F = TypeVar("F", bound=Callable[..., Any])


def mark(view: F, access: str) -> F:
    """Record ``access`` on ``view`` (functools.wraps copies it to outer wrappers)."""
    setattr(view, ATTRIBUTE, access)
    return view


def public(view: F) -> F:
    """Anyone may open this route, signed in or not (a webhook, a public page).

    Say so only on purpose: without it a plugin's portal route needs a
    signed-in customer and a console route a staff member.
    """
    return mark(view, PUBLIC)


def staff(permission: str) -> str:
    """The mark of a console route that needs ``permission``."""
    return STAFF_PREFIX + permission


def access_of(obj: object) -> str | None:
    """The mark of a view or blueprint, or None when it declares nothing."""
    value = getattr(obj, ATTRIBUTE, None)
    return value if isinstance(value, str) else None
