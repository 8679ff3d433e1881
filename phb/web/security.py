"""The request pipeline's security work, in order: request id, who is calling, CSRF, response headers.

* Request id: taken from a well-formed ``X-Request-ID`` or made fresh; bound to every log line and audit event.
* Who: a ``__Host-`` session cookie (server-side session, idle and absolute timeouts) or an API bearer token,
  which counts only under ``/api/v1`` (and the API's description): a "read" token gets 403 on unsafe methods.
  The user's :class:`~phb.access.rules.Actor` goes into ``scope["user"]``; anonymous requests carry ``None``
  and are stopped by :func:`require_login` unless the route is marked public.
* CSRF: every state-changing request made with a session cookie must echo the CSRF cookie's value in the
  ``X-CSRF-Token`` header (HTMX sends it from ``hx-headers`` on ``<body>``) or the ``_csrf_token`` form field.
  Bearer-token requests are exempt: a browser never attaches those on its own.
* Headers: a strict Content Security Policy (no inline script or style), no caching of pages holding health
  or money data, and the usual hardening headers.
"""

from __future__ import annotations

import ipaddress
import json
import re
import secrets
import uuid
from typing import Any

import anyio.to_thread
import structlog
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers import BaseRouteHandler
from litestar.response.base import ASGIResponse
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from phb.access.rules import Actor
from phb.access.services import audit_actor
from phb.accounts.services import actor_for, resolve_api_token, session_actor
from phb.audit.services import act_as
from phb.config import Settings
from phb.observability import get_logger, request_id_var
from phb.web.dbsession import session_from_scope

CSRF_SCOPE_KEY = "phb.csrf_token"
NEW_CSRF_SCOPE_KEY = "phb.csrf_new"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Where an API token is accepted: the JSON API and its description.
TOKEN_PATHS = ("/api/v1/", "/schema/")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self' https://assets.nhs.uk; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
log = get_logger(__name__)


def _resolve_user(
    scope: Scope, settings: Settings, session_token: str | None, bearer: str | None
) -> tuple[Actor | None, str | None]:
    """The caller and, for an API token, the token's scope."""
    session = session_from_scope(scope)
    actor, token_scope = None, None
    if bearer:
        use = resolve_api_token(session, bearer)
        if use is not None:
            actor, token_scope = actor_for(session, use.user), use.scope
    elif session_token:
        actor = session_actor(session, session_token, settings)
    if actor is not None:
        act_as(session, audit_actor(actor))
    return actor, token_scope


class SecurityMiddleware:
    """Pure ASGI middleware doing the work described in the module docstring."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Bind the request id, then do the rest (see ``_handle``)."""
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        request: Request[Any, Any, Any] = Request(scope, receive)
        incoming_id = request.headers.get("x-request-id", "")
        request_id = incoming_id if _REQUEST_ID.match(incoming_id) else uuid.uuid4().hex
        token_var = request_id_var.set(request_id)
        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await self._handle(scope, receive, send, request, request_id)
        finally:
            structlog.contextvars.unbind_contextvars("request_id")
            request_id_var.reset(token_var)

    async def _handle(
        self, scope: Scope, receive: Receive, send: Send, request: Request[Any, Any, Any], request_id: str
    ) -> None:
        settings = self.settings
        authorization = request.headers.get("authorization", "")
        bearer = authorization[7:].strip() if authorization.lower().startswith("bearer ") else None
        if not scope["path"].startswith(TOKEN_PATHS):
            # An API token opens the API and nothing else: no page, no account management (so no token can make
            # another token or change the password). Elsewhere the header is ignored, CSRF checks included.
            bearer = None
        session_token = request.cookies.get(settings.session_cookie)
        is_static = scope["path"].startswith(("/static/", "/assets/"))
        actor, token_scope = None, None
        if (bearer or session_token) and not is_static:
            actor, token_scope = await anyio.to_thread.run_sync(_resolve_user, scope, settings, session_token, bearer)
        scope["user"] = actor
        scope["auth"] = "token" if bearer and actor else ("session" if actor else None)

        csrf_cookie = request.cookies.get(settings.csrf_cookie)
        new_csrf = None
        if not csrf_cookie or len(csrf_cookie) < 32:  # noqa: PLR2004
            new_csrf = csrf_cookie = secrets.token_urlsafe(32)
        scope[CSRF_SCOPE_KEY] = csrf_cookie  # type: ignore[literal-required]

        if request.method in UNSAFE_METHODS and not bearer and not await self._csrf_ok(request, csrf_cookie, new_csrf):
            log.warning("csrf token missing or wrong", path=scope["path"])
            await self._reject_csrf(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                self._harden(headers, is_static=is_static, request_id=request_id)
                rotated = scope.get(NEW_CSRF_SCOPE_KEY)
                if rotated or (new_csrf and not is_static):
                    headers.add("set-cookie", self._csrf_cookie_header(str(rotated or new_csrf)))
            await send(message)

        if token_scope == "read" and request.method in UNSAFE_METHODS:  # noqa: S105 - a scope, not a secret
            await self._reject_read_only_token(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)

    async def _csrf_ok(self, request: Request[Any, Any, Any], expected: str, new_csrf: str | None) -> bool:
        if new_csrf is not None:  # no cookie came with the request, so nothing can match it
            return False
        sent = request.headers.get("x-csrf-token")
        if not sent:
            content_type = request.headers.get("content-type", "")
            if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
                form = await request.form()  # Litestar caches the parsed body for the handler
                value = form.get("_csrf_token")
                sent = value if isinstance(value, str) else None
        return bool(sent) and secrets.compare_digest(str(sent), expected)

    async def _reject_read_only_token(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = ASGIResponse(
            body=json.dumps(
                {
                    "type": "about:blank",
                    "title": "You do not have permission to do this",
                    "status": 403,
                    "detail": "This API token may only read; make a read and write token to change records",
                }
            ).encode(),
            status_code=403,
            media_type="application/problem+json",
        )
        await response(scope, receive, send)

    async def _reject_csrf(self, scope: Scope, receive: Receive, send: Send) -> None:
        from phb.web.errors import csrf_failure_response  # noqa: PLC0415 - errors imports templates lazily

        response = csrf_failure_response(scope)
        await response(scope, receive, send)

    def _csrf_cookie_header(self, value: str) -> str:
        secure = "; Secure" if self.settings.cookie_secure else ""
        return f"{self.settings.csrf_cookie}={value}; Path=/; HttpOnly; SameSite=Lax{secure}"

    def _harden(self, headers: MutableScopeHeaders, *, is_static: bool, request_id: str) -> None:
        headers["x-request-id"] = request_id
        headers["content-security-policy"] = CSP
        headers["x-content-type-options"] = "nosniff"
        headers["x-frame-options"] = "DENY"
        headers["referrer-policy"] = "same-origin"
        headers["permissions-policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
        headers["cross-origin-opener-policy"] = "same-origin"
        if self.settings.cookie_secure:
            headers["strict-transport-security"] = "max-age=31536000; includeSubDomains"
        if not is_static:
            headers["cache-control"] = "no-store"


def _is_trusted(address: str, networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request: Request[Any, Any, Any], settings: Settings) -> str:
    """The address a request came from, as sign-in throttling and the security log count it.

    ``X-Forwarded-For`` is believed only from a proxy listed in ``PHB_TRUSTED_PROXIES`` (none by default), and then
    only its right-most address that is not itself a trusted proxy: the left part is whatever the client wrote.
    """
    peer = request.client.host if request.client else "unknown"
    networks = settings.trusted_proxy_networks
    if not _is_trusted(peer, networks):
        return peer
    forwarded = [part.strip() for value in request.headers.getall("x-forwarded-for", []) for part in value.split(",")]
    forwarded = [part for part in forwarded if part]
    for address in reversed(forwarded):
        if not _is_trusted(address, networks):
            return address
    return forwarded[0] if forwarded else peer


def require_login(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Global guard: every route needs a logged-in user unless it is marked ``opt={"public": True}``."""
    if handler.opt.get("public"):
        return
    if connection.scope.get("user") is None:
        raise NotAuthorizedException("Sign in to continue")


def require_staff(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    """Guard for staff-only areas (the person and representative portal has its own pages)."""
    actor = connection.scope.get("user")
    if not isinstance(actor, Actor) or not actor.is_staff:
        raise PermissionDeniedException("This part of the service is for NHS staff")


def provide_actor(request: Request[Any, Any, Any]) -> Actor:
    """Dependency ``actor``: the logged-in user (routes are guarded, so there always is one)."""
    actor = request.scope.get("user")
    if not isinstance(actor, Actor):
        raise NotAuthorizedException("Sign in to continue")
    return actor


def rotate_csrf(request: Request[Any, Any, Any]) -> str:
    """Issue a fresh CSRF secret (at login and logout) and make it the one this response's pages use."""
    token = secrets.token_urlsafe(32)
    request.scope[NEW_CSRF_SCOPE_KEY] = token  # type: ignore[literal-required]
    request.scope[CSRF_SCOPE_KEY] = token  # type: ignore[literal-required]
    return token
