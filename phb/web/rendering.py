"""Rendering pages and HTMX fragments from one template.

A page template names each swappable region as a ``{% block %}`` called after its DOM id (``caseload-results``
becomes the block ``caseload_results``, as Jinja names cannot hold dashes). A handler passes the ids it allows;
for an HTMX request whose ``HX-Target`` is one of them only that block is rendered, otherwise the whole
page. The client never chooses an arbitrary block, and ``Vary: HX-Request`` keeps caches honest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from jinja2_fragments.litestar import HTMXBlockTemplate
from litestar import MediaType, Request
from litestar.plugins.htmx import ClientRedirect, HTMXDetails
from litestar.response import Redirect, Response, Template

from phb.access.rules import Actor
from phb.accounts.rules import Role
from phb.web.security import CSRF_SCOPE_KEY


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    """True for requests made by htmx (and not a history restore, which needs the whole page)."""
    details = HTMXDetails(request)
    return bool(details) and not details.history_restore_request


def htmx_target(request: Request[Any, Any, Any]) -> str | None:
    """The id of the element an htmx request will swap, or None for a whole page."""
    return HTMXDetails(request).target if is_htmx(request) else None


# Top navigation: (text, path, roles that see it; empty means every member of staff). A link shows only when
# the installation has the route, so an area appears in the header when its pages exist.
NAVIGATION: tuple[tuple[str, str, frozenset[Role]], ...] = (
    ("Caseload", "/", frozenset()),
    ("Decisions", "/decisions", frozenset()),
    ("Reviews", "/reviews", frozenset()),
    ("Appeals", "/appeals", frozenset()),
    ("Findings", "/findings", frozenset({Role.DIRECT_PAYMENTS_OFFICER, Role.CHC_SERVICE_MANAGER})),
    ("Panels", "/panels", frozenset({Role.PANEL_CHAIR, Role.PANEL_MEMBER, Role.CHC_SERVICE_MANAGER})),
    ("Users", "/admin/users", frozenset({Role.ADMINISTRATOR})),
)


_ROUTE_PATHS = "phb_route_paths"


def _nav_links(request: Request[Any, Any, Any]) -> list[tuple[str, str]]:
    actor = request.scope.get("user")
    if not isinstance(actor, Actor):
        return []
    if not actor.is_staff:
        return [("Home", "/my")]
    paths = request.app.state.get(_ROUTE_PATHS)
    if paths is None:  # the routes are fixed once the app runs: collected on the first page, not on every one
        paths = request.app.state[_ROUTE_PATHS] = frozenset(route.path for route in request.app.routes)
    return [(text, path) for text, path, roles in NAVIGATION if path in paths and (not roles or actor.has_any(*roles))]


def base_context(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """What every template can rely on: the user, the CSRF token and the navigation."""
    return {
        "current_user": request.scope.get("user"),
        "csrf_token": request.scope.get(CSRF_SCOPE_KEY, ""),
        "nav_links": _nav_links(request),
        "session_idle_seconds": request.app.state["settings"].session_idle_minutes * 60
        if request.scope.get("auth") == "session"
        else None,
    }


def render(
    request: Request[Any, Any, Any],
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    blocks: Iterable[str] = (),
    status_code: int = 200,
) -> Template:
    """The whole page, or for an HTMX request targeting an allowed block, only that block."""
    full_context = {**base_context(request), **(context or {})}
    headers = {"Vary": "HX-Request"}
    target = htmx_target(request)
    if target is not None and target in set(blocks):
        return HTMXBlockTemplate(
            template_name=template,
            block_name=target.replace("-", "_"),
            context=full_context,
            status_code=status_code,
            headers=headers,
            media_type=MediaType.HTML,
        )
    # Always HTML: a handler annotated ``-> Any`` would otherwise send its default, JSON, and a browser without
    # JavaScript would show a failed form's page as text.
    return Template(
        template_name=template,
        context=full_context,
        status_code=status_code,
        headers=headers,
        media_type=MediaType.HTML,
    )


def redirect(request: Request[Any, Any, Any], url: str) -> Response[Any]:
    """After a successful form: 303 for plain browsers, ``HX-Redirect`` for htmx (a whole-page navigation)."""
    if is_htmx(request):
        response = ClientRedirect(url)
        response.status_code = 204  # nothing to swap; a POST handler would otherwise answer 201
        return response
    return Redirect(path=url, status_code=303)
