"""Statement import on both databases: idempotent, all-or-nothing, reconciled, flagged, matched, found."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import func, select, text

from phb.accounts.rules import Role
from phb.audit.models import AuditEvent
from phb.errors import ForbiddenError, NotFoundError
from phb.money import gbp
from phb.spending import findings
from phb.spending.check import load_default_rules
from phb.spending.exceptions import MalformedStatement
from phb.spending.importer import import_statement
from phb.spending.models import ConnectedPerson, Finding, StatementImport, StatementTransaction
from phb.spending.statements import PROFILES
from tests.factories import actor, make_person, make_user
from tests.factories_spending import SAMPLES, make_account, statement

QUARTER = statement(
    "2026-10-01,LEEDS ICB PHB,2150.00,,3150.00",
    "2026-10-02,CARING HANDS HOMECARE LTD,-684.00,8099,2466.00",
    "2026-10-03,CARD PAYMENT TO TESCO STORES 2345 ON 03-10,-23.47,5411,2442.53",
    "2026-10-03,CARD PAYMENT TO TESCO STORES 2345 ON 03-10,-23.47,5411,2419.06",
    "2026-10-05,WILLIAM HILL ONLINE,-20.00,7995,2399.06",
    "2026-10-06,PAYROLL PA WAGES SARAH JONES,-412.50,,1986.56",
)
OVERLAP = statement(
    "2026-10-05,WILLIAM HILL ONLINE,-20.00,7995,2399.06",
    "2026-10-06,PAYROLL PA WAGES SARAH JONES,-412.50,,1986.56",
    "2026-10-07,ARGOS LTD,-49.99,5311,1936.57",
)


@pytest.fixture
def officer(db):
    return actor(db, make_user(db, "dana", Role.DIRECT_PAYMENTS_OFFICER))


@pytest.fixture
def account(db):
    return make_account(db, make_person(db, "James", "Whitfield").id)


def _import(db, who, account, data: bytes, **kwargs):
    return import_statement(
        db, who, account.id, io.BytesIO(data), filename="statement.csv", profile="generic", **kwargs
    )


def _count(db, account) -> int:
    return db.scalar(select(func.count()).where(StatementTransaction.account_id == account.id))


def test_importing_the_same_file_twice_adds_nothing_the_second_time(db, officer, account):
    first = _import(db, officer, account, QUARTER)
    assert (first.lines_read, first.lines_added) == (6, 6)
    assert first.reconciliation == "reconciled", first.notes
    again = _import(db, officer, account, QUARTER)
    assert again.same_file
    assert again.lines_added == 0
    assert _count(db, account) == 6  # the two identical Tesco lines are both kept: they are two purchases
    events = db.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "dp_statement_imports")).all()
    assert events == ["dp_statement_imports.created", "dp_statement_imports.repeated"]


def test_a_header_without_lines_is_refused_and_records_no_import(db, officer, account):
    with pytest.raises(MalformedStatement, match="no statement lines, only a header"):
        _import(db, officer, account, statement())
    assert db.scalar(select(func.count()).select_from(StatementImport)) == 0


def test_an_overlapping_file_adds_only_the_new_lines(db, officer, account):
    _import(db, officer, account, QUARTER)
    result = _import(db, officer, account, OVERLAP)
    assert (result.lines_read, result.lines_added, result.duplicates) == (3, 1, 2)
    assert _count(db, account) == 7
    assert result.reconciliation == "reconciled", result.notes


def test_a_crash_half_way_leaves_nothing_imported(db, officer, account):
    lines = [f"2026-10-{1 + i // 40:02d},SHOP {i},-1.00,," for i in range(200)]
    data = statement(*lines)

    def crash(done: int, total: int) -> None:
        raise RuntimeError("power cut")

    with pytest.raises(RuntimeError, match="power cut"):
        _import(db, officer, account, data, on_progress=crash, batch_size=50)
    assert _count(db, account) == 0
    assert db.scalar(select(func.count()).select_from(StatementImport)) == 0
    assert db.scalar(select(func.count()).select_from(Finding)) == 0
    # and the session is still usable: the same file imports cleanly afterwards
    assert _import(db, officer, account, data).lines_added == 200


def test_a_malformed_line_is_named_and_nothing_is_saved(db, officer, account):
    data = statement(
        "2026-10-01,SHOP,-1.00,,", "2026-10-02,SHOP,12.3.4,,", header="date,description,amount,mcc,balance"
    )
    with pytest.raises(MalformedStatement, match=r"line 3: amount '12\.3\.4' is not an amount of money"):
        _import(db, officer, account, data)
    assert _count(db, account) == 0


def test_a_balance_that_does_not_follow_is_reported_not_hidden(db, officer, account):
    data = statement(
        "2026-10-01,LEEDS ICB PHB,2150.00,,3150.00",
        "2026-10-02,CARING HANDS,-684.00,,2566.00",  # should be 2466.00
    )
    result = _import(db, officer, account, data)
    assert result.reconciliation == "mismatch"
    assert any("line 3: balance 2566.00 does not follow" in note for note in result.notes)
    assert any("the account's opening balance and transactions give 2466.00" in note for note in result.notes)
    saved = db.scalar(select(StatementImport.reconciliation_notes))
    assert "2566.00" in saved


def test_flags_carry_rule_and_version_credits_never_flagged_and_findings_raised(db, officer, account):
    result = _import(db, officer, account, QUARTER)
    flagged = db.scalars(select(StatementTransaction).where(StatementTransaction.flag_category.is_not(None))).all()
    assert [(t.payee, t.flag_category, t.flag_rule_id) for t in flagged] == [
        ("WILLIAM HILL ONLINE", "gambling", "mcc-7995-betting")
    ]
    assert flagged[0].flag_rules_version == load_default_rules().version
    credit = db.scalar(select(StatementTransaction).where(StatementTransaction.amount > gbp("0")))
    assert credit.flag_category is None
    assert credit.match_status is None
    kinds = sorted(db.scalars(select(Finding.kind).where(Finding.account_id == account.id)))
    # no budget sheet yet: the unplanned spending is one finding for the import, not one per payee
    assert kinds == ["exclusion", "unplanned"]
    assert result.findings_raised == 2
    unplanned = db.scalar(select(Finding).where(Finding.kind == "unplanned"))
    assert "4 payments to 3 payee(s)" in unplanned.reason
    assert len(findings.detail(db, officer, unplanned.id).transactions) == 4


def test_connected_person_flagged_unless_the_plan_records_an_agreement(db, officer, account):
    db.add(
        ConnectedPerson(
            account_id=account.id,
            person_id=account.person_id,
            name="Sarah Jones",
            relationship="Sister, same household",
            payee_pattern="SARAH JONES",
        )
    )
    db.flush()
    _import(db, officer, account, QUARTER)
    line = db.scalar(select(StatementTransaction).where(StatementTransaction.payee.contains("SARAH JONES")))
    assert line.flag_category == "connected_person"
    assert "no agreement" in line.flag_reason
    connected = db.scalar(select(Finding).where(Finding.kind == "connected_person"))
    assert connected.line_count == 1
    assert "Sarah Jones" in connected.reason

    other = make_account(db, account.person_id, name="Second")
    db.add(
        ConnectedPerson(
            account_id=other.id,
            person_id=account.person_id,
            name="Sarah Jones",
            relationship="Sister, same household",
            payee_pattern="SARAH JONES",
            agreement="Care plan section 6: Sarah is employed as a PA because no agency can cover nights",
            agreed_on=dt.date(2026, 9, 1),
        )
    )
    db.flush()
    _import(db, officer, other, QUARTER)
    line = db.scalar(
        select(StatementTransaction).where(
            StatementTransaction.account_id == other.id, StatementTransaction.payee.contains("SARAH JONES")
        )
    )
    assert line.flag_category is None


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_each_built_in_profile_imports_its_sample(db, officer, account, profile):
    data = (SAMPLES / f"{profile}.csv").read_bytes()
    result = import_statement(db, officer, account.id, io.BytesIO(data), filename=f"{profile}.csv", profile=profile)
    assert result.lines_added >= 4
    assert result.lines_flagged >= 1  # each sample has one betting line
    assert result.reconciliation in {"reconciled", "no_balance"}, result.notes


def test_ofx_import_flags_and_checks_the_ledger_balance(db, officer, account):
    data = (SAMPLES / "statement.ofx").read_bytes()
    result = import_statement(db, officer, account.id, io.BytesIO(data), filename="s.ofx", profile="ofx")
    assert (result.lines_added, result.lines_flagged) == (4, 1)
    assert result.reconciliation == "reconciled", result.notes  # opening 1000.00 + 1422.53 = ledger 2422.53


def test_only_the_direct_payments_team_imports(db, account):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    mine = make_person(db, "Mine", "Person", case_manager=casey)
    my_account = make_account(db, mine.id)
    with pytest.raises(ForbiddenError):
        _import(db, actor(db, casey), my_account, QUARTER)
    with pytest.raises(NotFoundError):
        _import(db, actor(db, casey), account, QUARTER)


def test_queue_filters_by_category_and_owner(db, officer, account):
    _import(db, officer, account, QUARTER)
    page = findings.queue(db, officer, category="gambling")
    assert [row.payee for row in page.items] == ["WILLIAM HILL ONLINE"]
    assert findings.queue(db, officer, owner="me").total == 2
    assert findings.queue(db, officer, owner="none").total == 0


def _rows(db, account) -> list[tuple]:
    tx = StatementTransaction
    return db.execute(
        select(
            tx.line_number,
            tx.posted_on,
            tx.description,
            tx.payee,
            tx.amount,
            tx.balance,
            tx.mcc,
            tx.row_key,
            tx.flag_category,
            tx.flag_rule_id,
            tx.match_status,
        )
        .where(tx.account_id == account.id)
        .order_by(tx.posted_on, tx.line_number)
    ).all()


def test_a_newest_first_file_overlapping_older_lines_adds_only_the_new_ones(db, officer, account):
    # newest first: the new days come first (after the account's latest line), then days it already has
    _import(db, officer, account, QUARTER)
    newest_first = statement(
        "2026-10-08,ARGOS LTD,-49.99,5311,1926.57",
        "2026-10-07,CARD PAYMENT TO TESCO STORES 2345 ON 07-10,-10.00,5411,1976.56",
        "2026-10-06,PAYROLL PA WAGES SARAH JONES,-412.50,,1986.56",
        "2026-10-05,WILLIAM HILL ONLINE,-20.00,7995,2399.06",
        "2026-10-03,CARD PAYMENT TO TESCO STORES 2345 ON 03-10,-23.47,5411,2419.06",
        "2026-10-03,CARD PAYMENT TO TESCO STORES 2345 ON 03-10,-23.47,5411,2442.53",
    )
    result = _import(db, officer, account, newest_first)
    assert (result.lines_read, result.lines_added) == (6, 2)
    assert result.reconciliation == "reconciled", result.notes
    assert _count(db, account) == 8
    again = _import(db, officer, account, newest_first.replace(b"\n", b"\r\n"))  # same lines, different bytes
    assert (again.same_file, again.lines_added) == (False, 0)


def test_lines_are_written_the_same_whether_or_not_the_account_had_lines_before(db, officer, account):
    # on PostgreSQL the first account's import copies straight into the table; the second account already has
    # the last day, so the same lines go through the staging table
    _import(db, officer, account, QUARTER)
    other = make_account(db, account.person_id, name="Second")
    _import(db, officer, other, statement("2026-10-06,PAYROLL PA WAGES SARAH JONES,-412.50,,1986.56"))
    result = _import(db, officer, other, QUARTER)
    assert (result.lines_read, result.lines_added) == (6, 5)
    # line numbers differ by file and row keys by account: compare everything else
    assert [r[1:7] + r[8:] for r in _rows(db, other)] == [r[1:7] + r[8:] for r in _rows(db, account)]


def test_only_days_the_account_already_has_go_through_the_staging_table(db, officer, account, connection):
    # PostgreSQL copies lines after the account's latest line straight into the table; SQLite has no staging
    # table at all, and both must add the same lines
    postgres = connection.dialect.name == "postgresql"

    def staged() -> bool:
        return postgres and bool(db.scalar(text("SELECT to_regclass('pg_temp.dp_import_staging') IS NOT NULL")))

    assert _import(db, officer, account, QUARTER).lines_added == 6
    assert not staged()  # an empty account: no staging table at all
    assert _import(db, officer, account, OVERLAP).lines_added == 1
    assert staged() is postgres


def test_identical_lines_either_side_of_a_batch_boundary_are_two_transactions_and_keep_their_keys(db, officer, account):
    """The identical Tesco lines of QUARTER are file lines 4 and 5: batches of 3 lines put them in different batches."""
    split = _import(db, officer, account, QUARTER, batch_size=3)
    assert (split.lines_added, split.duplicates) == (6, 0)
    again = _import(db, officer, account, QUARTER.replace(b"\n", b"\r\n"), batch_size=5000)  # other bytes, same lines
    assert (again.lines_read, again.lines_added) == (6, 0)
    tesco = db.scalars(select(StatementTransaction.line_number).where(StatementTransaction.payee.like("%TESCO%"))).all()
    assert sorted(tesco) == [4, 5]
