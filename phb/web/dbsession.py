"""One database session per request; the response status decides commit (2xx/3xx) or rollback.

The session is created lazily in the ASGI scope, so the authentication middleware and the handler share it
and a request is one unit of work. Refused accesses are written even when the request rolls back: an access
log that forgets denials would hide exactly what an auditor looks for.
"""

from __future__ import annotations

from typing import Any, cast

from litestar import Request
from litestar.types import Message, Scope
from sqlalchemy.orm import Session, sessionmaker

from phb.audit.services import persist_denials

SCOPE_KEY = "phb.db_session"
FACTORY_STATE_KEY = "session_factory"


def session_from_scope(scope: Scope) -> Session:
    """The request's session, created on first use."""
    existing = scope.get(SCOPE_KEY)
    if existing is not None:
        return cast("Session", existing)
    factory = cast("sessionmaker[Session]", scope["app"].state[FACTORY_STATE_KEY])
    session = factory()
    scope[SCOPE_KEY] = session  # type: ignore[literal-required]
    return session


def provide_db_session(request: Request[Any, Any, Any]) -> Session:
    """Dependency ``db_session`` for handlers."""
    return session_from_scope(request.scope)


def finish(scope: Scope, status: int) -> None:
    """Commit or roll back the request's session according to the response status, then close it."""
    session = cast("Session | None", scope.pop(SCOPE_KEY, None))  # type: ignore[misc]
    if session is None:
        return
    try:
        if 200 <= status < 400:  # noqa: PLR2004
            session.commit()
        else:
            session.rollback()
            persist_denials(session)
    finally:
        session.close()


async def before_send(message: Message, scope: Scope) -> None:
    """Litestar ``before_send`` hook: settle the transaction as the response starts."""
    if message["type"] == "http.response.start":
        finish(scope, message["status"])
