"""Helpers for driving the app like a browser: sign in, read the CSRF token, post forms."""

from __future__ import annotations

from html.parser import HTMLParser
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


class _Forms(HTMLParser):
    """Every <form> of a page: its action, method and the fields a browser would send (name -> value)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:  # noqa: C901
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = {"action": a.get("action", ""), "method": a.get("method", "get").lower(), "fields": {}}
            self._form["names"] = set()
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            self._form["names"].add(name)
            kind = a.get("type", "text").lower()
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    self._form["fields"][name] = a.get("value", "on")
            elif kind not in {"submit", "button", "image", "reset", "file"}:
                self._form["fields"][name] = a.get("value", "")
        elif tag == "textarea" and name:
            self._form["names"].add(name)
            self._textarea = name
            self._form["fields"][name] = ""
        elif tag == "select" and name:
            self._form["names"].add(name)
            self._select, self._select_first = name, None
        elif tag == "option" and self._select is not None:
            value = a.get("value")
            self._option = value
            if self._select_first is None:
                self._select_first = value or ""
                self._form["fields"].setdefault(self._select, self._select_first)
            if "selected" in a:
                self._form["fields"][self._select] = value or ""
        elif tag == "button" and name and a.get("type", "submit") == "submit":
            self._form["names"].add(name)
            self._form.setdefault("buttons", {})[name] = a.get("value", "")

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea is not None:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def page_forms(html: str) -> list[dict[str, Any]]:
    """The forms of a page as a browser sees them: ``action``, ``method``, ``fields`` (defaults), ``names``."""
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def submit_form(
    client: TestClient,  # type: ignore[type-arg]
    page_url: str,
    fill: dict[str, Any] | None = None,
    *,
    action: str | None = None,
    button: str | None = None,
    where: dict[str, str | None] | None = None,
    **kwargs: Any,
) -> Any:
    """Open ``page_url``, fill its form (the one posting to ``action``, or the only POST form) and submit it.

    Only fields the page renders can be filled: a name the form does not have fails the test, so a test can never
    post a field the page never sends. Hidden fields, checked boxes and selected options go as a browser sends them.
    ``where`` picks one of several forms posting to the same place by the values the page rendered in them (for
    example ``{"supporter_id": "7"}`` among one button per supporter; ``None`` for a field the form lacks).
    """
    page = client.get(page_url)
    assert page.status_code == 200, (page_url, page.status_code)
    forms = [f for f in page_forms(page.text) if f["method"] == "post" and (action is None or f["action"] == action)]
    if where is not None:
        forms = [f for f in forms if all(f["fields"].get(k) == v for k, v in where.items())]
    assert len(forms) == 1, f"expected one POST form{' to ' + action if action else ''} on {page_url}, got {len(forms)}"
    form = forms[0]
    data = dict(form["fields"])
    for name, value in (fill or {}).items():
        assert name in form["names"], f"the form on {page_url} has no field {name!r} (it has {sorted(form['names'])})"
        data[name] = value
    if button is not None:
        assert button in form.get("buttons", {}), f"the form on {page_url} has no button {button!r}"
        data[button] = form["buttons"][button]
    return client.post(form["action"] or page_url, data=data, **kwargs)
