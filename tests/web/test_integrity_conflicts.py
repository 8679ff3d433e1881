"""Every integrity error the database raises becomes a 409 naming what already exists, never a 500.

Issue 24, item 3: the unique violation of a duplicate NHS number reached the user as a 500. The errors below are
real ones from the backend under test, raised from a route of an app with phb's exception handlers.
"""

from __future__ import annotations

import datetime as dt

import pytest
from litestar import Litestar, get
from litestar.testing import TestClient
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from phb.accounts.models import User
from phb.people.models import Person
from phb.web.errors import EXCEPTION_HANDLERS


def _integrity_error(db, table, row: dict[str, object]) -> IntegrityError:
    db.execute(insert(table).values(**row))
    with pytest.raises(IntegrityError) as caught, db.begin_nested():
        db.execute(insert(table).values(**row))
    return caught.value


def _answer(error: IntegrityError) -> dict[str, object]:
    @get("/api/v1/save", sync_to_thread=False)
    def save() -> None:
        raise error

    with TestClient(Litestar([save], exception_handlers=EXCEPTION_HANDLERS)) as client:
        response = client.get("/api/v1/save")
    assert response.status_code == 409
    return response.json()


def test_a_duplicate_nhs_number_is_a_409_with_the_domain_s_message(db):
    row = {
        "nhs_number": "9434765919",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "date_of_birth": dt.date(1950, 1, 1),
    }
    body = _answer(_integrity_error(db, Person.__table__, row))
    assert body["detail"] == "A person with this NHS number is already recorded. Reload the page to see it."
    assert "9434765919" not in str(body)  # the database's message, which holds the value, is not shown


def test_any_other_unique_rule_is_a_409_naming_the_record_and_field(db):
    row = {"username": "dup", "display_name": "Dup", "password_hash": "x"}
    body = _answer(_integrity_error(db, User.__table__, row))
    assert body["detail"] == "A users record with this username already exists. Reload the page to see it."
