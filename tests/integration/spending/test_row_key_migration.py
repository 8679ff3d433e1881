"""Migration 0004 turns existing statement lines' hex row hashes into 64-bit row keys, and back on downgrade.

Migrations that rebuild the lines' table (0003, 0004, 0006) keep every line and every finding's link to its line.

A line's key must come out exactly as the importer computes it, or re-importing a statement after the upgrade
would add its lines a second time. Two identical lines on one day (two purchases) must keep distinct keys.
"""

import hashlib
import io

import pytest
from sqlalchemy import text

from phb import migrate
from phb.accounts.rules import Role
from phb.audit.services import AuditActor, act_as
from phb.db import create_db_engine, make_session_factory
from phb.spending.importer import import_statement
from tests.conftest import BACKENDS
from tests.factories import actor, make_person, make_user
from tests.factories_spending import make_account, statement

LINES = statement(
    "2026-10-03,CARD PAYMENT TO TESCO STORES 2345 ON 03-10,-23.47,5411,976.53",
    "2026-10-03,CARD PAYMENT TO TESCO STORES 2345 ON 03-10,-23.47,5411,953.06",
    "2026-10-05,WILLIAM HILL ONLINE,-20.00,7995,933.06",
)


_FINDING_LINKS = text(
    "SELECT t.payee, t.line_number FROM dp_findings f JOIN dp_transactions t ON t.id = f.transaction_id ORDER BY f.id"
)


def _old_hash(account_id: int, posted_on: str, pence: int, description: str, occurrence: int) -> str:
    normalised = " ".join(description.upper().split())
    return hashlib.sha256(f"{account_id}|{posted_on}|{pence}|{normalised}|{occurrence}".encode()).hexdigest()


@pytest.mark.parametrize("backend", BACKENDS)
def test_row_keys_survive_a_downgrade_and_upgrade_and_a_reimport_still_adds_nothing(backend, fresh_database_url):
    url = fresh_database_url(backend)
    migrate.upgrade(url)
    engine = create_db_engine(url)
    factory = make_session_factory(engine)
    with factory() as db:
        act_as(db, AuditActor(user_id=None, label="test:setup"))
        officer = actor(db, make_user(db, "dana", Role.DIRECT_PAYMENTS_OFFICER))
        account_id = make_account(db, make_person(db, "James", "Whitfield").id).id
        import_statement(db, officer, account_id, io.BytesIO(LINES), filename="a.csv", profile="generic")
        db.commit()
    with engine.connect() as conn:
        keys = dict(conn.execute(text("SELECT id, row_key FROM dp_transactions")).all())
        links = conn.execute(_FINDING_LINKS).all()
    assert len(set(keys.values())) == 3  # the two Tesco purchases are two lines with two keys
    assert ("WILLIAM HILL ONLINE", 4) in {(payee, number) for payee, number in links}

    migrate.downgrade(url, "0003_spending_transaction_key")
    with engine.connect() as conn:
        hashes = conn.execute(text("SELECT row_hash FROM dp_transactions ORDER BY line_number")).scalars().all()
    assert hashes == [
        _old_hash(account_id, "2026-10-03", -2347, "CARD PAYMENT TO TESCO STORES 2345 ON 03-10", 0),
        _old_hash(account_id, "2026-10-03", -2347, "CARD PAYMENT TO TESCO STORES 2345 ON 03-10", 1),
        _old_hash(account_id, "2026-10-05", -2000, "WILLIAM HILL ONLINE", 0),
    ]

    migrate.upgrade(url)
    with engine.connect() as conn:
        assert dict(conn.execute(text("SELECT id, row_key FROM dp_transactions")).all()) == keys
        # Rebuilding dp_transactions (SQLite batch mode) must not run ON DELETE SET NULL on the findings' links.
        assert conn.execute(_FINDING_LINKS).all() == links
    with factory() as db:
        act_as(db, AuditActor(user_id=None, label="test:setup"))
        officer = actor(db, make_user(db, "lena", Role.DIRECT_PAYMENTS_OFFICER))
        again = import_statement(  # different bytes (CRLF), the same lines: every line is checked by its key
            db, officer, account_id, io.BytesIO(LINES.replace(b"\n", b"\r\n")), filename="b.csv", profile="generic"
        )
        assert (again.lines_read, again.lines_added) == (3, 0)
    engine.dispose()
