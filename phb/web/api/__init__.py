"""JSON API under /api/v1, documented at /schema. Each module here exports ``ROUTES``."""

import sys
from collections import Counter
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException
from litestar.handlers import BaseRouteHandler
from litestar.types import ControllerRouterHandler

from phb.discovery import submodules
from phb.errors import ValidationFailedError

ROUTES: list[ControllerRouterHandler] = [
    route for module in submodules(sys.modules[__name__]) for route in getattr(module, "ROUTES", [])
]
API_PREFIX = "/api/"


def one_value_per_query_parameter(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    """Guard: the API takes each query parameter once (none is a list), and no address holds white space.

    A repeated one (``?date=2026-01-01&date=x``) is refused with 422 naming it, where the framework would quietly
    keep only the last value: a caller must not get an answer to a question it did not ask.
    """
    path = connection.scope["path"]
    if not path.startswith(API_PREFIX):
        return
    if any(c.isspace() for c in path):  # "/people/6%09/plan": int() would read "6\t" as person 6
        raise NotFoundException("No such address: an address has no spaces or tabs")
    counts = Counter(key for key, _value in connection.query_params.multi_items())
    repeated = sorted(key for key, count in counts.items() if count > 1)
    if repeated:
        raise ValidationFailedError(dict.fromkeys(repeated, "Give this parameter once"))


def no_nul_in_query_parameters(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    """Guard: a NUL character in a query parameter is refused (422 naming it) on every page and API route.

    PostgreSQL cannot compare text with a NUL in it (a search answered 500); SQLite would search for it. Refusing
    it here gives the same answer on both. Text in a body is refused when it would be saved (``phb.db``).
    """
    bad = sorted({key for key, value in connection.query_params.multi_items() if "\x00" in key + value})
    if bad:
        raise ValidationFailedError(dict.fromkeys(bad, "must not contain a NUL character (\\0)"))


__all__ = ["ROUTES", "no_nul_in_query_parameters", "one_value_per_query_parameter"]
