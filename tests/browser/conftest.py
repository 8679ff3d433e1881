"""Browser tests: a real `phb` server on loopback with the demo data, driven by Playwright in Debian's Chromium.

Chromium comes from the Debian package (`/usr/bin/chromium`, installed by `.ci/run` and by `scripts/install`
when run as root); no test tool downloads a browser. The server runs on SQLite: the pages are what is under
test here, and the services are proven on both databases by the integration tests.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from phb import migrate
from phb.demo import DEMO_PASSWORD, load_demo

CHROMIUM = os.environ.get("PHB_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Without Chromium the browser tests cannot run: say so plainly rather than pass silently."""
    if shutil.which(CHROMIUM) or Path(CHROMIUM).exists():
        return
    reason = f"Chromium not found at {CHROMIUM}: install Debian's 'chromium' package (scripts/install does as root)"
    if os.environ.get("PHB_REQUIRE_BROWSER"):  # CI: a missing browser is a failure, never a quiet skip
        raise pytest.UsageError(reason)
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.skip(reason=reason))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrate a fresh SQLite database, load the demo data, serve it with uvicorn; yields the base URL."""
    db_url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'phb.sqlite3'}"
    migrate.upgrade(db_url)
    load_demo(db_url)
    port = _free_port()
    os.environ["PHB_BROWSER_DB"] = db_url
    env = {**os.environ, "PHB_DATABASE_URL": db_url, "PHB_SECRET_KEY": "browser-tests", "PHB_LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
        [sys.executable, "-m", "phb.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
    )
    base = f"http://localhost:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        server.kill()
        pytest.fail("the phb server did not start within 30 seconds")
    yield base
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only browser tests need it

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def sign_in(page: object, base: str, username: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the real form, as a person would."""
    page.goto(f"{base}/login")  # type: ignore[attr-defined]
    page.get_by_label("Username").fill(username)  # type: ignore[attr-defined]
    page.get_by_label("Password", exact=True).fill(password)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]


@pytest.fixture
def staff_page(browser: object, live_server: str) -> Iterator[object]:
    """A page signed in as Casey, the demo case manager."""
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    sign_in(page, live_server, "casey")
    yield page
    context.close()


def person_account(nhs_number: str, username: str) -> int:
    """Give a demo person their own account in the live server's database (idempotent); returns their person id.

    Straight through the accounts service, as an invitation would end; the server reads the same SQLite file.
    """
    from sqlalchemy import select  # noqa: PLC0415
    from sqlalchemy.orm import Session  # noqa: PLC0415

    from phb.accounts.models import User  # noqa: PLC0415
    from phb.accounts.rules import Role  # noqa: PLC0415
    from phb.accounts.services import create_user  # noqa: PLC0415
    from phb.audit.services import AuditActor, act_as  # noqa: PLC0415
    from phb.db import create_db_engine  # noqa: PLC0415
    from phb.people.models import Person  # noqa: PLC0415

    engine = create_db_engine(os.environ["PHB_BROWSER_DB"])
    try:
        with Session(engine) as session:
            act_as(session, AuditActor(user_id=None, label="browser-tests"))
            person = session.scalars(select(Person).where(Person.nhs_number == nhs_number)).one()
            if session.scalar(select(User.id).where(User.username == username)) is None:
                create_user(
                    session,
                    username=username,
                    display_name=person.full_name,
                    password=DEMO_PASSWORD,
                    roles=[Role.PERSON],
                    person_id=person.id,
                )
                session.commit()
            return person.id
    finally:
        engine.dispose()
