"""Mapping errors to responses: friendly NHS.UK-style pages for people, problem+json for the API.

Error responses never echo record contents: a 404 for a person outside the caseload looks exactly like a 404
for a person who does not exist.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.response import Redirect, Template
from litestar.response.base import ASGIResponse
from litestar.types import Scope
from sqlalchemy import Index, UniqueConstraint
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from phb.errors import ConflictError, ForbiddenError, NotFoundError, ValidationFailedError
from phb.models import Base
from phb.observability import get_logger
from phb.web.rendering import base_context, is_htmx

log = get_logger(__name__)

TITLES = {
    400: "There is a problem with what you sent",
    401: "Sign in to continue",
    403: "You do not have permission to see this page",
    404: "Page not found",
    405: "There is a problem with what you sent",
    409: "Someone else changed this record",
    413: "The file is too large",
    422: "There is a problem with what you sent",
    429: "Too many requests",
    500: "Sorry, there is a problem with the service",
}
FORBIDDEN_ACTION = "You cannot do this"
MESSAGES = {
    403: "If you think you should have access, ask your service manager.",
    404: "If you typed the web address, check it is correct. If you pasted the web address, check you copied the "
    "entire address.",
    500: "Try again later. If the problem continues, contact the service desk and quote the reference below.",
}


def wants_json(request: Request[Any, Any, Any]) -> bool:
    """API paths and clients that ask for JSON get problem+json."""
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def _problem(status: int, detail: str, errors: dict[str, str] | None = None) -> Response[Any]:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None  # noqa: PLR2004
    return Response(content=body, status_code=status, media_type="application/problem+json", headers=headers)


def error_page(
    request: Request[Any, Any, Any],
    status: int,
    message: str | None = None,
    headers: dict[str, str] | None = None,
    *,
    title: str | None = None,
) -> Response[Any]:
    """The friendly error page for ``status`` (``title`` instead of the status's usual one), or problem+json."""
    text = message or MESSAGES.get(status, "")
    if wants_json(request):
        problem = _problem(status, text)
        if title:
            problem.content["title"] = title
        problem.headers.update(headers or {})
        return problem
    context = {
        **base_context(request),
        "status_code": status,
        "title": title or TITLES.get(status, "Error"),
        "message": text,
        "request_id": request.headers.get("x-request-id") or "",
    }
    return Template(
        template_name="errors/error.html",
        context=context,
        status_code=status,
        media_type=MediaType.HTML,
        headers=headers,
    )


def handle_not_authorized(request: Request[Any, Any, Any], exc: NotAuthorizedException) -> Response[Any]:
    """Pages send the browser to sign in and come back; the API answers 401."""
    if wants_json(request):
        return _problem(401, exc.detail)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    login = f"/login?next={quote(target, safe='')}"
    if is_htmx(request):
        return Response(content=b"", status_code=401, headers={"HX-Redirect": login})
    return Redirect(path=login, status_code=303)


def handle_validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    """Malformed JSON or parameters: 400 naming each field."""
    errors: dict[str, str] = {}
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            errors[str(item.get("key") or item.get("source") or "body")] = str(item.get("message", "is not valid"))
    if wants_json(request):
        return _problem(400, "The request is not valid", errors)
    return error_page(request, 400, "; ".join(f"{k}: {v}" for k, v in errors.items()) or None)


def handle_validation_failed(request: Request[Any, Any, Any], exc: ValidationFailedError) -> Response[Any]:
    """A domain rule refused the input (handlers re-render forms themselves; this is the API's path)."""
    if wants_json(request):
        return _problem(422, "The request breaks a rule", exc.errors)
    return error_page(request, 422, "; ".join(exc.errors.values()))


def handle_domain(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Not found, forbidden and conflicts."""
    if isinstance(exc, NotFoundError):
        return error_page(request, 404)
    if isinstance(exc, ForbiddenError):
        # The person may see the record (the page showed it), just not do this to it: say so, not "see this page".
        return error_page(request, 403, str(exc), title=FORBIDDEN_ACTION)
    if isinstance(exc, ConflictError):
        if wants_json(request):
            body = _problem(409, str(exc))
            body.content["current"] = exc.current
            return body
        return error_page(request, 409, str(exc))
    if isinstance(exc, StaleDataError):
        return error_page(request, 409, "Someone else changed this record at the same time. Reload it and try again.")
    return handle_server_error(request, exc)


def handle_out_of_range(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A number too large for the database: as an id it cannot exist (404); in a body it is malformed (400)."""
    from_path = isinstance(exc, OverflowError) or request.method in {"GET", "DELETE"}
    if from_path:
        return error_page(request, 404)
    return error_page(request, 400, "A number in the request is out of range")


def _unique_rule(exc: IntegrityError) -> tuple[str, list[str], str | None] | None:
    """(table, columns, message declared on the model) of the unique rule ``exc`` broke, when it is one.

    PostgreSQL names the constraint or index (``diag.constraint_name``); SQLite names the columns
    ("UNIQUE constraint failed: appeals.outcome_id"). A model may declare the sentence for people as
    ``info={"already_exists": ...}`` on the index, constraint or column.
    """
    diag = getattr(exc.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    text = str(exc.orig)
    columns: list[str] = []
    if text.startswith("UNIQUE constraint failed: "):
        columns = [c.strip() for c in text.removeprefix("UNIQUE constraint failed: ").split(",")]
    elif not (name and getattr(diag, "sqlstate", "") == "23505"):  # unique_violation
        return None
    for table in Base.metadata.tables.values():
        rules: list[Index | UniqueConstraint] = [
            *(i for i in table.indexes if i.unique),
            *(c for c in table.constraints if isinstance(c, UniqueConstraint)),
        ]
        for rule in rules:
            rule_columns = [f"{table.name}.{c.name}" for c in rule.columns]
            if rule.name == name or (columns and rule_columns == columns):
                message = rule.info.get("already_exists")
                if message is None and len(rule.columns) == 1:
                    message = next(iter(rule.columns)).info.get("already_exists")
                return table.name, [c.name for c in rule.columns], message
    if columns:
        table_name = columns[0].split(".")[0]
        return table_name, [c.split(".")[-1] for c in columns], None
    return None


def handle_integrity(request: Request[Any, Any, Any], exc: IntegrityError) -> Response[Any]:
    """A unique rule broken (usually two people doing the same at once): 409 naming what already exists.

    Other integrity errors (a foreign key to a record deleted meanwhile, a check) are 409 too: the request was
    valid when it was made and the data changed under it. The database's own message is logged, never shown
    (it can hold the values).
    """
    log.info("integrity error answered 409", error=str(exc.orig).splitlines()[0] if exc.orig else "")
    rule = _unique_rule(exc)
    if rule is None:
        return error_page(request, 409, "The record changed while you were saving it. Reload the page and try again.")
    table, columns, message = rule
    if message is None:
        message = (
            f"A {table.replace('_', ' ')} record with this {' and '.join(columns).replace('_', ' ')} already exists"
        )
    return error_page(request, 409, f"{message}. Reload the page to see it.")


def handle_http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """Litestar's own HTTP errors (404 for unknown routes, 403 from guards, 405...)."""
    # Keep the exception's headers: 405 must say which methods are allowed (Allow).
    headers = {str(k): str(v) for k, v in (exc.headers or {}).items()}
    return error_page(request, exc.status_code, exc.detail if exc.status_code == 403 else None, headers)  # noqa: PLR2004


def handle_server_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Anything unexpected: logged with its traceback, shown as a calm 500 with a reference."""
    log.error("unhandled error", exc_info=exc)
    return error_page(request, 500)


def csrf_failure_response(scope: Scope) -> ASGIResponse:
    """Response for a state-changing request whose CSRF token is missing or wrong (403)."""
    request: Request[Any, Any, Any] = Request(scope)
    message = "Your form expired or came from somewhere else. Go back, reload the page and try again."
    response = error_page(request, 403, message)
    return response.to_asgi_response(app=None, request=request)


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    NotAuthorizedException: handle_not_authorized,
    ValidationException: handle_validation,
    ValidationFailedError: handle_validation_failed,
    NotFoundError: handle_domain,
    ForbiddenError: handle_domain,
    ConflictError: handle_domain,
    StaleDataError: handle_domain,
    IntegrityError: handle_integrity,
    HTTPException: handle_http,
    OverflowError: handle_out_of_range,  # SQLite: an int beyond 64 bits
    DataError: handle_out_of_range,  # PostgreSQL: numeric value out of range
    Exception: handle_server_error,
}
