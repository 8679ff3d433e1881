"""``create_app()``: the Litestar application, wired from settings."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any, cast

from litestar import Litestar, Request, Response, Router, get
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.routes import HTTPRoute
from litestar.static_files import create_static_files_router
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from phb.config import Settings, get_settings
from phb.db import create_db_engine, make_session_factory
from phb.migrate import current_heads, migration_problem
from phb.observability import configure_logging, get_logger
from phb.web import api, pages
from phb.web.dbsession import FACTORY_STATE_KEY, before_send, provide_db_session
from phb.web.errors import EXCEPTION_HANDLERS
from phb.web.openapi import MoneySchemaPlugin, add_problem_responses
from phb.web.security import SecurityMiddleware, provide_actor, require_login
from phb.web.templating import create_template_config

STATIC_OWN = Path(__file__).parent / "static"
log = get_logger(__name__)


@get("/healthz", opt={"public": True}, include_in_schema=False, sync_to_thread=False)
def healthz() -> dict[str, str]:
    """Liveness probe: the process answers (no data, no database). Restart the process when this fails."""
    return {"status": "ok"}


def _migration_heads(engine: Engine) -> frozenset[str]:
    """``alembic_version`` read on a raw connection in autocommit (empty when the table does not exist)."""
    connection = engine.raw_connection()  # a connection error propagates: the database does not answer
    try:
        cursor = connection.cursor()
        try:
            cursor.execute("SELECT version_num FROM alembic_version")
            return frozenset(str(row[0]) for row in cursor.fetchall())
        except Exception:  # noqa: BLE001 - no such table: never migrated
            return frozenset()
        finally:
            cursor.close()
            connection.rollback()
    finally:
        connection.close()


@get("/readyz", opt={"public": True}, include_in_schema=False, sync_to_thread=True)
def readyz(request: Request[Any, Any, Any]) -> Response[dict[str, str]]:
    """Readiness probe: the database answers and is at the code's migration heads; 503 otherwise.

    A load balancer sends traffic only to a ready process. The check reads ``alembic_version`` on a raw
    connection outside any transaction, so on SQLite it does not queue behind a long write (``BEGIN IMMEDIATE``),
    and it says only what is wrong, never the database's address or error text (the probe is public).
    """
    factory = cast("sessionmaker[Session]", request.app.state[FACTORY_STATE_KEY])
    bind = factory.kw["bind"]
    try:
        heads = _migration_heads(bind) if isinstance(bind, Engine) else current_heads(bind)
    except Exception as exc:  # noqa: BLE001 - any driver or connection error means "not ready"
        log.warning("readiness check failed", error=str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        return Response({"status": "unavailable", "reason": "the database does not answer"}, status_code=503)
    if migration_problem(heads):
        return Response({"status": "unavailable", "reason": "the database is not migrated"}, status_code=503)
    return Response({"status": "ready"})


def _static_routers(settings: Settings) -> list[Any]:
    assets = settings.assets_dir
    public = {"public": True}
    return [
        create_static_files_router(
            path="/static/nhsuk",
            directories=[assets / "nhsuk-frontend" / "dist" / "nhsuk"],
            opt=public,
            name="static-nhsuk",
        ),
        create_static_files_router(
            path="/static/htmx", directories=[assets / "htmx.org" / "dist"], opt=public, name="static-htmx"
        ),
        # The NHS.UK stylesheet refers to its icons at /assets/images/..., so that path is served as well.
        create_static_files_router(
            path="/assets",
            directories=[assets / "nhsuk-frontend" / "dist" / "nhsuk" / "assets"],
            opt=public,
            name="static-nhsuk-assets",
        ),
        create_static_files_router(path="/static/phb", directories=[STATIC_OWN], opt=public, name="static-phb"),
    ]


def _fix_options_allow(app: Litestar) -> None:
    """Make every automatic OPTIONS answer list all the route's methods in ``Allow``.

    Litestar builds a path's OPTIONS handler when the path's first method is registered and binds it to that
    first version of the route; methods registered later on the same path are missing from its ``Allow``
    header. Re-point each OPTIONS handler at the finished route.
    """
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if handler.http_methods != {"OPTIONS"}:
                continue
            for cell in getattr(handler.fn, "__closure__", None) or ():
                if isinstance(cell.cell_contents, HTTPRoute):
                    cell.cell_contents = route


def freeze_startup_heap() -> None:
    """Collect, then freeze what is left: startup objects live for the whole process (see ``Settings.freeze_heap``).

    Without this each full collection walks the hundreds of thousands of objects the app is made of, and the
    request that triggers one waits for it: the budget page's p99 was 6 times its median at one connection.
    """
    gc.collect()
    gc.freeze()


def create_app(settings: Settings | None = None, session_factory: sessionmaker[Session] | None = None) -> Litestar:
    """Build the application. Tests pass their own settings and a session factory bound to a test database."""
    settings = settings or get_settings()
    configure_logging(log_format=settings.log_format, level=settings.log_level)
    if session_factory is None:
        session_factory = make_session_factory(create_db_engine(settings.database_url))
    openapi = OpenAPIConfig(
        title="phb: personal health budgets API",
        version="1",
        path="/schema",
        render_plugins=[JsonRenderPlugin()],
        components=Components(
            security_schemes={
                "bearer": SecurityScheme(type="http", scheme="bearer", description="API token from your account page"),
                "session": SecurityScheme(type="apiKey", security_scheme_in="cookie", name=settings.session_cookie),
            }
        ),
        security=[{"bearer": []}, {"session": []}],
        # The API description is for signed-in users and token holders, like the API itself.
        openapi_router=Router(path="/schema", route_handlers=[], guards=[require_login], include_in_schema=False),
    )
    app = Litestar(
        route_handlers=[healthz, readyz, *pages.ROUTES, *api.ROUTES, *_static_routers(settings)],
        dependencies={
            "db_session": Provide(provide_db_session, sync_to_thread=False),
            "actor": Provide(provide_actor, sync_to_thread=False),
        },
        middleware=[DefineMiddleware(SecurityMiddleware, settings=settings)],
        guards=[
            require_login,
            api.one_value_per_query_parameter,
            api.no_nul_in_query_parameters,
            api.no_nul_in_form_or_json_body,
        ],
        before_send=[before_send],
        on_startup=[add_problem_responses, *([freeze_startup_heap] if settings.freeze_heap else [])],
        plugins=[MoneySchemaPlugin()],
        exception_handlers=EXCEPTION_HANDLERS,
        template_config=create_template_config(),
        openapi_config=openapi,
        state={FACTORY_STATE_KEY: session_factory, "settings": settings},  # type: ignore[arg-type]
        debug=settings.debug,
    )
    _fix_options_allow(app)
    return app
