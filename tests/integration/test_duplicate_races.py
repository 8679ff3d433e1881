"""Two people creating the same thing at the same moment: exactly one record, the other told what exists.

Issue 24, items 2 and 3. Before: two simultaneous appeals against one decision both succeeded (no unique rule),
and two people adding the same NHS number got one 500 (the unique violation was not handled). Real connections
and commits, two threads released by a barrier, many rounds; on PostgreSQL (where both pass the service's check
before either commits) and on SQLite (whose ``BEGIN IMMEDIATE`` serialises them).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from phb import migrate
from phb.audit.services import AuditActor, act_as
from phb.db import create_db_engine, make_session_factory
from phb.errors import ConflictError, ValidationFailedError
from phb.governance.appeals import services as appeals
from phb.governance.appeals.models import Appeal
from phb.governance.appeals.schemas import AppealCreate
from phb.people.models import Person
from phb.people.rules import NhsNumberError, normalise_nhs_number
from phb.people.schemas import PersonCreate
from phb.people.services import add_person
from tests.conftest import BACKENDS
from tests.factories_appeals import refused_outcome
from tests.factories_governance import make_team

ROUNDS = 40


def _race(factory: Callable[[], Session], label: str, work: Callable[[Session, int], None], n: int) -> list[str]:
    """Run ``work(session, i)`` in two threads at once; "won", or the refusal's kind and message."""
    barrier = threading.Barrier(2)
    results: list[str] = []

    def run(i: int) -> None:
        with factory() as session:
            act_as(session, AuditActor(user_id=None, label=label))
            barrier.wait()
            try:
                work(session, n)
                session.commit()
                results.append("won")
            except (ConflictError, ValidationFailedError, IntegrityError) as exc:
                session.rollback()
                results.append(f"{type(exc).__name__}: {exc}")
            except Exception as exc:  # noqa: BLE001 - reported by the assertion, not lost in the thread
                results.append(f"error {exc!r}")

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_people_adding_the_same_nhs_number_at_once_make_one_person_and_one_clear_refusal(
    backend, fresh_database_url
):
    url = fresh_database_url(backend)
    migrate.upgrade(url)
    engine = create_db_engine(url, pool_size=4)
    factory = make_session_factory(engine)
    with factory() as setup:
        act_as(setup, AuditActor(user_id=None, label="test:setup"))
        manager = make_team(setup)["sam"]
        setup.commit()

    def add(session: Session, n: int) -> None:
        number = f"{n:03d}"
        add_person(
            session,
            manager,
            PersonCreate(
                nhs_number=_valid_nhs_number(n),
                given_name="Ada",
                family_name=f"Race {number}",
                date_of_birth=dt.date(1950, 1, 1),
            ),
        )

    for n in range(ROUNDS):
        results = _race(factory, "sam", add, n)
        assert sorted(results)[1] == "won", results
        loser = min(results)
        assert loser.startswith("ValidationFailedError: nhs_number: A person with this NHS number is already recorded")
    with factory() as check:
        assert check.scalar(select(func.count()).select_from(Person).where(Person.family_name.like("Race %"))) == ROUNDS
    engine.dispose()


def _valid_nhs_number(n: int) -> str:
    """A valid NHS number for round ``n`` (the first with a valid check digit from a starting point)."""
    for candidate in range(4_000_000_000 + n * 1000, 4_000_000_000 + n * 1000 + 1000):
        try:
            return normalise_nhs_number(str(candidate))
        except NhsNumberError:
            continue
    raise AssertionError(n)


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_appeals_against_one_decision_at_once_make_one_appeal_and_one_clear_refusal(backend, fresh_database_url):
    url = fresh_database_url(backend)
    migrate.upgrade(url)
    engine = create_db_engine(url, pool_size=4)
    factory = make_session_factory(engine)
    with factory() as setup:
        act_as(setup, AuditActor(user_id=None, label="test:setup"))
        team = make_team(setup)
        casey, person_id = team["casey"], team.person.id
        outcome_ids = [refused_outcome(setup, team, summary=f"Item {n}").id for n in range(ROUNDS)]
        setup.commit()

    def lodge(session: Session, n: int) -> None:
        appeals.lodge_appeal(session, casey, person_id, AppealCreate(outcome_id=outcome_ids[n], grounds="Unfair"))
        session.flush()

    for n in range(ROUNDS):
        results = _race(factory, "casey", lodge, n)
        assert sorted(results)[1] == "won", results
        loser = min(results)
        # SQLite serialises the two: the second sees the first and the service refuses it. On PostgreSQL both
        # pass the service's check; the unique index refuses the second (the web layer answers 409 naming it).
        assert loser.startswith(
            ("ConflictError: An appeal against this decision is already recorded", "IntegrityError")
        ), loser
        if loser.startswith("IntegrityError"):
            assert "uq_appeals_outcome_id" in loser
    with factory() as check:
        counts = check.execute(select(Appeal.outcome_id, func.count()).group_by(Appeal.outcome_id)).all()
        assert sorted(counts) == sorted((outcome_id, 1) for outcome_id in outcome_ids)
    engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_changes_of_one_sheet_line_at_once_without_a_version_leave_the_line_once(backend, fresh_database_url):
    """The service re-reads the line under the person lock: the second change finds it already replaced."""
    from phb.budgets import services as budgets  # noqa: PLC0415
    from phb.budgets.models import BudgetSheetLine  # noqa: PLC0415
    from phb.budgets.schemas import SheetLineCreate  # noqa: PLC0415

    url = fresh_database_url(backend)
    migrate.upgrade(url)
    engine = create_db_engine(url, pool_size=4)
    factory = make_session_factory(engine)
    line = {
        "description": "Personal assistant",
        "category": "personal_assistant_wages",
        "unit_cost": "13.50",
        "quantity": "14",
        "frequency": "weekly",
        "management_option": "direct_payment",
    }
    with factory() as setup:
        act_as(setup, AuditActor(user_id=None, label="test:setup"))
        team = make_team(setup)
        casey, person_id = team["casey"], team.person.id
        setup.commit()

    for n in range(ROUNDS // 4):
        with factory() as session:
            act_as(session, AuditActor(user_id=None, label="casey"))
            sheet = budgets.add_line(session, casey, person_id, SheetLineCreate(**{**line, "description": f"L{n}"}))
            session.commit()
            line_id = next(x.id for x in sheet.lines if x.description == f"L{n}")

        def change(session: Session, _n: int, line_id: int = line_id, n: int = n) -> None:
            budgets.change_line(session, casey, person_id, line_id, SheetLineCreate(**{**line, "description": f"L{n}"}))

        results = _race(factory, "casey", change, n)
        assert sorted(results)[1] == "won", results
        assert min(results).startswith("ConflictError: This line has been changed or removed"), results
        with factory() as check:
            live = check.scalar(
                select(func.count())
                .select_from(BudgetSheetLine)
                .where(BudgetSheetLine.person_id == person_id, BudgetSheetLine.removed_in.is_(None))
            )
            assert live == n + 1
    engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_same_statement_imported_twice_at_once_is_one_import_and_one_already_imported(backend, fresh_database_url):
    """Issue 24, item 4: the second import used to leave an import record of 0 lines."""
    import io  # noqa: PLC0415

    from phb.accounts.rules import Role  # noqa: PLC0415
    from phb.spending.importer import import_statement  # noqa: PLC0415
    from phb.spending.models import StatementImport  # noqa: PLC0415
    from tests.factories import actor, make_user  # noqa: PLC0415
    from tests.factories_spending import make_account, statement  # noqa: PLC0415

    url = fresh_database_url(backend)
    migrate.upgrade(url)
    engine = create_db_engine(url, pool_size=4)
    factory = make_session_factory(engine)
    with factory() as setup:
        act_as(setup, AuditActor(user_id=None, label="test:setup"))
        team = make_team(setup)
        officer = actor(setup, make_user(setup, "dominic", Role.DIRECT_PAYMENTS_OFFICER))
        account_ids = [make_account(setup, team.person.id, name=f"Account {n}").id for n in range(ROUNDS // 2)]
        setup.commit()
    lines = [f"2026-10-{day:02d},CARING HANDS HOMECARE LTD,-{day}.00,8099," for day in range(1, 29)]
    content = statement(*lines)
    said: list[str] = []

    def run(session: Session, n: int) -> None:
        result = import_statement(
            session, officer, account_ids[n], io.BytesIO(content), filename="s.csv", profile="generic"
        )
        said.append("already imported" if result.same_file else f"{result.lines_added} added")

    for n in range(ROUNDS // 2):
        said.clear()
        results = _race(factory, "dana", run, n)
        assert results == ["won", "won"], results
        assert sorted(said) == ["28 added", "already imported"], said
    with factory() as check:
        imports = check.execute(
            select(StatementImport.account_id, StatementImport.lines_added).where(
                StatementImport.account_id.in_(account_ids)
            )
        ).all()
        assert sorted(imports) == sorted((account_id, 28) for account_id in account_ids)
    engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_double_click_on_propose_final_budget_makes_one_budget_and_one_clear_refusal(backend, fresh_database_url):
    """Issue 24 item 3: the same final budget proposed twice at once; the person lock takes them in turn."""
    from phb.budgets import services as budgets  # noqa: PLC0415
    from phb.budgets.models import FinalBudget  # noqa: PLC0415
    from phb.budgets.schemas import FinalBudgetCreate  # noqa: PLC0415
    from tests.factories_budgets import propose_final  # noqa: PLC0415

    url = fresh_database_url(backend)
    migrate.upgrade(url)
    engine = create_db_engine(url, pool_size=4)
    factory = make_session_factory(engine)
    with factory() as setup:
        act_as(setup, AuditActor(user_id=None, label="test:setup"))
        team = make_team(setup)
        casey, person_id = team["casey"], team.person.id
        first = propose_final(setup, casey, person_id, [team["nina"], team["sam"]])
        setup.commit()

    rounds = ROUNDS // 4

    def propose(session: Session, n: int) -> None:
        budgets.propose_final_budget(
            session,
            casey,
            person_id,
            FinalBudgetCreate(
                annual_amount=first.annual_amount,
                effective_from=first.effective_from,
                effective_to=first.effective_to,
                management_options=first.management_options,
                variance_explanation=f"Round {n}",
                dp_frequency=first.dp_frequency,
                dp_first_payment_on=first.dp_first_payment_on,
                dp_recipient=first.dp_recipient,
                dp_notice_days=first.dp_notice_days,
            ),
        )

    for n in range(rounds):
        results = _race(factory, "casey", propose, n)
        assert sorted(results)[1] == "won", results
        assert min(results).startswith("ConflictError: This final budget was already proposed"), results
    with factory() as check:
        assert check.scalar(
            select(func.count()).select_from(FinalBudget).where(FinalBudget.person_id == person_id)
        ) == (1 + rounds)
    engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_double_click_on_add_commitment_records_it_once(backend, fresh_database_url):
    """Issue 24 item 3: the same commitment twice at once; the account's row lock takes them in turn."""
    from phb.money import gbp  # noqa: PLC0415
    from phb.spending import services as spending  # noqa: PLC0415
    from phb.spending.models import Commitment  # noqa: PLC0415
    from phb.spending.schemas import CommitmentCreate  # noqa: PLC0415
    from tests.factories_spending import make_account  # noqa: PLC0415

    url = fresh_database_url(backend)
    migrate.upgrade(url)
    engine = create_db_engine(url, pool_size=4)
    factory = make_session_factory(engine)
    with factory() as setup:
        act_as(setup, AuditActor(user_id=None, label="test:setup"))
        team = make_team(setup)
        dana, person_id = team["dana"], team.person.id
        account_id = make_account(setup, person_id).id
        setup.commit()

    def add(session: Session, n: int) -> None:
        spending.add_commitment(
            session,
            dana,
            person_id,
            account_id,
            CommitmentCreate(
                kind="invoice_unpaid", description=f"Invoice {n}", amount=gbp("100.00"), due_on=dt.date(2026, 12, 20)
            ),
        )

    for n in range(ROUNDS // 2):
        results = _race(factory, "dana", add, n)
        assert sorted(results)[1] == "won", results
        assert min(results).startswith("ConflictError: This commitment is already recorded"), results
    with factory() as check:
        made = select(func.count()).select_from(Commitment).where(Commitment.account_id == account_id)
        assert check.scalar(made) == ROUNDS // 2
    engine.dispose()
