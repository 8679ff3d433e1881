"""The audit trail: automatic, attributed, chained, append-only and verifiable."""

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from phb.audit.models import AuditEvent
from phb.audit.services import AuditActor, AuditActorMissingError, act_as, because, verify_chain
from phb.people.models import Person
from tests.factories import make_person


def _events(db, action):
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_changes_are_recorded_with_who_what_before_after_and_why(db):
    act_as(db, AuditActor(user_id=42, label="casey", roles=("case_manager",)))
    person = make_person(db, "Margaret", "Okafor")
    created = _events(db, "people.created")[-1]
    assert created.actor_label == "casey"
    assert created.actor_roles == "case_manager"
    assert created.person_id == person.id
    assert created.after["family_name"] == "Okafor"
    assert created.before is None

    person.phone = "0113 496 0000"
    with because(db, "daughter phoned with new number"):
        db.flush()
    updated = _events(db, "people.updated")[-1]
    assert updated.before == {"phone": None}
    assert updated.after == {"phone": "0113 496 0000"}
    assert updated.reason == "daughter phoned with new number"


def test_a_change_with_no_actor_is_refused(session_factory):
    anonymous = session_factory()
    anonymous.add(
        Person(
            nhs_number="9990000018",
            given_name="A",
            family_name="B",
            date_of_birth=__import__("datetime").date(1950, 1, 1),
        )
    )
    with pytest.raises(AuditActorMissingError):
        anonymous.flush()
    anonymous.rollback()


def test_chain_verifies_and_names_the_first_tampered_event(db, connection):
    for i in range(5):
        make_person(db, "P", f"Person{i}")
    assert verify_chain(db).ok
    victim = _events(db, "people.created")[2]
    # Someone with database rights bypasses the append-only trigger and edits history.
    if connection.dialect.name == "postgresql":
        db.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
    else:
        db.execute(text("DROP TRIGGER audit_events_no_update"))
    db.execute(update(AuditEvent).where(AuditEvent.id == victim.id).values(reason="nothing to see"))
    report = verify_chain(db)
    assert not report.ok
    assert report.broken_at == victim.id
    assert f"event {victim.id} was altered" in (report.problem or "")


def test_a_deleted_event_breaks_the_chain_at_the_next_one(db, connection):
    for i in range(3):
        make_person(db, "P", f"Person{i}")
    events = _events(db, "people.created")
    if connection.dialect.name == "postgresql":
        db.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
    else:
        db.execute(text("DROP TRIGGER audit_events_no_delete"))
    db.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": events[1].id})
    report = verify_chain(db)
    assert report.broken_at == events[2].id
    assert "deleted or reordered" in (report.problem or "")


def test_audit_events_cannot_be_updated_or_deleted(db):
    make_person(db)
    event_id = _events(db, "people.created")[-1].id
    db.commit()  # the test's savepoint; the outer transaction is still rolled back afterwards
    for statement in ("UPDATE audit_events SET reason = 'x' WHERE id = :id", "DELETE FROM audit_events WHERE id = :id"):
        nested = db.begin_nested()
        with pytest.raises(DBAPIError, match="append-only"):
            db.execute(text(statement), {"id": event_id})
        nested.rollback()
