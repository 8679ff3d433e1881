"""Sign in and sign out."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Response, Template
from litestar.types import ControllerRouterHandler
from sqlalchemy.orm import Session

from phb.accounts.rules import PORTAL_ROLES
from phb.accounts.services import authenticate, end_session, start_session
from phb.audit.services import AuditActor, act_as
from phb.config import Settings
from phb.web.forms import FormData
from phb.web.rendering import render
from phb.web.security import client_address, rotate_csrf


def safe_next(url: str | None) -> str:
    """Only local paths: never send a user off-site after login (open redirect)."""
    if not url or not url.startswith("/") or url.startswith(("//", "/\\")):
        return "/"
    return url


def _settings(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state["settings"]
    return settings


def _client_ip(request: Request[Any, Any, Any]) -> str:
    return client_address(request, _settings(request))


@get("/login", opt={"public": True}, sync_to_thread=False, include_in_schema=False)
def login_page(request: Request[Any, Any, Any]) -> Template:
    """The sign-in form."""
    target = safe_next(request.query_params.get("next"))
    return render(request, "auth/login.html", {"form": {}, "errors": {}, "next_url": target})


@post("/login", opt={"public": True}, sync_to_thread=True, include_in_schema=False)
def login(request: Request[Any, Any, Any], data: FormData, db_session: Session) -> Response[Any]:
    """Check the password; on success start a fresh session (new id, new CSRF secret) and go where asked."""
    settings = _settings(request)
    username = str(data.get("username", "")).strip()
    password = str(data.get("password", ""))
    target = safe_next(str(data.get("next", "")))
    errors = {}
    throttled = False
    if not username:
        errors["username"] = "Enter your username"
    if not password:
        errors["password"] = "Enter your password"  # noqa: S105 - a message, not a secret
    if not errors:
        act_as(db_session, AuditActor(user_id=None, label=f"login:{username.lower()[:60]}"))
        result = authenticate(
            db_session, username=username, password=password, ip_address=_client_ip(request), settings=settings
        )
        if result.user is not None:
            previous = request.cookies.get(settings.session_cookie)
            if previous:
                # Signing in again replaces the session this browser had (ASVS 5.0 V7.2.4): its token stops working.
                end_session(db_session, previous, reason="replaced")
            act_as(
                db_session,
                AuditActor(
                    user_id=result.user.id, label=result.user.username, roles=tuple(sorted(result.user.role_set))
                ),
            )
            token = start_session(
                db_session, result.user, ip_address=_client_ip(request), user_agent=request.headers.get("user-agent")
            )
            if target == "/" and not (result.user.role_set - PORTAL_ROLES):
                target = "/my"  # a budget holder or representative starts at their own pages
            response = Redirect(path=target, status_code=303)
            response.set_cookie(
                settings.session_cookie, token, path="/", secure=settings.cookie_secure, httponly=True, samesite="lax"
            )
            rotate_csrf(request)
            return response
        # The failed attempt (and any lockout) must be kept although the response is an error.
        db_session.commit()
        errors["username"] = result.message
        throttled = result.throttled
    return render(
        request,
        "auth/login.html",
        {"form": {"username": username}, "errors": errors, "next_url": target},
        status_code=429 if throttled else 400,
    )


@post("/logout", sync_to_thread=True, include_in_schema=False)
def logout(request: Request[Any, Any, Any], db_session: Session) -> Response[Any]:
    """End the session server-side and clear the cookie."""
    settings = _settings(request)
    token = request.cookies.get(settings.session_cookie)
    if token:
        end_session(db_session, token)
    response = Redirect(path="/login", status_code=303)
    # Deleted with the attributes it was set with: a browser ignores a __Host- cookie without Secure, deletion
    # included, and would keep sending the old token.
    response.set_cookie(
        settings.session_cookie,
        "",
        max_age=0,
        expires=0,
        path="/",
        secure=settings.cookie_secure,
        httponly=True,
        samesite="lax",
    )
    rotate_csrf(request)
    return response


@post("/session/keepalive", status_code=204, sync_to_thread=False, include_in_schema=False)
def keepalive() -> None:
    """Stay signed in: reaching here at all refreshed the session (the middleware did it)."""


@get("/accessibility", opt={"public": True}, sync_to_thread=False, include_in_schema=False)
def accessibility(request: Request[Any, Any, Any]) -> Template:
    """Accessibility statement."""
    return render(request, "static/accessibility.html")


@get("/privacy", opt={"public": True}, sync_to_thread=False, include_in_schema=False)
def privacy(request: Request[Any, Any, Any]) -> Template:
    """Privacy notice."""
    return render(request, "static/privacy.html")


ROUTES: list[ControllerRouterHandler] = [login_page, login, logout, keepalive, accessibility, privacy]
