"""Web answers for issue 24's clear-error cases: readiness, a 200 kB CSV field, NUL and over-long text."""

from __future__ import annotations

import io

from litestar.testing import TestClient
from sqlalchemy import func, select

from phb.accounts.rules import Role
from phb.config import Settings
from phb.db import create_db_engine, make_session_factory
from phb.people.models import Person
from phb.spending.models import StatementImport, StatementTransaction
from phb.web.app import create_app
from tests.factories import make_person, make_user
from tests.factories_spending import make_account
from tests.web.helpers import csrf, login, submit_form


def test_readiness_is_ready_on_a_migrated_database_beside_liveness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready"}


def _probe(settings: Settings, url: str) -> tuple[int, int, dict[str, str]]:
    engine = create_db_engine(url)
    app = create_app(settings.model_copy(update={"database_url": url}), make_session_factory(engine))
    with TestClient(app, base_url="https://testserver.local") as probe:
        live, ready = probe.get("/healthz"), probe.get("/readyz")
    engine.dispose()
    return live.status_code, ready.status_code, ready.json()


def test_readiness_fails_on_an_unmigrated_or_unreachable_database_while_liveness_holds(settings, tmp_path):
    live, ready, body = _probe(settings, f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    assert (live, ready) == (200, 503)
    assert body["reason"] == "the database is not migrated"
    live, ready, body = _probe(settings, "postgresql://postgres@127.0.0.1:1/phb")
    assert (live, ready) == (200, 503)
    assert body["reason"] == "the database does not answer"
    assert "127.0.0.1" not in str(body)  # a public probe does not say where the database is


def test_a_200_kb_csv_field_uploaded_is_refused_naming_the_line_and_saves_nothing(client, db):
    make_user(db, "dana", Role.DIRECT_PAYMENTS_OFFICER)
    person = make_person(db)
    account = make_account(db, person.id)
    login(client, "dana")
    content = f'date,description,amount\n2026-10-01,SHOP,-1.00\n2026-10-02,"{"x" * 200_000}",-2.00\n'.encode()
    response = submit_form(
        client,
        f"/people/{person.id}/spending/accounts/{account.id}",
        {"profile": "generic"},
        action=f"/people/{person.id}/spending/accounts/{account.id}/imports",
        files={"file": ("statement.csv", io.BytesIO(content), "text/csv")},
    )
    assert response.status_code == 422
    assert "line 3: the line cannot be read as CSV: a field is longer than a statement line may hold" in response.text
    assert db.scalar(select(func.count()).select_from(StatementTransaction)) == 0
    assert db.scalar(select(func.count()).select_from(StatementImport)) == 0


def test_a_nul_character_in_a_statement_is_refused_the_same_on_both_databases(client, db):
    make_user(db, "dana", Role.DIRECT_PAYMENTS_OFFICER)
    person = make_person(db)
    account = make_account(db, person.id)
    login(client, "dana")
    content = b"date,description,amount\n2026-10-01,SH\x00OP,-1.00\n"
    response = submit_form(
        client,
        f"/people/{person.id}/spending/accounts/{account.id}",
        {"profile": "generic"},
        action=f"/people/{person.id}/spending/accounts/{account.id}/imports",
        files={"file": ("statement.csv", io.BytesIO(content), "text/csv")},
    )
    assert response.status_code == 422
    assert "The file is not a text statement (it looks like a binary file)" in response.text
    assert db.scalar(select(func.count()).select_from(StatementTransaction)) == 0


def test_text_the_schema_cannot_hold_is_refused_by_the_form_the_same_on_both_databases(client, db):
    make_user(db, "casey", Role.CASE_MANAGER)
    login(client, "casey")
    fill = {
        "nhs_number": "943 476 5919",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "date_of_birth": "1950-12-10",
    }
    for field, value in {"address": "1 High St\x00", "format_notes": "large print\x00"}.items():
        response = submit_form(client, "/people/new", {**fill, field: value}, action="/people")
        assert response.status_code == 422, response.status_code
        assert "must not contain a NUL character" in response.text
    assert db.scalar(select(func.count()).select_from(Person)) == 0


def test_a_nul_character_in_a_query_parameter_is_refused_the_same_on_both_databases(client, db):
    make_user(db, "casey", Role.CASE_MANAGER)
    login(client, "casey")
    api = client.get("/api/v1/people", params={"search": "Ada\x00"})
    assert api.status_code == 422
    assert api.json()["errors"] == {"search": "must not contain a NUL character (\\0)"}
    page = client.get("/", params={"q": "Ada\x00"})
    assert page.status_code == 422
    assert "must not contain a NUL character" in page.text


def test_a_nul_character_in_a_sign_in_or_a_json_body_is_refused_the_same_on_both_databases(client, db):
    make_user(db, "casey", Role.CASE_MANAGER)
    response = submit_form(client, "/login", {"username": "casey\x00", "password": "whatever it is"})
    assert response.status_code == 422  # PostgreSQL answered 400 "A number in the request is out of range"
    assert "must not contain a NUL character" in response.text
    login(client, "casey")
    created = client.post(
        "/api/v1/people",
        json={"nhs_number": "9434765919", "given_name": "Ada\x00", "family_name": "B", "date_of_birth": "1950-01-01"},
        headers={"X-CSRF-Token": csrf(client)},
    )
    assert created.status_code == 422
    assert created.json()["errors"] == {"given_name": "must not contain a NUL character (\\0)"}
    assert db.scalar(select(func.count()).select_from(Person)) == 0
