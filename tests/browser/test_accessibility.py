"""axe-core on every page of the app, in a real browser, at WCAG 2.2 A and AA: zero violations.

The route walker takes every GET route that renders HTML from the app itself, so a new page cannot be left out:
a route whose path parameters the walker cannot fill fails here until a sample value is added below.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute
from sqlalchemy import select

from phb.people.models import Person
from phb.web.app import create_app
from tests.browser.conftest import person_account, sign_in

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
NOT_PAGES = ("/api/", "/static/", "/assets/", "/schema", "/healthz")
PUBLIC_PAGES = ["/login", "/accessibility", "/privacy", "/no-such-page"]
# Who to try a page as, in order: the demo case manager, then wider roles.
VIEWERS = ("casey", "sam", "dana", "pat", "admin")
# The person's own pages (/my/...) are checked as that person sees them: Leon Baptiste, signed in himself.
LEON = "9990000069"
PERSON_VIEWER = "leon"


# Pages opened from a one-time link (an invitation, a staff account's set-up): only someone signed out sees the form.
LINK_PAGES = ("/invite/", "/setup/")
SIGNED_OUT = ""


def viewers_for(path: str) -> tuple[str, ...]:
    """Who to try ``path`` as: the person first for their own pages, nobody for link pages, staff for the rest."""
    if path.startswith(LINK_PAGES):
        return (SIGNED_OUT,)
    return (PERSON_VIEWER, *VIEWERS) if path.startswith("/my/") else VIEWERS


def _is_page(handler: object) -> bool:
    # Pages leave the media type to their Template response; JSON handlers declare theirs.
    return (
        isinstance(handler, HTTPRouteHandler)
        and "GET" in handler.http_methods
        and str(handler.media_type) in {"", "text/html"}
    )


def html_get_routes() -> list[str]:
    """Every GET route of the app that answers with an HTML page."""
    app = create_app()
    return sorted(
        {
            route.path
            for route in app.routes
            if isinstance(route, HTTPRoute)
            and not route.path.startswith(NOT_PAGES)
            and any(_is_page(h) for h in route.route_handlers)
        }
    )


def sample_params(live_server: str) -> dict[str, Any]:
    """Values for path parameters, taken from the demo data the live server was loaded with (Leon's where he has one).

    ``_person_for`` maps a parameter to the person whose record it is, for records Leon has none of.
    """
    import os  # noqa: PLC0415

    from sqlalchemy import text  # noqa: PLC0415
    from sqlalchemy.orm import Session  # noqa: PLC0415

    from phb.accounts import invitations  # noqa: PLC0415
    from phb.accounts.models import User  # noqa: PLC0415
    from phb.accounts.rules import Role  # noqa: PLC0415
    from phb.accounts.services import actor_for  # noqa: PLC0415
    from phb.accounts.staff import invite_staff  # noqa: PLC0415
    from phb.audit.services import AuditActor, act_as  # noqa: PLC0415
    from phb.db import create_db_engine  # noqa: PLC0415

    del live_server
    engine = create_db_engine(os.environ["PHB_BROWSER_DB"])
    with engine.connect() as conn:
        leon = conn.execute(select(Person.id).where(Person.nhs_number == LEON)).scalar_one()

        def first(sql: str) -> Any:
            return conn.execute(text(sql), {"leon": leon}).first()

        line = first("SELECT id, person_id FROM budget_sheet_lines ORDER BY person_id = :leon DESC, id DESC")
        account = first("SELECT id, person_id FROM dp_accounts ORDER BY person_id = :leon DESC, id")
        plan_version = first(
            "SELECT v.number FROM plan_versions v JOIN care_plans p ON p.id = v.plan_id WHERE p.person_id = :leon"
        )
        params = {
            "person_id": leon,
            "appeal_id": first("SELECT id FROM appeals ORDER BY person_id = :leon DESC, id")[0],
            "request_id": first("SELECT id FROM decision_requests ORDER BY person_id = :leon DESC, id")[0],
            "finding_id": first("SELECT id FROM dp_findings ORDER BY id")[0],
            "outcome_id": first("SELECT id FROM decision_outcomes ORDER BY person_id = :leon DESC, id")[0],
            "notice_id": first("SELECT id FROM decision_notices ORDER BY person_id = :leon DESC, id")[0],
            "meeting_id": first("SELECT id FROM panel_meetings ORDER BY id")[0],
            "discussion_id": first("SELECT id FROM risk_discussions WHERE person_id = :leon ORDER BY id")[0],
            "risk_id": first("SELECT id FROM risks WHERE person_id = :leon ORDER BY id")[0],
            "line_id": line[0],
            "account_id": account[0],
            "number": plan_version[0],
            "section": "summary",
            "kind": "agenda",  # a panel meeting's printable agenda (or minutes)
            "_uninvited": first(
                "SELECT id FROM people WHERE id NOT IN (SELECT person_id FROM users WHERE person_id IS NOT NULL) "
                "ORDER BY id"
            )[0],
            "_person_for": {"line_id": line[1], "account_id": account[1]},
        }
    with Session(engine) as session:
        # A fresh invitation link for the set-up page (the link is the credential, so none is stored readable).
        act_as(session, AuditActor(user_id=None, label="browser-tests"))
        casey = session.scalars(select(User).where(User.username == "casey")).one()
        params["finding_id"] = _finding_with_a_repayment_notice(session)
        uninvited = params.pop("_uninvited")  # someone without an account yet: only they can be invited
        params["token"] = invitations.invite(session, actor_for(session, casey), uninvited)
        admin = session.scalars(select(User).where(User.username == "admin")).one()
        _, params["setup_token"] = invite_staff(
            session,
            actor_for(session, admin),
            username="newstarter",
            display_name="New Starter",
            email=None,
            roles=[Role.CASE_MANAGER],
        )
        session.commit()
    engine.dispose()
    return params


def _finding_with_a_repayment_notice(session: Any) -> int:
    """A finding resolved as 'recovery required' (it has a repayment notice page): the demo has none, so make one."""
    from phb.accounts.models import User  # noqa: PLC0415
    from phb.accounts.services import actor_for  # noqa: PLC0415
    from phb.spending import findings  # noqa: PLC0415
    from phb.spending.models import Finding  # noqa: PLC0415
    from phb.spending.schemas import ResolutionInput  # noqa: PLC0415

    done = session.scalar(select(Finding.id).where(Finding.resolution == "recovery_required").limit(1))
    if done is not None:
        return int(done)
    finding = session.scalars(select(Finding).where(Finding.status == "open").order_by(Finding.id.desc())).first()
    dana = actor_for(session, session.scalars(select(User).where(User.username == "dana")).one())
    data = ResolutionInput(
        resolution="recovery_required",
        note="Spent outside the care plan",
        recovery_amount=str(finding.amount.amount),
        recovery_ground="d",  # money used outside the care plan
        repay_within_days=28,
        repay_by="The budget holder",
        version=finding.version,
    )
    findings.resolve(session, dana, finding.id, data)
    return int(finding.id)


def fill(path: str, params: dict[str, Any]) -> str:
    if path.startswith("/setup/"):
        params = {**params, "token": params["setup_token"]}
    for name, person_id in params.get("_person_for", {}).items():
        if f"{{{name}:" in path:  # a record Leon has none of: use its own person's pages
            params = {**params, "person_id": person_id}

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in params:
            pytest.fail(f"the route walker has no sample value for '{{{name}}}' in {path}: add one in sample_params()")
        return str(params[name])

    return re.sub(r"\{(\w+)(?::\w+)?\}", replace, path)


def _is_download(page: Any, url: str) -> bool:
    response = page.request.get(url, max_redirects=0)
    return response.ok and "text/html" not in response.headers.get("content-type", "")


def assert_no_violations(page: Any, url: str) -> None:
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    violations = results.response["violations"]
    assert not violations, f"{url}:\n" + results.generate_report()
    # An empty field must start empty: Python's None rendered as the word "None" would be saved as someone's words.
    none_fields = page.evaluate(
        "() => [...document.querySelectorAll('textarea, input')].filter(e => e.value === 'None').map(e => e.name)"
    )
    assert not none_fields, f"{url}: fields prefilled with 'None': {none_fields}"


def test_the_walker_finds_the_pages_we_know_about():
    routes = html_get_routes()
    assert "/" in routes
    assert "/people/{person_id:int}" in routes
    assert "/login" in routes


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_have_no_accessibility_violations(browser, live_server, path):
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_server + path)
    assert_no_violations(page, path)
    context.close()


@pytest.fixture(scope="session")
def leon_account(live_server: str) -> str:
    """Leon Baptiste's own account, for his pages under /my/."""
    person_account(LEON, PERSON_VIEWER)
    return PERSON_VIEWER


def test_every_signed_in_page_has_no_accessibility_violations(browser, live_server, leon_account):
    params = sample_params(live_server)
    visited: list[str] = []
    downloads: list[str] = []
    unreachable: list[str] = []
    contexts = {}
    for path in html_get_routes():
        if path in PUBLIC_PAGES:
            continue
        url = fill(path, params)
        for viewer in viewers_for(path):
            if viewer not in contexts:
                context = browser.new_context()
                page = context.new_page()
                if viewer != SIGNED_OUT:
                    sign_in(page, live_server, viewer)
                contexts[viewer] = page
            page = contexts[viewer]
            if _is_download(page, live_server + url):
                downloads.append(path)  # CSV, XLSX, PDF: not pages, nothing for axe to check
                break
            response = page.goto(live_server + url)
            if response is not None and response.status == 200:
                assert_no_violations(page, url)
                visited.append(path)
                break
        else:
            unreachable.append(url)
    for page in contexts.values():
        page.context.close()
    assert not unreachable, f"no demo user could open these pages: {unreachable}"
    assert {"/", "/people/{person_id:int}", "/people/new"} <= set(visited)
    mine = {p for p in html_get_routes() if p.startswith("/my/")}
    assert {"/my/{person_id:int}/budget", "/my/{person_id:int}/plan"} <= mine
    assert mine <= set(visited) | set(downloads), f"person pages not checked: {mine - set(visited) - set(downloads)}"


# Views of a page chosen by its query string: the walker above opens each route once, without one.
QUERY_VIEWS = [
    ("sam", "/appeals?stage=lodged"),
    ("sam", "/appeals?escalated=true"),
    ("sam", "/reviews?show=all&page=1"),
    ("sam", "/decisions?page=1"),
    ("dana", "/findings?status=all&sort=amount&page=1"),
]


def test_list_views_chosen_by_their_query_have_no_accessibility_violations(browser, live_server):
    pages: dict[str, Any] = {}
    for viewer, url in QUERY_VIEWS:
        if viewer not in pages:
            pages[viewer] = browser.new_context().new_page()
            sign_in(pages[viewer], live_server, viewer)
        page = pages[viewer]
        response = page.goto(live_server + url)
        assert response is not None
        assert response.status == 200, url
        assert_no_violations(page, url)
    for page in pages.values():
        page.context.close()
