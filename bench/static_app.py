"""The rendering ceiling: phb's real templates rendered from pre-built contexts, with no database work at all.

At start-up the real app is driven once in-process (signed in, the page requested) and the exact context each
page handler passed to :func:`phb.web.rendering.render` is recorded; JSON endpoints are fetched once and parsed
back into their read model. The app then answers every request by rendering the same template with the same
context (or serialising the same read model): no session, no permission check, no access log, no audit, no
security middleware. Served with the same uvicorn settings as ``phb serve`` (``bench/serve.py static``).

Configured by the environment variable ``BENCH_STATIC_SPEC`` (JSON, written by ``bench/web_bench.py``)::

    {"database_url": "...", "password": "...",
     "pages": {"budget": ["bench-cm-1", "/people/7/budget"], ...},
     "json": {"sheet": ["bench-cm-1", "/api/v1/people/7/budget/sheet", "phb.budgets.schemas:SheetRead"]}}

and served at ``/page/<name>`` and ``/json/<name>``.
"""

from __future__ import annotations

import importlib
import json
import os
from typing import Any
from unittest import mock

from litestar import Litestar, get
from litestar.exceptions import NotFoundException
from litestar.response import Template
from litestar.testing import TestClient
from pydantic import BaseModel

from phb.config import Settings
from phb.web import rendering
from phb.web.templating import create_template_config

CSRF_COOKIE = "__Host-phb_csrf"


def _login(client: TestClient, username: str, password: str) -> None:  # type: ignore[type-arg]
    client.get("/login")
    token = client.cookies.get(CSRF_COOKIE)
    response = client.post(
        "/login",
        data={"username": username, "password": password, "_csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    if response.status_code != 303:
        raise RuntimeError(f"could not sign in as {username}: {response.status_code}")


def capture(spec: dict[str, Any]) -> tuple[dict[str, tuple[str, dict[str, Any]]], dict[str, BaseModel]]:
    """(template name and context of each page, read model of each JSON endpoint), from the real app."""
    from phb.web.app import create_app  # noqa: PLC0415

    settings = Settings(database_url=spec["database_url"], log_level="WARNING")
    pages: dict[str, tuple[str, dict[str, Any]]] = {}
    models: dict[str, BaseModel] = {}
    recorded: list[tuple[str, dict[str, Any]]] = []

    class Recording(Template):
        def __init__(self, template_name: str, context: dict[str, Any], **kwargs: Any) -> None:  # noqa: ANN401
            recorded.append((template_name, context))
            super().__init__(template_name=template_name, context=context, **kwargs)

    with (
        mock.patch.object(rendering, "Template", Recording),
        TestClient(create_app(settings), base_url="https://127.0.0.1") as client,
    ):
        for name, (username, path) in spec.get("pages", {}).items():
            client.cookies.clear()
            _login(client, username, spec["password"])
            recorded.clear()
            response = client.get(path)
            if response.status_code != 200 or not recorded:
                raise RuntimeError(f"{path} as {username} answered {response.status_code}")
            pages[name] = recorded[-1]
        for name, (username, path, model_path) in spec.get("json", {}).items():
            client.cookies.clear()
            _login(client, username, spec["password"])
            response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"{path} as {username} answered {response.status_code}")
            module, _, attr = model_path.partition(":")
            model: type[BaseModel] = getattr(importlib.import_module(module), attr)
            models[name] = model.model_validate_json(response.content)
    return pages, models


def create_app() -> Litestar:
    """Factory for uvicorn: capture once, then render from memory."""
    spec = json.loads(os.environ["BENCH_STATIC_SPEC"])
    pages, models = capture(spec)

    @get("/page/{name:str}", sync_to_thread=False)
    def page(name: str) -> Template:
        """The page's template with its recorded context."""
        if name not in pages:
            raise NotFoundException
        template_name, context = pages[name]
        return Template(template_name=template_name, context=context, headers={"Vary": "HX-Request"})

    @get("/json/{name:str}", sync_to_thread=False)
    def json_endpoint(name: str) -> BaseModel:
        """The endpoint's read model, serialised as the API serialises it."""
        if name not in models:
            raise NotFoundException
        return models[name]

    return Litestar(route_handlers=[page, json_endpoint], template_config=create_template_config())
