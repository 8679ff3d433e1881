"""GET requests change nothing: any site can make a signed-in browser follow a link, so no GET may write an
audit-trail event (a state change). Reading is logged in the access log instead (ASVS 5.0 V3.5.3)."""

import datetime as dt

from freezegun import freeze_time
from sqlalchemy import func, select

from phb.accounts.rules import Role
from phb.audit.models import AccessLogEntry, AuditEvent
from tests.factories import actor, make_person, make_user
from tests.factories_plans import agreed_plan
from tests.web.helpers import login
from tests.web.test_route_guards import all_routes, fill

EVERY_STAFF_ROLE = [r for r in Role if r not in {Role.PERSON, Role.REPRESENTATIVE}]


def _audit_events(db):
    return db.scalar(select(func.count()).select_from(AuditEvent))


def test_no_get_request_writes_to_the_audit_trail(client, db):
    everyone = make_user(db, "sam", *EVERY_STAFF_ROLE)
    person = make_person(db, "Aisha", "Rahman", case_manager=everyone)
    with freeze_time("2026-07-01"):
        agreed_plan(db, actor(db, everyone), person.id, agreed_on=dt.date(2026, 7, 1))
    login(client, "sam")
    writers, checked = [], 0
    for method, path, handler in all_routes():
        if method != "GET" or handler.opt.get("public"):
            continue
        url = fill(path, person.id)
        if "/reports/" in url:
            url += "?quarter=2026Q3"
        before = _audit_events(db)
        client.get(url, follow_redirects=False)
        if _audit_events(db) != before:
            writers.append(path)
        checked += 1
    assert checked > 50
    assert writers == []


def test_taking_the_plan_away_is_logged_as_a_read(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    person = make_person(db, "Aisha", "Rahman", case_manager=casey)
    with freeze_time("2026-07-01"):
        agreed_plan(db, actor(db, casey), person.id, agreed_on=dt.date(2026, 7, 1))
    login(client, "casey")
    assert client.get(f"/people/{person.id}/plan/pdf").status_code == 200
    assert client.get("/reports/pcsp.csv?quarter=2026Q3").status_code == 200
    reads = db.scalars(select(AccessLogEntry.permission).where(AccessLogEntry.user_id == casey.id)).all()
    assert any(r.startswith("plan.shared:pdf") for r in reads)
    assert any(r.startswith("report.exported:pcsp:2026Q3") for r in reads)
