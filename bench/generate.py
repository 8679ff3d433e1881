"""Generate a realistic phb data set of N people for benchmarks (``python bench/generate.py --people 10000``).

Every person gets what a year of real work leaves behind: a care coordinator and a place on a case manager's
caseload (50 people each), sometimes a representative, an assessment of need, an authorised indicative budget,
a budget sheet of 10 to 50 lines in three versions (lines changed and removed along the way), an authorised final
budget with its monthly direct-payment schedule, a care and support plan in two versions with outcomes, actions,
participants and linked plans, a risk register with actions, a risk discussion and a contingency plan, decision
requests with their steps and outcomes (about one in five still open), the decision notice of each outcome and,
for some refusals, an appeal at one of its stages (a few referred onwards) and, when the spending tables exist, a
direct payment account with twelve monthly statements (about 100 lines a year) and the findings they raised.

Rows go in through SQLAlchemy Core into the real tables (executemany on SQLite, ``COPY`` on PostgreSQL): the
ORM would be about six times slower. Values are written exactly as the services write them: Money through the
``MoneyType`` column (integer pence), annual costs from :mod:`phb.budgets.rules`, quantities in hundredths,
datetimes in UTC, the same defaults. Bulk rows are not audited row by row (like a statement import): each person's
creation and budget sheet get chained audit events, and the run ends with one explicit ``bench.generated`` event,
so ``phb audit verify`` still passes.

Logins (password ``bench-password-2026``): ``bench-cm-1`` (case manager, people 1-50), ``bench-sam`` (CHC
service manager, sees everyone, decides level-2 requests), ``bench-dana`` (direct payments officer, findings).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, inspect, select, text

from phb import migrate
from phb.accounts.models import User, UserRole
from phb.accounts.rules import Role
from phb.accounts.services import hash_password
from phb.audit.chain import HASHED_FIELDS, event_hash, jsonable
from phb.audit.models import GENESIS_HASH, AuditEvent
from phb.audit.services import AuditActor, act_as, record
from phb.budgets import rules as budget_rules
from phb.budgets.models import (
    Assessment,
    AssessmentItem,
    BudgetDecision,
    BudgetSheetLine,
    BudgetSheetVersion,
    FinalBudget,
    IndicativeBudget,
    PaymentSchedule,
    RateCard,
    ScheduledPayment,
    to_hundredths,
)
from phb.db import create_db_engine, make_session_factory, normalise_url, utcnow
from phb.governance.appeals.models import Appeal, AppealReferral, DecisionNotice
from phb.governance.appeals.rules import appeal_type_for
from phb.governance.appeals.services import load_config as appeals_config
from phb.governance.appeals.services import notice_content
from phb.governance.models import DecisionOutcome, DecisionRequest, DecisionStep
from phb.money import from_pence, gbp, total
from phb.people.models import CaseloadAssignment, Person, Supporter
from phb.plans.models import CarePlan, LinkedPlan, PlanAction, PlanOutcome, PlanParticipant, PlanVersion
from phb.risk.models import ContingencyPlan, Risk, RiskAction, RiskDiscussion
from phb.spending.statements import row_key

PASSWORD = "bench-password-2026"  # noqa: S105 - benchmark data only
CASELOAD = 50
CHUNK = 500  # people per transaction

GIVEN = ("Margaret", "James", "Aisha", "Tom", "Elsie", "Leon", "Grace", "Ravi", "Siobhan", "Kwame", "Olga", "Ben")
FAMILY = ("Okafor", "Whitfield", "Rahman", "Price", "Grant", "Baptiste", "Nowak", "Evans", "Khan", "Murphy", "Li")
# (description, category, management option, unit cost in pence range, quantity range, frequency)
LINE_KINDS = (
    ("Personal assistant weekday hours", "personal_assistant_wages", "direct_payment", (1300, 1600), (5, 40), "weekly"),
    ("Personal assistant weekend hours", "personal_assistant_wages", "direct_payment", (1400, 1800), (2, 16), "weekly"),
    ("Employer's National Insurance and pension", "employer_costs", "direct_payment", (5000, 40000), (1, 1), "monthly"),
    ("Agency waking nights", "agency_care", "third_party", (18000, 24000), (1, 7), "weekly"),
    ("Hoist and sling servicing", "equipment", "notional", (5000, 30000), (1, 2), "annual"),
    ("Hydrotherapy sessions", "therapy", "direct_payment", (3000, 6000), (1, 4), "four_weekly"),
    ("Taxi to day centre", "transport", "direct_payment", (800, 2500), (1, 5), "weekly"),
    ("Moving and handling training", "training", "direct_payment", (10000, 40000), (1, 1), "one_off"),
    ("Employer's liability insurance", "insurance", "direct_payment", (9000, 20000), (1, 1), "annual"),
    ("Payroll service", "payroll_service", "direct_payment", (1200, 2000), (1, 1), "monthly"),
    ("Contingency for PA sickness cover", "contingency", "direct_payment", (20000, 90000), (1, 1), "annual"),
)
PAYEES = ("TESCO STORES", "PAYROLL SERVICES LTD", "CITY TAXIS", "AQUA THERAPY CIC", "HMRC PAYE", "BOOTS", "AMAZON")
RISK_TITLES = ("Swimming alone", "Falls at night", "Medication errors", "Money handling", "Isolation")
REFUSED_REASONS = "The plan's fitness outcome is met by the community exercise class already funded"
# An appeal's stages in order, each with the calendar days since lodging after which it may have been reached
# (its steps are working days later, so the dates never pass today, bank holidays included).
APPEAL_STAGES = (
    ("lodged", 0),
    ("acknowledged", 7),
    ("under_review", 9),
    ("decided", 30),
    ("communicated", 36),
    ("referred", 50),
)
EXCLUDED = (("BET365", "7995", "gambling"), ("OFF LICENCE", "5921", "alcohol"), ("KLARNA", "6012", "debt_repayment"))


@dataclass
class Ids:
    """The next free primary key of each table (ids are assigned here so rows can refer to each other)."""

    next: dict[str, int] = field(default_factory=dict)

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


class Writer:
    """Bulk inserts into the real tables: executemany on SQLite, COPY on PostgreSQL.

    Every value passes through its column's own bind processing (``MoneyType`` to pence, ``UTCDateTime`` to
    naive UTC, JSON, the dialect's date format) and a missing column takes the model's default, so the rows are
    the rows the services would have written; the driver is called directly because SQLAlchemy's per-row
    parameter handling costs more than the insert itself.
    """

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"
        self.counts: dict[str, int] = {}

    def insert(self, model: Any, rows: list[dict[str, Any]]) -> None:  # noqa: ANN401
        if not rows:
            return
        table: Table = model.__table__
        self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)
        dialect = self.connection.dialect
        columns = list(table.columns)
        plan = []
        for column in columns:
            default = column.default
            fill = None
            if default is not None:
                fill = (lambda d=default: d.arg(None)) if callable(default.arg) else (lambda d=default: d.arg)
            plan.append((column.key, fill, column.type.dialect_impl(dialect).bind_processor(dialect)))
        values = []
        for row in rows:
            out = []
            for key, fill, process in plan:
                value = row[key] if key in row else (fill() if fill is not None else None)
                if process is not None and value is not None:
                    value = process(value)
                out.append(value)
            values.append(tuple(out))
        names = ", ".join(c.name for c in columns)
        if self.postgres:
            cursor = self.connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
            with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                for out in values:
                    copy.write_row(out)
        else:
            marks = ", ".join("?" for _ in columns)
            self.connection.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", values)  # noqa: S608


class AuditChain:
    """Chained audit events for generated rows, hashed exactly as :func:`phb.audit.services._append` does."""

    def __init__(self, prev_hash: str, actor: AuditActor) -> None:
        self.prev_hash = prev_hash
        self.actor = actor
        self.rows: list[dict[str, Any]] = []

    def created(self, table: str, row: dict[str, Any], person_id: int, when: dt.datetime) -> None:
        fields = {
            "occurred_at": when,
            "actor_user_id": self.actor.user_id,
            "actor_label": self.actor.label,
            "actor_roles": ",".join(self.actor.roles),
            "action": f"{table}.created",
            "entity_type": table,
            "entity_id": str(row["id"]),
            "person_id": person_id,
            "before": None,
            "after": jsonable(row),
            "reason": None,
            "request_id": None,
        }
        fields["prev_hash"] = self.prev_hash
        fields["hash"] = self.prev_hash = event_hash(self.prev_hash, {k: fields[k] for k in HASHED_FIELDS})
        self.rows.append(fields)


def nhs_numbers(start: int) -> Iterator[str]:
    """Valid NHS numbers in the 999 range (never issued to patients), by the modulus 11 check digit."""
    n = start
    while True:
        body = f"999{n:06d}"
        n += 1
        check = 11 - sum(int(d) * (10 - i) for i, d in enumerate(body)) % 11
        if check == 11:
            check = 0
        if check == 10:
            continue
        yield f"{body}{check}"


def aware(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)


class Generator:
    """Builds the rows person by person and writes them a chunk at a time."""

    def __init__(
        self,
        connection: Connection,
        *,
        seed: int = 2026,
        statements: bool = True,
        lines: tuple[int, int] = (10, 50),
        risks: tuple[int, int] = (2, 5),
        outcomes: int = 3,
        open_decisions: float = 0.2,
        refused: float = 0.25,
        appealed: float = 0.4,
    ) -> None:
        self.random = random.Random(seed)
        self.lines = lines
        self.risk_count = risks
        self.outcomes = outcomes
        self.open_decisions = open_decisions
        self.refused = refused  # of the decided flexible-spend requests
        self.appealed = appealed  # of the refusals
        self.today = dt.date.today()  # noqa: DTZ011 - business dates come from Python, as in the services
        self.year_start, self.year_end = budget_rules.budget_year(self.today)
        self.statements = statements and "dp_transactions" in inspect(connection).get_table_names()
        self.ids = Ids()
        self.counts: dict[str, int] = {}
        self.actor = AuditActor(user_id=None, label="bench:generate")
        self.people = 0
        from phb import models  # noqa: PLC0415 - every model, for the id counters

        # Parents before children: SQLite and PostgreSQL check each foreign key as the row goes in.
        by_table = {m.class_.__tablename__: m.class_ for m in models.Base.registry.mappers}
        self.models = [by_table[t.name] for t in models.Base.metadata.sorted_tables if t.name in by_table]
        self._start_ids(connection, self.models)
        prev = connection.execute(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).scalar()
        self.chain = AuditChain(prev or GENESIS_HASH, self.actor)
        self.numbers = nhs_numbers(self.ids.next["people"])

    # -- set-up ----------------------------------------------------------------------------------------------

    def _start_ids(self, connection: Connection, models: Iterable[Any]) -> None:
        for model in models:
            table = model.__table__
            if "id" in table.c:
                current = connection.execute(select(table.c.id).order_by(table.c.id.desc()).limit(1)).scalar()
                self.ids.next[table.name] = (current or 0) + 1

    def _staff(self, writer: Writer, people: int) -> None:
        password_hash = hash_password(PASSWORD)  # argon2id is slow on purpose: hash once, share it
        managers = max(1, (people + CASELOAD - 1) // CASELOAD)
        staff = [(f"bench-cm-{i}", f"Case Manager {i}", (Role.CASE_MANAGER,)) for i in range(1, managers + 1)]
        staff += [
            ("bench-sam", "Sam Okoro", (Role.CHC_SERVICE_MANAGER,)),
            ("bench-dana", "Dana Reid", (Role.DIRECT_PAYMENTS_OFFICER,)),
            ("bench-cora", "Cora Lindqvist", (Role.CHC_COMMISSIONER,)),
            ("bench-admin", "Alex Admin", (Role.ADMINISTRATOR,)),
        ]
        users, roles = [], []
        self.user_ids: dict[str, int] = {}
        for username, name, user_roles in staff:
            user_id = self.ids.take("users")
            self.user_ids[username] = user_id
            users.append(
                {
                    "id": user_id,
                    "username": username,
                    "display_name": name,
                    "email": f"{username}@example.nhs.uk",
                    "password_hash": password_hash,
                }
            )
            roles += [{"user_id": user_id, "role": str(r)} for r in user_roles]
        writer.insert(User, users)
        writer.insert(UserRole, roles)
        self.rate_card_id = self.ids.take("budget_rate_cards")
        writer.insert(
            RateCard,
            [
                {
                    "id": self.rate_card_id,
                    "version": self.rate_card_id,
                    "effective_from": self.year_start - dt.timedelta(days=self.rate_card_id - 1),
                    "pa_weekday_hour": gbp("13.50"),
                    "pa_weekend_hour": gbp("15.00"),
                    "pa_night_hour": gbp("14.00"),
                    "agency_hour": gbp("24.50"),
                    "waking_night": gbp("210.00"),
                    "sleeping_night": gbp("95.00"),
                    "respite_week": gbp("1250.00"),
                    "employer_on_costs_hundredths": 1250,
                    "payroll_fee_monthly": gbp("15.00"),
                    "created_by_id": self.user_ids["bench-admin"],
                }
            ],
        )

    # -- one person ------------------------------------------------------------------------------------------

    def _person(self, rows: dict[Any, list[dict[str, Any]]], chain: AuditChain, index: int, nhs: str) -> None:
        r = self.random
        person_id = self.ids.take("people")
        manager_id = self.user_ids[f"bench-cm-{index // CASELOAD + 1}"]
        manager_name = f"Case Manager {index // CASELOAD + 1}"
        created = aware(self.year_start - dt.timedelta(days=r.randint(30, 900)))
        person = {
            "id": person_id,
            "nhs_number": nhs,
            "given_name": r.choice(GIVEN),
            "family_name": f"{r.choice(FAMILY)}{index % 997}",
            "date_of_birth": dt.date(1930 + r.randint(0, 75), r.randint(1, 12), r.randint(1, 28)),
            "email": None,
            "phone": "0113 496 0000",
            "address": f"{index % 300 + 1} High Street, Leeds LS1 4AP",
            "preferred_contact": r.choice(("letter", "email", "phone")),
            "accessible_format": "standard",
            "format_notes": None,
            "consent_to_share": True,
            "consent_recorded_at": created,
            "care_coordinator_id": manager_id,
            "created_at": created,
            "version": 1,
        }
        rows[Person].append(person)
        chain.created("people", person, person_id, created)
        rows[CaseloadAssignment].append(
            {
                "id": self.ids.take("caseload_assignments"),
                "person_id": person_id,
                "user_id": manager_id,
                "assigned_on": created.date(),
                "ended_on": None,
            }
        )
        if r.random() < 0.3:
            rows[Supporter].append(
                {
                    "id": self.ids.take("supporters"),
                    "person_id": person_id,
                    "kind": "representative",
                    "name": "Martin Grant",
                    "relationship_to_person": "Son",
                    "legal_basis": "lpa_health_and_welfare",
                    "email": None,
                    "phone": None,
                    "user_id": None,
                    "started_on": created.date(),
                    "ended_on": None,
                }
            )
        line_ids = self._budget(rows, chain, person_id, manager_id, manager_name, created)
        self._plan(rows, person_id, manager_id, manager_name, created)
        self._risks(rows, person_id, manager_id, line_ids)
        self._decisions(rows, person_id, manager_id)
        if self.statements:
            self._spending(rows, person_id, line_ids)

    def _line(self, person_id: int, number: int, position: int, key: str | None = None) -> dict[str, Any]:
        r = self.random
        description, category, option, (low, high), (qlow, qhigh), frequency = r.choice(LINE_KINDS)
        unit_cost = from_pence(r.randint(low, high))
        quantity = Decimal(r.randint(qlow * 2, qhigh * 2)) / 2  # half hours
        annual = budget_rules.annual_cost(unit_cost, quantity, budget_rules.Frequency(frequency))
        return {
            "id": self.ids.take("budget_sheet_lines"),
            "person_id": person_id,
            "line_key": key or str(uuid.UUID(int=r.getrandbits(128), version=4)),
            "added_in": number,
            "removed_in": None,
            "position": position,
            "description": description,
            "outcomes": "Stay at home with my own team\nGet out to the pool each week",
            "category": category,
            "unit_cost": unit_cost,
            "quantity_hundredths": to_hundredths(quantity),
            "frequency": frequency,
            "annual_cost": annual,
            "management_option": option,
        }

    def _budget(
        self,
        rows: dict[Any, list[dict[str, Any]]],
        chain: AuditChain,
        person_id: int,
        manager_id: int,
        manager_name: str,
        created: dt.datetime,
    ) -> list[int]:
        r = self.random
        sam = self.user_ids["bench-sam"]
        assessed = created + dt.timedelta(days=7)
        assessment_id = self.ids.take("budget_assessments")
        rows[Assessment].append(
            {
                "id": assessment_id,
                "person_id": person_id,
                "assessed_on": assessed.date(),
                "assessor_id": manager_id,
                "assessor_name": manager_name,
                "summary": "Needs support with personal care day and night",
                "locked": True,
                "created_at": assessed,
            }
        )
        for kind, quantity in (("pa_weekday_hour", 14), ("pa_weekend_hour", 6), ("waking_night", 2)):
            rows[AssessmentItem].append(
                {
                    "id": self.ids.take("budget_assessment_items"),
                    "assessment_id": assessment_id,
                    "kind": kind,
                    "description": "",
                    "quantity_hundredths": quantity * 100,
                    "frequency": "weekly",
                    "unit_cost": None,
                }
            )
        # Three versions: all lines, then two lines changed, then one removed.
        count = r.randint(*self.lines)
        lines = [self._line(person_id, 1, position) for position in range(count + 1)]
        for position, old in enumerate(lines[:2]):
            old["removed_in"] = 2
            lines.append(self._line(person_id, 2, position, key=old["line_key"]))
        lines[2]["removed_in"] = 3
        rows[BudgetSheetLine].extend(lines)
        current = [line for line in lines if line["removed_in"] is None]
        sheet_total = total(line["annual_cost"] for line in current)
        indicative_id = self.ids.take("budget_indicative_budgets")
        rows[IndicativeBudget].append(
            {
                "id": indicative_id,
                "person_id": person_id,
                "number": 1,
                "assessment_id": assessment_id,
                "rate_card_id": self.rate_card_id,
                "annual_amount": sheet_total,
                "breakdown": json.dumps(
                    [{"text": "Personal assistants", "category": "personal_assistant_wages", "annual": 0, "kind": "pa"}]
                ),
                "proposed_by_id": manager_id,
                "proposed_by_name": manager_name,
                "proposed_at": assessed,
                "reason": None,
            }
        )
        for number, change in enumerate(("Budget sheet started", "Changed PA hours", "Removed a line"), start=1):
            version = {
                "id": self.ids.take("budget_sheet_versions"),
                "person_id": person_id,
                "number": number,
                "change": change,
                "reason": "Agreed at the planning meeting",
                "variance_explanation": None,
                "created_by_id": manager_id,
                "created_by_name": manager_name,
                "created_at": assessed + dt.timedelta(days=14 * number),
            }
            rows[BudgetSheetVersion].append(version)
        chain.created("budget_sheet_versions", version, person_id, version["created_at"])
        dp_total = total(line["annual_cost"] for line in current if line["management_option"] == "direct_payment")
        monthly = from_pence(-(-int(dp_total.amount * 100) // 12))
        final_id = self.ids.take("budget_final_budgets")
        rows[FinalBudget].append(
            {
                "id": final_id,
                "person_id": person_id,
                "number": 1,
                "sheet_version": 3,
                "indicative_budget_id": indicative_id,
                "annual_amount": sheet_total,
                "effective_from": self.year_start,
                "effective_to": None,
                "management_options": "notional,third_party,direct_payment",
                "variance_explanation": None,
                "dp_amount_per_period": monthly,
                "dp_frequency": "monthly",
                "dp_first_payment_on": self.year_start,
                "dp_recipient": "person",
                "dp_notice_days": 28,
                "proposed_by_id": manager_id,
                "proposed_by_name": manager_name,
                "proposed_at": assessed + dt.timedelta(days=50),
                "reason": None,
            }
        )
        for subject_type, subject_id in (("indicative_budget", indicative_id), ("final_budget", final_id)):
            rows[BudgetDecision].append(
                {
                    "id": self.ids.take("budget_decisions"),
                    "person_id": person_id,
                    "subject_type": subject_type,
                    "subject_id": subject_id,
                    "outcome": "authorised",
                    "decided_by_id": sam,
                    "decided_by_name": "Sam Okoro",
                    "decided_by_role": "chc_service_manager",
                    "decided_at": assessed + dt.timedelta(days=60),
                    "reasons": "Meets assessed needs",
                }
            )
        schedule = budget_rules.build_schedule(
            monthly, budget_rules.PaymentFrequency.MONTHLY, self.year_start, self.year_end
        )
        schedule_id = self.ids.take("budget_payment_schedules")
        rows[PaymentSchedule].append(
            {
                "id": schedule_id,
                "person_id": person_id,
                "final_budget_id": final_id,
                "replaces_id": None,
                "starts_on": schedule.start,
                "ends_on": schedule.end,
                "frequency": "monthly",
                "amount_per_period": monthly,
                "total": schedule.total,
                "note": None,
                "created_at": assessed + dt.timedelta(days=60),
            }
        )
        rows[ScheduledPayment].extend(
            {
                "id": self.ids.take("budget_scheduled_payments"),
                "schedule_id": schedule_id,
                "number": period.number,
                "due_on": period.period_start,
                "period_end": period.period_end,
                "amount": period.amount,
            }
            for period in schedule.periods
        )
        return [line["id"] for line in current]

    def _plan(
        self,
        rows: dict[Any, list[dict[str, Any]]],
        person_id: int,
        manager_id: int,
        manager_name: str,
        created: dt.datetime,
    ) -> None:
        plan_id = self.ids.take("care_plans")
        agreed = (created + dt.timedelta(days=70)).date()
        rows[CarePlan].append(
            {
                "id": plan_id,
                "person_id": person_id,
                "current_version": 2,
                "first_agreed_on": agreed,
                "first_direct_payment_on": self.year_start,
                "closed_on": None,
                "closed_reason": None,
                "created_at": created,
                "version": 1,
            }
        )
        for number, stage in ((1, "conversation"), (2, "make_it_happen")):
            version_id = self.ids.take("plan_versions")
            rows[PlanVersion].append(
                {
                    "id": version_id,
                    "plan_id": plan_id,
                    "person_id": person_id,
                    "number": number,
                    "stage": stage,
                    "created_at": created + dt.timedelta(days=30 * number),
                    "created_by_id": manager_id,
                    "created_by_name": manager_name,
                    "change_summary": "Plan agreed" if number == 2 else "Plan started",
                    "reason": None,
                    "appreciate_about_me": "My sense of humour",
                    "important_to_me": "My garden and my grandchildren",
                    "how_to_support_me": "Talk to me, not about me",
                    "health_summary": "Multiple sclerosis",
                    "aspirations": "Swim every week",
                    "contingency": "My daughter covers if a PA is off",
                    "care_coordinator": manager_name,
                    "health_monitor": "District nurse team",
                    "budget_management": "direct_payment",
                    "budget_sheet_included": True,
                    "cohort": "chc_adults",
                    "team": "North",
                    "person_prepared": True,
                    "person_chose_involved": True,
                    "review_interval_months": 12,
                    "review_method": "Home visit",
                    "next_review_on": agreed + dt.timedelta(days=365),
                    "knows_how_to_request_review": True,
                    "agreed_on": agreed if number == 2 else None,
                    "agreed_by": "The person" if number == 2 else "",
                    **{f"criterion_{n}_met": True for n in range(1, 6)},
                    **{f"criterion_{n}_evidence": f"Evidence for criterion {n}" for n in range(1, 6)},
                }
            )
            for ref in range(1, self.outcomes + 1):
                common = {"version_id": version_id, "person_id": person_id, "ref": ref}
                rows[PlanOutcome].append(
                    {
                        "id": self.ids.take("plan_outcomes"),
                        **common,
                        "text": f"Outcome {ref} in my own words",
                        "written_by": "Me",
                        "person_involved": True,
                        "progress": None,
                    }
                )
                rows[PlanAction].append(
                    {
                        "id": self.ids.take("plan_actions"),
                        **common,
                        "outcome_ref": ref,
                        "description": "Help me outside after lunch",
                        "owner": "My PA",
                        "due_on": agreed + dt.timedelta(days=90),
                    }
                )
            for ref, (name, role) in enumerate((("Grace", "Daughter"), (manager_name, "Case manager")), start=1):
                rows[PlanParticipant].append(
                    {
                        "id": self.ids.take("plan_participants"),
                        "version_id": version_id,
                        "person_id": person_id,
                        "ref": ref,
                        "name": name,
                        "role": role,
                        "chosen_by_person": True,
                    }
                )
            rows[LinkedPlan].append(
                {
                    "id": self.ids.take("plan_links"),
                    "version_id": version_id,
                    "person_id": person_id,
                    "ref": 1,
                    "kind": "social_care_plan",
                    "title": "Adult social care plan",
                    "owner": "Leeds City Council",
                }
            )

    def _risks(
        self, rows: dict[Any, list[dict[str, Any]]], person_id: int, manager_id: int, line_ids: list[int]
    ) -> None:
        r = self.random
        discussion_id = self.ids.take("risk_discussions")
        rows[RiskDiscussion].append(
            {
                "id": discussion_id,
                "person_id": person_id,
                "held_on": self.today - dt.timedelta(days=r.randint(10, 200)),
                "participants": ["The person", "Case manager"],
                "wants_to_do": "I want to swim on my own at the local pool, like everyone else my age.",
                "words_of": "The person",
                "benefits": "Fitness, independence and confidence.",
                "risk_they_accept": "I might have a seizure in the water.",
                "organisation_can_support": "Tell the lifeguards",
                "recorded_by_id": manager_id,
                "version": 1,
            }
        )
        for n in range(r.randint(*self.risk_count)):
            risk_id = self.ids.take("risks")
            likelihood, impact = r.randint(1, 5), r.randint(1, 5)
            rows[Risk].append(
                {
                    "id": risk_id,
                    "person_id": person_id,
                    "discussion_id": discussion_id if n == 0 else None,
                    "title": RISK_TITLES[n % len(RISK_TITLES)],
                    "category": r.choice(("clinical", "financial", "personal")),
                    "description": "Agreed with the person",
                    "person_view": "I know the risk and I want to do it",
                    "likelihood": likelihood,
                    "impact": impact,
                    "approach": "manage",
                    "mitigations": "Lifeguard told about the epilepsy",
                    "residual_likelihood": max(1, likelihood - 1),
                    "residual_impact": impact,
                    "owner": "Case manager",
                    "review_on": self.today + dt.timedelta(days=r.randint(-30, 180)),
                    "status": "open" if n < 4 else "closed",
                    "version": 1,
                }
            )
            for _ in range(r.randint(1, 2)):
                rows[RiskAction].append(
                    {
                        "id": self.ids.take("risk_actions"),
                        "person_id": person_id,
                        "risk_id": risk_id,
                        "description": "Check the pool's epilepsy policy",
                        "owner": "Case manager",
                        "due_on": self.today + dt.timedelta(days=r.randint(-20, 60)),
                        "done_on": None,
                        "version": 1,
                    }
                )
        rows[ContingencyPlan].append(
            {
                "id": self.ids.take("contingency_plans"),
                "person_id": person_id,
                "scenario": "My personal assistant does not arrive",
                "warning_signs": "Not here by 9am",
                "what_to_do": "Ring the agency",
                "contacts": ["Agency: 0113 496 0000"],
                "budget_may_pay_for": "An agency worker for the day",
                "budget_line_id": line_ids[-1] if line_ids else None,
                "review_on": self.today + dt.timedelta(days=90),
                "version": 1,
            }
        )

    def _decisions(self, rows: dict[Any, list[dict[str, Any]]], person_id: int, manager_id: int) -> None:
        r = self.random
        sam = self.user_ids["bench-sam"]
        for n in range(2):
            request_id = self.ids.take("decision_requests")
            raised = aware(self.today - dt.timedelta(days=r.randint(1, 300)))
            is_open = n == 1 and r.random() < self.open_decisions
            refused = n == 1 and not is_open and r.random() < self.refused
            due = raised + dt.timedelta(days=10)
            kind = ("final_budget_authorisation", "flexible_budget_spend")[n]
            summary = ("Final budget for the year", "Gym membership for fitness goals")[n]
            rows[DecisionRequest].append(
                {
                    "id": request_id,
                    "person_id": person_id,
                    "decision_type": kind,
                    "summary": summary,
                    "category": None if n == 0 else "leisure",
                    "amount": gbp("40000.00") if n == 0 else None,
                    "increase": None,
                    "item_amount": None if n == 0 else from_pence(r.randint(1000, 60000)),
                    "subject_type": None,
                    "subject_id": None,
                    "unusual": False,
                    "details": None,
                    "residual_risk": r.randint(1, 25),
                    "framework_id": None,
                    "proposed_by_id": manager_id,
                    "raised_at": raised,
                    "routing_reason": "Level 2: annual budget over £20,000",
                    "status": "open" if is_open else "decided",
                    "current_level": 2,
                    "at_panel": False,
                    "step_started_at": raised,
                    "step_due_at": due,
                    "first_approver_id": None,
                    "decided_at": None if is_open else raised + dt.timedelta(days=3),
                    "version": 1,
                }
            )
            steps = [("routed", manager_id, "Case Manager", "case_manager", raised)]
            if not is_open:
                steps.append(
                    (
                        "refuse" if refused else "approve",
                        sam,
                        "Sam Okoro",
                        "chc_service_manager",
                        raised + dt.timedelta(days=3),
                    )
                )
            for action, actor_id, label, role, when in steps:
                rows[DecisionStep].append(
                    {
                        "id": self.ids.take("decision_steps"),
                        "request_id": request_id,
                        "person_id": person_id,
                        "action": action,
                        "level": 2,
                        "at_panel": False,
                        "actor_id": actor_id,
                        "actor_label": label,
                        "role": role,
                        "occurred_at": when,
                        "step_started_at": raised,
                        "step_due_at": due,
                        "note": None,
                    }
                )
            if not is_open:
                outcome = {
                    "id": self.ids.take("decision_outcomes"),
                    "request_id": request_id,
                    "person_id": person_id,
                    "decision_type": kind,
                    "subject_type": None,
                    "subject_id": None,
                    "outcome": "refused" if refused else "approved",
                    "decided_by_id": sam,
                    "decided_by_name": "Sam Okoro",
                    "role": "chc_service_manager",
                    "level": 2,
                    "by_panel": False,
                    "second_approver_id": None,
                    "second_approver_name": None,
                    "decided_at": raised + dt.timedelta(days=3),
                    "considered": "The plan, the budget sheet and the risk register",
                    "reasons": REFUSED_REASONS if refused else "Meets the outcomes in the plan",
                    "conditions": None,
                    "alternatives": "A community exercise class, from the leisure line" if refused else None,
                    "review_date": None,
                    "for_person": "Your request was not agreed." if refused else "Your request was approved.",
                }
                rows[DecisionOutcome].append(outcome)
                notice = self._notice(rows, outcome, summary)
                if refused and r.random() < self.appealed:
                    self._appeal(rows, outcome, notice)

    def _notice(self, rows: dict[Any, list[dict[str, Any]]], outcome: dict[str, Any], summary: str) -> dict[str, Any]:
        """The decision notice every outcome gets, written by the service's own words (delivered to 80 %)."""
        r = self.random
        decided = outcome["decided_at"].date()
        delivered = decided + dt.timedelta(days=r.randint(1, 4)) if r.random() < 0.8 else None
        kind = appeal_type_for(outcome["decision_type"], outcome["outcome"])
        content = notice_content(DecisionOutcome(**outcome), summary, kind, delivered or decided)
        notice = {
            "id": self.ids.take("decision_notices"),
            "outcome_id": outcome["id"],
            "person_id": outcome["person_id"],
            "decision_type": outcome["decision_type"],
            "outcome": outcome["outcome"],
            "appeal_type": kind.value,
            "title": content.title,
            "sections": content.sections,
            "issued_at": outcome["decided_at"],
            "appeal_by": content.appeal_by,
            "reduction_takes_effect_on": content.reduction_takes_effect_on,
            "delivered_on": delivered,
            "delivery_channel": "letter" if delivered else None,
            "delivered_by_name": "Case Manager" if delivered else None,
            "delivery_note": None,
            "version": 1,
        }
        rows[DecisionNotice].append(notice)
        return notice

    def _appeal(self, rows: dict[Any, list[dict[str, Any]]], outcome: dict[str, Any], notice: dict[str, Any]) -> None:
        """An appeal against a refusal, somewhere between lodged and referred onwards, its dates in order."""
        r = self.random
        config = appeals_config()
        work = config.calendar.add_working_days
        lodged = outcome["decided_at"].date() + dt.timedelta(days=r.randint(3, 25))
        if lodged > self.today:
            return
        possible = [s for s, days in APPEAL_STAGES if (self.today - lodged).days >= days]
        stage = r.choice(possible)
        reached = set(possible[: possible.index(stage) + 1])
        acknowledged = work(lodged, 2) if "acknowledged" in reached else None
        assigned = work(lodged, 3) if "under_review" in reached else None
        decided = work(lodged, 15) if "decided" in reached else None
        communicated = work(decided, 3) if decided and "communicated" in reached else None
        decision = r.choice(("upheld", "partly_upheld", "not_upheld")) if decided else None
        if stage == "referred":
            decision = "not_upheld"
        appeal_id = self.ids.take("appeals")
        cora = self.user_ids["bench-cora"]
        rows[Appeal].append(
            {
                "id": appeal_id,
                "person_id": outcome["person_id"],
                "outcome_id": outcome["id"],
                "notice_id": notice["id"],
                "decision_type": outcome["decision_type"],
                "appeal_type": notice["appeal_type"],
                "lodged_by_id": None,
                "lodged_by_name": "Martin Grant",
                "on_behalf_of": "representative",
                "received_via": r.choice(("letter", "email", "phone")),
                "lodged_on": lodged,
                "lodged_at": aware(lodged),
                "in_time": lodged <= notice["appeal_by"],
                "grounds": "The gym is how I keep my strength up after the stroke; the class is at the wrong time.",
                "new_information": None,
                "status": stage,
                "acknowledge_by": work(lodged, config.limits.acknowledge_working_days),
                "decide_by": work(lodged, config.limits.decide_working_days),
                "acknowledged_on": acknowledged,
                "acknowledged_by_name": "Case Manager" if acknowledged else None,
                "reviewer_id": cora if assigned else None,
                "reviewer_name": "Cora Lindqvist" if assigned else None,
                "reviewer_level": 4 if assigned else None,
                "reviewer_is_panel": False,
                "assigned_on": assigned,
                "decision": decision,
                "decision_reasons": "Reviewed the plan and the outcomes it serves" if decided else None,
                "decided_on": decided,
                "communicate_by": work(decided, config.limits.communicate_working_days) if decided else None,
                "communicated_on": communicated,
                "communicated_via": "letter" if communicated else None,
                "reopened_request_id": None,
                "version": 1,
            }
        )
        if stage == "referred":
            rows[AppealReferral].append(
                {
                    "id": self.ids.take("appeal_referrals"),
                    "appeal_id": appeal_id,
                    "person_id": outcome["person_id"],
                    "body": "nhs_complaints",
                    "referred_on": (communicated or lodged) + dt.timedelta(days=7),
                    "reference": None,
                    "note": "Still unhappy after the review",
                    "recorded_by_id": cora,
                    "recorded_by_name": "Cora Lindqvist",
                    "recorded_at": aware((communicated or lodged) + dt.timedelta(days=7)),
                }
            )

    def _spending(self, rows: dict[Any, list[dict[str, Any]]], person_id: int, line_ids: list[int]) -> None:
        from phb.spending.models import (  # noqa: PLC0415 - the spending tables may not exist yet
            DirectPaymentAccount,
            Finding,
            StatementImport,
            StatementTransaction,
        )

        r = self.random
        account_id = self.ids.take("dp_accounts")
        opened = self.today - dt.timedelta(days=400)
        rows[DirectPaymentAccount].append(
            {
                "id": account_id,
                "person_id": person_id,
                "kind": "bank_account",
                "name": "Direct payment account",
                "provider": "Barclays",
                "reference": f"{person_id % 10000:04d}",
                "opened_on": opened,
                "opening_balance": gbp("1000.00"),
                "weekly_payment": None,
                "surplus_threshold_weeks": 8,
                "default_profile": "generic",
                "version": 1,
            }
        )
        dana = self.user_ids["bench-dana"]
        balance = 100000
        first_month = self.today.replace(day=1)
        for month in range(12, 0, -1):
            start = (first_month - dt.timedelta(days=31 * month)).replace(day=1)
            import_id = self.ids.take("dp_statement_imports")
            count = r.randint(6, 11)
            flagged = 0
            for line_number in range(1, count + 1):
                posted = start + dt.timedelta(days=min(27, line_number * 2))
                if line_number == 1:
                    amount, payee, mcc, flag = r.randint(150000, 400000), "NHS LEEDS ICB", None, None
                elif r.random() < 0.01:
                    payee, mcc, flag = r.choice(EXCLUDED)
                    amount = -r.randint(500, 8000)
                else:
                    amount, payee, mcc, flag = -r.randint(500, 60000), r.choice(PAYEES), "5411", None
                balance += amount
                transaction_id = self.ids.take("dp_transactions")
                description = f"{payee} {posted:%d%b}".upper()
                key = row_key(account_id, posted.isoformat(), amount, description, 0)
                matched = amount < 0 and flag is None
                rows[StatementTransaction].append(
                    {
                        "id": transaction_id,
                        "account_id": account_id,
                        "import_id": import_id,
                        "line_number": line_number,
                        "posted_on": posted,
                        "description": description,
                        "payee": payee,
                        "amount": from_pence(amount),
                        "balance": from_pence(balance),
                        "mcc": mcc,
                        "row_key": key,
                        "flag_category": flag,
                        "flag_reason": None if flag is None else f"{payee} is {flag}",
                        "flag_rule_id": None if flag is None else f"mcc-{mcc}",
                        "flag_rules_version": None if flag is None else "2026-11-01",
                        "match_status": ("matched" if matched else "unplanned") if amount < 0 else None,
                        "budget_line_id": r.choice(line_ids) if matched and line_ids else None,
                        "match_reason": "payee rule" if matched else None,
                    }
                )
                if flag is not None:
                    flagged += 1
                    status = r.choice(("open", "queried", "resolved", "resolved"))
                    raised = posted + dt.timedelta(days=35)
                    rows[Finding].append(
                        {
                            "id": self.ids.take("dp_findings"),
                            "person_id": person_id,
                            "account_id": account_id,
                            "import_id": import_id,
                            "transaction_id": transaction_id,
                            "kind": "exclusion",
                            "category": flag,
                            "payee": payee,
                            "reason": f"{payee} is {flag}: not allowed from a direct payment",
                            "amount": from_pence(-amount),
                            "line_count": 1,
                            "first_date": posted,
                            "last_date": posted,
                            "status": status,
                            "owner_id": dana if status != "open" else None,
                            "raised_on": raised,
                            "due_on": raised + dt.timedelta(days=28),
                            "resolved_on": raised + dt.timedelta(days=20) if status == "resolved" else None,
                            "resolution": "explained" if status == "resolved" else None,
                            "version": 1,
                        }
                    )
            end = start + dt.timedelta(days=27)
            rows[StatementImport].append(
                {
                    "id": import_id,
                    "account_id": account_id,
                    "person_id": person_id,
                    "filename": f"statement-{start:%Y-%m}.csv",
                    "file_sha256": hashlib.sha256(f"{account_id}-{start}".encode()).hexdigest(),
                    "profile": "generic",
                    "rules_version": "2026-11-01",
                    "imported_at": aware(end + dt.timedelta(days=3)),
                    "imported_by_id": dana,
                    "imported_by_name": "Dana Reid",
                    "lines_read": count,
                    "lines_added": count,
                    "lines_flagged": flagged,
                    "first_date": start,
                    "last_date": end,
                    "reconciliation": "reconciled",
                    "reconciliation_notes": None,
                    "findings_raised": flagged,
                }
            )

    # -- the run ---------------------------------------------------------------------------------------------

    def staff(self, connection: Connection, people: int) -> None:
        """The staff for ``people`` people (a case manager per 50) and the rate card."""
        writer = Writer(connection)
        writer.counts = self.counts
        self._staff(writer, people)

    def add_people(self, connection: Connection, count: int) -> None:
        """Write ``count`` more people with everything they have, in one transaction of ``connection``."""
        rows: dict[Any, list[dict[str, Any]]] = {m: [] for m in self.models}
        for index in range(self.people, self.people + count):
            self._person(rows, self.chain, index, next(self.numbers))
        self.people += count
        rows[AuditEvent] = [{"id": self.ids.take("audit_events"), **e} for e in self.chain.rows]
        self.chain.rows = []
        writer = Writer(connection)
        writer.counts = self.counts
        for model, model_rows in rows.items():
            writer.insert(model, model_rows)

    def finish(self, connection: Connection) -> None:
        """Move PostgreSQL's sequences past the ids written here, and refresh the planner's statistics."""
        if connection.dialect.name == "postgresql":
            for table in sorted(self.ids.next):
                connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), :v, false)"),
                    {"v": self.ids.next[table]},
                )
        connection.exec_driver_sql("ANALYZE")


def generate(engine: Engine, people: int, **options: Any) -> dict[str, int]:  # noqa: ANN401
    """Generate ``people`` people into ``engine``'s database, ``CHUNK`` people per transaction."""
    with engine.begin() as connection:
        generator = Generator(connection, **options)
        generator.staff(connection, people)
    while generator.people < people:
        with engine.begin() as connection:
            generator.add_people(connection, min(CHUNK, people - generator.people))
        print(f"  {generator.people:>7} people", end="\r", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    with engine.begin() as connection:
        generator.finish(connection)
    with make_session_factory(engine)() as session:
        act_as(session, generator.actor)
        counts = generator.counts
        record(session, action="bench.generated", entity_type="bench", after={"people": people, **counts})
        session.commit()
    return counts


def prepare_database(url: str, *, reset: bool) -> None:
    """Create (or with ``reset`` recreate) an empty database at ``url`` and migrate it to the heads."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        if reset:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database})
            if exists and reset:
                connection.exec_driver_sql(f'DROP DATABASE "{parsed.database}" WITH (FORCE)')
                exists = False
            if not exists:
                connection.exec_driver_sql(f'CREATE DATABASE "{parsed.database}"')
        admin.dispose()
    migrate.upgrade(url)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000, help="how many people (default 10,000)")
    parser.add_argument("--database-url", help="default: sqlite:///bench/data/phb-<people>.sqlite3")
    parser.add_argument("--reset", action="store_true", help="start from an empty database")
    parser.add_argument("--no-statements", action="store_true", help="leave out a year of statements")
    parser.add_argument("--lines", type=int, nargs=2, default=(10, 50), metavar=("MIN", "MAX"))
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    url = args.database_url or f"sqlite:///{Path(__file__).parent / 'data' / f'phb-{args.people}.sqlite3'}"
    started = time.perf_counter()
    prepare_database(url, reset=args.reset)
    engine = create_db_engine(url)
    counts = generate(engine, args.people, seed=args.seed, statements=not args.no_statements, lines=tuple(args.lines))
    engine.dispose()
    elapsed = time.perf_counter() - started
    rows = sum(counts.values())
    for table, count in sorted(counts.items(), key=lambda item: -item[1]):
        print(f"{table:<28} {count:>10,}")
    print(f"{rows:,} rows for {args.people:,} people in {elapsed:.1f} s ({rows / elapsed:,.0f} rows/s) -> {url}")
    print(f"generated at {utcnow():%Y-%m-%d %H:%M} UTC")
    return 0


if __name__ == "__main__":
    sys.exit(main())
