"""No N+1 queries: each page and JSON endpoint issues a bounded number of SQL statements, whatever the data size.

Every statement sent to the database during one request is counted (``before_cursor_execute`` on the test
connection). Each page is requested twice: for a person with 3 budget sheet lines, 3 risks and 3 plan outcomes
among 3 people, then for a person with 30 of each among 30 people (and ten times as many open decision requests,
appeals and findings). The count must not grow with the rows, and must stay under the page's bound.

The data comes from the benchmark generator (``bench/generate.py``), which writes every area's tables the way
the services do, so one fixture covers the budget, risk, plan, governance and spending pages alike.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import Connection, event, text

from tests.web.helpers import login

GENERATOR = Path(__file__).resolve().parents[2] / "bench" / "generate.py"

# (name, path with {person}, user, most statements allowed). The bounds are the counts of 23 November 2026 (after
# the budget overview read each table once and the person stayed loaded for the request) plus two (SAVEPOINTs of
# the test harness included), so a new per-row query fails at once while a page may still gain a query or two of
# fixed work.
PAGES = [
    ("caseload", "/", "bench-cm-1", 8),
    ("person page", "/people/{person}", "bench-cm-1", 14),
    ("budget sheet page", "/people/{person}/budget", "bench-cm-1", 23),
    ("risks page", "/people/{person}/risks", "bench-cm-1", 21),
    ("plan page", "/people/{person}/plan", "bench-cm-1", 20),
    ("decisions queue", "/decisions", "bench-sam", 10),
    ("findings queue", "/findings", "bench-dana", 8),
    ("people JSON", "/api/v1/people", "bench-cm-1", 7),
    ("person JSON", "/api/v1/people/{person}", "bench-cm-1", 10),
    ("budget JSON", "/api/v1/people/{person}/budget", "bench-cm-1", 19),
    ("budget sheet JSON", "/api/v1/people/{person}/budget/sheet", "bench-cm-1", 12),
    ("risks JSON", "/api/v1/people/{person}/risks", "bench-cm-1", 11),
    ("plan JSON", "/api/v1/people/{person}/plan", "bench-cm-1", 18),
    ("decisions JSON", "/api/v1/decisions", "bench-sam", 10),
    ("person's decisions and appeals", "/people/{person}/decisions", "bench-cm-1", 15),
    ("appeals dashboard", "/appeals", "bench-sam", 9),
    ("appeals JSON", "/api/v1/appeals", "bench-sam", 9),
    ("person's appeals JSON", "/api/v1/people/{person}/appeals", "bench-cm-1", 13),
    ("reviews dashboard", "/reviews?show=all", "bench-sam", 7),
    ("national PHB return", "/reports/phb-return", "bench-sam", 6),
]
PASSWORD = "bench-password-2026"


def _generator_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("phb_bench_generate", GENERATOR)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class DataSet:
    small: int  # a person with 3 of everything, among 3 people
    large: int  # a person with 30 of everything, among 30 people


@pytest.fixture
def data(connection: Connection) -> DataSet:
    generate = _generator_module()
    # Half the flexible-spend requests open; the others all refused and appealed (at every stage of an appeal).
    detail = {"statements": True, "open_decisions": 0.5, "refused": 1.0, "appealed": 1.0}
    small = generate.Generator(connection, lines=(3, 3), risks=(3, 3), outcomes=3, **detail)
    small.staff(connection, 30)
    first = small.ids.next["people"]
    small.add_people(connection, 3)
    large = generate.Generator(connection, lines=(30, 30), risks=(30, 30), outcomes=30, **detail)
    large.user_ids, large.rate_card_id, large.people = small.user_ids, small.rate_card_id, small.people
    large.add_people(connection, 27)
    large.finish(connection)
    return DataSet(small=first, large=large.ids.next["people"] - 1)


@pytest.fixture
def statements(connection: Connection) -> Iterator[list[str]]:
    """Every SQL statement sent on the test connection (the app's sessions share it)."""
    sent: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        sent.append(statement)

    event.listen(connection, "before_cursor_execute", count)
    yield sent
    event.remove(connection, "before_cursor_execute", count)


def _count(client, statements: list[str], path: str) -> int:
    statements.clear()
    response = client.get(path)
    assert response.status_code == 200, f"{path}: {response.status_code}"
    return len(statements)


@pytest.mark.parametrize(("name", "path", "user", "bound"), PAGES, ids=[p[0] for p in PAGES])
def test_statements_per_request_do_not_grow_with_the_rows(client, data, statements, name, path, user, bound):
    login(client, user, PASSWORD)
    client.get(path.format(person=data.small))  # first request of a session refreshes it: not counted
    small = _count(client, statements, path.format(person=data.small))
    large = _count(client, statements, path.format(person=data.large))
    assert large == small, f"{name}: {small} statements with 3 rows, {large} with 30 (a query per row?)"
    assert large <= bound, f"{name}: {large} statements, more than the {bound} allowed"


def test_generated_appeals_are_read_by_the_appeals_pages_like_lodged_ones(client, data, connection, monkeypatch):
    """The generator's appeals (benchmark data) are ones the service reads: dates in order, none after today."""
    stages = dict(connection.execute(text("SELECT status, count(*) FROM appeals GROUP BY status")).all())
    assert {"lodged", "under_review", "communicated", "referred"} <= stages.keys(), stages
    login(client, "bench-sam", PASSWORD)
    api = client.get("/api/v1/appeals").json()
    listed = api["items"]
    still_open = sum(stages.get(s, 0) for s in ("lodged", "acknowledged", "under_review", "decided"))
    assert len(listed) == api["total"] == still_open
    today = dt.date.today().isoformat()  # noqa: DTZ011 - the generator dates from the local day, like the services
    for appeal in listed:
        steps = [appeal[k] for k in ("lodged_on", "acknowledged_on", "assigned_on", "decided_on") if appeal[k]]
        assert steps == sorted(steps), appeal
        assert steps[-1] <= today, appeal
    page = client.get("/appeals")
    assert page.status_code == 200
    assert listed[0]["person_name"] in page.text

    # The dashboard shows the most urgent of each stage and links to every appeal at that stage.
    handler = next(
        h for r in client.app.routes if r.path == "/appeals" for h in r.route_handlers if "GET" in h.http_methods
    )
    function = getattr(handler.fn, "func", handler.fn)  # sync handlers are wrapped to run in a thread
    monkeypatch.setitem(function.__globals__, "DASHBOARD_ROWS", 1)  # the module the running app's handler is in
    dashboard = client.get("/appeals").text
    assert f"Received: to acknowledge ({stages['lodged']})" in dashboard
    assert f"See all {stages['lodged']}" in dashboard
    lodged = client.get("/appeals?stage=lodged")
    assert lodged.status_code == 200
    assert len(re.findall(r'href="/appeals/\d+"', lodged.text)) == stages["lodged"]
