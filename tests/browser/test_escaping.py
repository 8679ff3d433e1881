"""Every user-written text is escaped: script put into every text field of every form never runs.

Its own server and database (the payload is saved into records), signed in as the demo case manager. Every form
on every page the walker finds is filled with the payload in each text field and submitted; the response and
the person's pages are then checked in the browser: the payload never executes, and no script or event-handler
element from it reaches the page. (The Content Security Policy would block inline script as well; this test
proves the escaping itself, so both defences hold.)
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Error as PlaywrightError

from phb import migrate
from phb.demo import load_demo
from tests.browser.conftest import sign_in
from tests.browser.test_accessibility import fill, html_get_routes

PAYLOAD = '"><script>window.__xss=1</script><img src=x onerror="window.__xss=1">'
SKIP_FORMS = ("/logout", "/session/keepalive")


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    db_url = f"sqlite:///{tmp_path_factory.mktemp('escaping') / 'phb.sqlite3'}"
    migrate.upgrade(db_url)
    load_demo(db_url)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "PHB_DATABASE_URL": db_url, "PHB_SECRET_KEY": "escaping", "PHB_LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(  # noqa: S603 - our own server
        [sys.executable, "-m", "phb.cli", "serve", "--host", "127.0.0.1", "--port", str(port)], env=env
    )
    base = f"http://localhost:{port}"
    for _ in range(150):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    yield base, db_url
    server.terminate()
    server.wait(timeout=10)


def _assert_clean(page: Any, where: str) -> None:
    for _ in range(5):  # an htmx response may still be navigating (HX-Redirect): let it settle, then look
        page.wait_for_load_state("networkidle")
        try:
            ran = page.evaluate("window.__xss")
            break
        except Exception as exc:
            if "context was destroyed" not in str(exc):
                raise
    assert ran is None, f"script ran on {where}"
    assert page.locator("script:not([src])").count() == 0, f"an inline script element reached {where}"
    assert page.locator("img[onerror]").count() == 0, f"an event-handler attribute reached {where}"


def _leon_id(db_url: str) -> int:
    from sqlalchemy import select  # noqa: PLC0415

    from phb.db import create_db_engine  # noqa: PLC0415
    from phb.people.models import Person  # noqa: PLC0415

    engine = create_db_engine(db_url)
    with engine.connect() as conn:
        leon = conn.execute(select(Person.id).where(Person.nhs_number == "9990000069")).scalar_one()
    engine.dispose()
    return int(leon)


def _pages(base: str, page: Any, params: dict[str, Any]) -> list[str]:
    """URLs of the walker's HTML pages whose path parameters we can fill (others need ids we do not pick here)."""
    urls = []
    for path in html_get_routes():
        if set(re.findall(r"\{(\w+)", path)) - set(params):
            continue
        url = fill(path, params)
        probe = page.request.get(base + url, max_redirects=0)
        if probe.status == 200 and "text/html" in probe.headers.get("content-type", ""):
            urls.append(url)
    return urls


def _goto(page: Any, url: str) -> None:
    """Open ``url``; once more if a navigation the last submission started (an htmx swap, a redirect) aborted it."""
    try:
        page.goto(url)
    except PlaywrightError as exc:
        if "ERR_ABORTED" not in str(exc):
            raise
        page.wait_for_load_state()
        page.goto(url)


def _submit_each_form(page: Any, base: str, url: str) -> int:
    """Fill every text field of every POST form on the page with the payload, submit, check the response."""
    _goto(page, base + url)
    submitted = 0
    for index in range(page.locator("form[method=post]").count()):
        _goto(page, base + url)
        if index >= page.locator("form[method=post]").count():
            break  # an earlier submission changed the page (e.g. an invitation made removes its button)
        form = page.locator("form[method=post]").nth(index)
        if (form.get_attribute("action") or "").endswith(SKIP_FORMS):
            continue
        fields = form.locator("input[type=text], input:not([type]), input[type=search], textarea")
        editable = [f for f in (fields.nth(i) for i in range(fields.count())) if f.is_visible() and f.is_editable()]
        submit = form.locator("button[type=submit], input[type=submit], button:not([type])").first
        if not editable or submit.count() == 0:
            continue
        for field in editable:
            field.fill(PAYLOAD)
        submit.click()
        page.wait_for_load_state()
        _assert_clean(page, f"the response to form {index} on {url}")
        submitted += 1
    return submitted


def test_script_in_every_text_field_never_runs(browser, own_server):
    base, db_url = own_server
    params = {"person_id": _leon_id(db_url)}
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, base, "casey")
    submitted = sum(_submit_each_form(page, base, url) for url in _pages(base, page, params))
    for url in ("/", f"/people/{params['person_id']}"):
        _goto(page, base + url)
        _assert_clean(page, url)
    context.close()
    assert submitted >= 5, f"only {submitted} forms were exercised"
