"""Every response that shows people is in the access log, one row per person shown: lists and searches too, not
only a person's own page (each caseload line shows an NHS number and a date of birth)."""

import datetime as dt

from freezegun import freeze_time
from sqlalchemy import select

from phb.accounts.rules import Role
from phb.accounts.services import create_api_token
from phb.audit.models import AccessLogEntry
from tests.factories import actor, make_person, make_user
from tests.factories_plans import agreed_plan
from tests.web.helpers import login


def _shown(db, user, what):
    rows = db.scalars(
        select(AccessLogEntry.person_id).where(AccessLogEntry.user_id == user.id, AccessLogEntry.permission == what)
    ).all()
    return sorted(rows)


def test_the_caseload_and_its_search_log_each_person_shown(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    people = [make_person(db, name, "Okafor", case_manager=casey) for name in ("Ada", "Bola", "Chidi")]
    make_person(db, "Not", "Mine")
    login(client, "casey")
    assert client.get("/").status_code == 200
    assert _shown(db, casey, "person.list") == sorted(p.id for p in people)
    found = client.get(f"/?q={people[1].nhs_number}", headers={"HX-Request": "true", "HX-Target": "caseload-results"})
    assert found.status_code == 200
    assert _shown(db, casey, "person.search") == [people[1].id]
    entry = db.scalar(select(AccessLogEntry).where(AccessLogEntry.permission == "person.search"))
    assert entry.request_id  # matched to the request (and its log line)


def test_the_api_list_logs_each_person_returned(client, db):
    sam = make_user(db, "sam", Role.CHC_SERVICE_MANAGER)
    people = [make_person(db, f"P{n}", "Price") for n in range(3)]
    token = create_api_token(db, sam, name="t")
    listed = client.get("/api/v1/people", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200
    assert {p.id for p in people} <= set(_shown(db, sam, "person.list"))


def test_the_reviews_dashboard_logs_each_person_shown(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    person = make_person(db, "Aisha", "Rahman", case_manager=casey)
    with freeze_time("2026-07-01"):
        agreed_plan(db, actor(db, casey), person.id, agreed_on=dt.date(2026, 7, 1))
    login(client, "casey")
    assert client.get("/reviews?show=all").status_code == 200
    assert _shown(db, casey, "plan.reviews_dashboard") == [person.id]
