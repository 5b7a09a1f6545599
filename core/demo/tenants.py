"""The demo businesses, in the order ``porchside demo`` lists them."""

from __future__ import annotations

from core.demo.pipeworks import PIPEWORKS
from core.demo.specs import TenantSpec
from core.demo.sunny_pools import SUNNY_POOLS

DEMO_TENANTS: tuple[TenantSpec, ...] = (SUNNY_POOLS, PIPEWORKS)
