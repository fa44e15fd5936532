"""Run the Shopee sandbox on a port: ``python -m omnichannel.sandbox.shopee --port 8701``.

Seeds the demo partner, shop and items unless ``--empty``; prints the base URL and the
demo credentials, then serves until interrupted.
"""

from __future__ import annotations

import argparse
import threading

from omnichannel.sandbox.server import SandboxServer
from omnichannel.sandbox.shopee.seed import seed_demo
from omnichannel.sandbox.shopee.simulator import ShopeeSimulator


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8701)
    parser.add_argument("--empty", action="store_true", help="do not seed demo data")
    args = parser.parse_args(argv)

    sim = ShopeeSimulator()
    seeded = None if args.empty else seed_demo(sim)
    with SandboxServer(sim.app, args.host, args.port) as server:
        print(f"Shopee sandbox on {server.url}", flush=True)
        if seeded:
            print(
                f"partner_id={seeded['partner_id']} partner_key={seeded['partner_key']} "
                f"shop_id={seeded['shop_id']}",
                flush=True,
            )
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            sim.close()


if __name__ == "__main__":
    main()
