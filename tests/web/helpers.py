"""Helpers for driving the app like a browser: sign in, read the CSRF token, post forms."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from tests.factories import PASSWORD

CSRF_COOKIE = "__Host-phb_csrf"
SESSION_COOKIE = "__Host-phb_session"


def csrf(client: TestClient) -> str:  # type: ignore[type-arg]
    token = client.cookies.get(CSRF_COOKIE)
    if token is None:
        client.get("/login")
        token = client.cookies.get(CSRF_COOKIE)
    assert token
    return token


def login(client: TestClient, username: str, password: str = PASSWORD) -> Any:  # type: ignore[type-arg]
    return client.post(
        "/login",
        data={"username": username, "password": password, "_csrf_token": csrf(client), "next": "/"},
        follow_redirects=False,
    )


def post_form(client: TestClient, url: str, data: dict[str, Any], **kwargs: Any) -> Any:  # type: ignore[type-arg]
    return client.post(url, data={**data, "_csrf_token": csrf(client)}, **kwargs)
