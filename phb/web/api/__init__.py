"""JSON API under /api/v1, documented at /schema. Each module here exports ``ROUTES``."""

import sys

from litestar.types import ControllerRouterHandler

from phb.discovery import submodules

ROUTES: list[ControllerRouterHandler] = [
    route for module in submodules(sys.modules[__name__]) for route in getattr(module, "ROUTES", [])
]

__all__ = ["ROUTES"]
