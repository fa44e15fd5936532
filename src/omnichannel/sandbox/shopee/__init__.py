"""Shopee Open Platform v2 simulator: ``ShopeeSimulator`` and ``seed_demo``.

See ``simulator.py`` for how to run it in-process or on a port, ``control.py`` for the
control API, and ``envelope.py`` for error codes and HTTP statuses.
"""

from omnichannel.sandbox.shopee.seed import (
    DEMO_PARTNER_ID,
    DEMO_PARTNER_KEY,
    DEMO_SHOP_ID,
    seed_demo,
)
from omnichannel.sandbox.shopee.simulator import ShopeeSimulator

__all__ = ["DEMO_PARTNER_ID", "DEMO_PARTNER_KEY", "DEMO_SHOP_ID", "ShopeeSimulator", "seed_demo"]
