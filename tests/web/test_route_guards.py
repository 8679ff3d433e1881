"""Every route is guarded, provably: walk the app's own route table.

* Anonymous: every non-public route answers 401 (API, or asked for JSON) or sends the browser to sign in, and
  the response carries no record data.
* Someone else's person (IDOR): for every route about a person, a case manager who does not have that person on
  their caseload gets 403 or 404 and no data about them, whatever the method.

A new route is covered automatically; a route marked public must be listed here on purpose.
"""

from __future__ import annotations

import re

import pytest
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute

from phb.accounts.rules import Role
from phb.web.app import create_app
from tests.factories import make_person, make_user
from tests.web.helpers import csrf, login

PUBLIC = {"/login", "/accessibility", "/privacy", "/healthz", "/readyz", "/invite/{token:str}", "/setup/{token:str}"}
STATIC_PREFIXES = ("/static/", "/assets/")
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def all_routes() -> list[tuple[str, str, HTTPRouteHandler]]:
    routes = []
    for route in create_app().routes:
        if not isinstance(route, HTTPRoute) or route.path.startswith(STATIC_PREFIXES):
            continue
        for handler in route.route_handlers:
            routes.extend((method, route.path, handler) for method in handler.http_methods if method != "OPTIONS")
    return sorted({(m, p, h) for m, p, h in routes}, key=lambda r: (r[1], r[0]))


def fill(path: str, person_id: int) -> str:
    path = path.replace("{person_id:int}", str(person_id))
    return re.sub(r"\{\w+(?::\w+)?\}", "1", path)


def test_public_routes_are_exactly_the_ones_we_chose():
    public = {path for _, path, handler in all_routes() if handler.opt.get("public")}
    assert public == PUBLIC


def test_every_route_rejects_an_anonymous_user(client, db):
    secret = make_person(db, "Secret", "Zanzibar")
    checked = 0
    for method, path, handler in all_routes():
        if handler.opt.get("public"):
            continue
        url = fill(path, secret.id)
        headers = {"Accept": "application/json", "X-CSRF-Token": csrf(client)}
        response = client.request(method, url, headers=headers, follow_redirects=False)
        assert response.status_code == 401, f"{method} {path} answered {response.status_code} to an anonymous user"
        assert "Zanzibar" not in response.text
        checked += 1
    assert checked >= 10


@pytest.mark.parametrize("via", ["page", "api"])
def test_every_person_route_refuses_a_case_manager_without_that_person(client, db, via):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    nina = make_user(db, "nina", Role.CASE_MANAGER)
    make_person(db, "Mine", "Okafor", case_manager=casey)
    theirs = make_person(db, "Secret", "Zanzibar", case_manager=nina)
    login(client, "casey")
    checked = 0
    for method, path, _handler in all_routes():
        if "{person_id" not in path or path.startswith("/api/") != (via == "api"):
            continue
        url = fill(path, theirs.id)
        headers = {"X-CSRF-Token": csrf(client)} if method in UNSAFE else {}
        response = client.request(
            method, url, headers=headers, data={} if method in UNSAFE else None, follow_redirects=False
        )
        # The walker sends placeholder values ("1") and empty bodies, which may be refused as malformed (400/422)
        # before the person is even looked up: that also changes nothing and says nothing about the person.
        # Anything 2xx/3xx would be a hole.
        allowed = {400, 403, 404, 422}
        assert response.status_code in allowed, f"{method} {path} answered {response.status_code} (IDOR)"
        assert "Zanzibar" not in response.text, f"{method} {path} leaked the person's name"
        checked += 1
    assert checked >= 3


def test_the_api_refuses_a_repeated_query_parameter_instead_of_keeping_the_last(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    make_person(db, "Margaret", "Okafor", case_manager=casey)
    login(client, "casey")
    assert client.get("/api/v1/people?page=1").status_code == 200
    repeated = client.get("/api/v1/people?page=1&page=2")
    assert repeated.status_code == 422
    assert repeated.headers["content-type"].startswith("application/problem+json")
    assert repeated.json()["errors"] == {"page": "Give this parameter once"}
    assert client.get("/api/v1/governance/framework?date=2026-01-01&date=null").status_code == 422
    assert client.get("/?page=1&page=1").status_code == 200  # pages are forgiving: a link is not an API call
    person = make_person(db, "Tom", "Price", case_manager=casey)
    assert client.get(f"/api/v1/people/{person.id}").status_code == 200
    assert client.get(f"/api/v1/people/{person.id}%09").status_code == 404  # not read as the person by int()
