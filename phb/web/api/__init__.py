"""JSON API under /api/v1, documented at /schema. Each module here exports ``ROUTES``."""

import json
import sys
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from litestar.connection import ASGIConnection, Request
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
        raise ValidationFailedError(dict.fromkeys(bad, NUL_MESSAGE))


NUL_MESSAGE = "must not contain a NUL character (\\0)"


def _nul_fields(value: object, path: str = "body") -> Iterator[str]:
    """The dotted names of the strings holding a NUL character in a decoded JSON document."""
    if isinstance(value, str):
        if "\x00" in value:
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _nul_fields(item, str(key) if path == "body" else f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_fields(item, f"{path}.{index}")


async def no_nul_in_form_or_json_body(
    connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler
) -> None:
    """Guard: a NUL character in a form field or a JSON string is refused (422 naming the field) before any query.

    A NUL sent to PostgreSQL in a lookup (a username at sign-in) failed with a driver error; SQLite looked it up.
    Saving one is refused by ``phb.db`` already; this gives lookups the same answer on both databases. Only
    url-encoded forms and JSON are read (cached for the handler); file uploads are the importers' to check.
    """
    content_type = connection.headers.get("content-type", "")
    form = content_type.startswith("application/x-www-form-urlencoded")
    if not (form or "json" in content_type) or connection.scope.get("method") in {"GET", "HEAD", "OPTIONS"}:
        return
    body = await Request(connection.scope, connection.receive).body()
    if form:
        if b"%00" not in body:
            return
        fields = sorted({key for key, value in parse_qsl(body.decode("latin-1")) if "\x00" in key + value})
    else:
        if b"\\u0000" not in body:
            return
        try:
            fields = sorted(set(_nul_fields(json.loads(body))))
        except ValueError:
            return  # malformed JSON: the handler's own parsing answers it
    if fields:
        raise ValidationFailedError(dict.fromkeys(fields, NUL_MESSAGE))


__all__ = ["ROUTES", "no_nul_in_form_or_json_body", "no_nul_in_query_parameters", "one_value_per_query_parameter"]
