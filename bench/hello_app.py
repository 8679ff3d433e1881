"""The floor: a bare Litestar "hello world" route, served with the same uvicorn settings as ``phb serve``."""

from __future__ import annotations

from litestar import Litestar, get


@get("/", sync_to_thread=False)
def hello() -> str:
    """Plain text, no middleware, no database."""
    return "Hello, world!"


def create_app() -> Litestar:
    """Factory for uvicorn (``bench/serve.py hello``)."""
    return Litestar(route_handlers=[hello])
