"""The staff console: the business side of a tenant's portal (issue 5, S1-S10).

It lives on the tenant's own host under ``/console``, with its own staff
sign-in (cookie ``ps_staff``) that has nothing to do with customer sessions.

* :mod:`core.console.access`: staff sessions, the role table and the
  ``staff_required(permission)`` decorator every console view uses.
* :mod:`core.console.shell`: ``render_console(template, **ctx)`` and the
  console navigation (``console/base.html``).
* :mod:`core.console.blueprint`: the ``console`` blueprint that nests one
  blueprint per area (auth, home, settings, branding, invite email, staff,
  plugins); add a new area there.
* :mod:`core.console.bootstrap`: ``invite_staff`` for the CLI and the Staff page.

The package itself imports nothing, so ``core.auth`` can use
:mod:`core.console.invite_email` without loading the views.
"""
