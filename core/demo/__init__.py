"""Demo data: two businesses with customers, jobs, photos, invoices and payments.

``porchside demo`` and ``porchside seed-demo`` call :func:`seed_demo`. The data
is declared in one module per business (:mod:`core.demo.sunny_pools`,
:mod:`core.demo.pipeworks`) using the records of :mod:`core.demo.specs`;
:mod:`core.demo.seed` turns it into rows, and :mod:`core.demo.pictures` draws
the photos and documents. ``docs/demo.md`` describes what a visitor sees.
"""

from core.demo.seed import DEMO_PLUGINS, SeededTenant, seed_demo
from core.demo.tenants import DEMO_TENANTS

__all__ = ["DEMO_PLUGINS", "DEMO_TENANTS", "SeededTenant", "seed_demo"]
