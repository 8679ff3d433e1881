"""The quarterly count of personalised care and support plans and the national return of personal health budgets.

Both are built from the database here and counted by the pure rules (:func:`phb.plans.rules.pcsp_report`,
:func:`phb.plans.rules.phb_return`). A plan is judged on the version in force at the end of the quarter (UK
time), so a report run again later gives the same figures. Staff see the figures for the people they may see;
the ``phb report`` command sees everyone.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from phb.access.rules import Actor
from phb.access.services import visible_people
from phb.audit.services import log_read
from phb.clock import ENGLAND
from phb.people.models import Person
from phb.people.rules import format_nhs_number
from phb.plans.models import CarePlan, PlanReview, PlanVersion
from phb.plans.rules import (
    CRITERIA,
    BudgetManagement,
    BudgetRecord,
    Cohort,
    CountedPlan,
    PcspReport,
    PhbReturn,
    Quarter,
    ReturnFigures,
    pcsp_report,
    phb_return,
)
from phb.plans.services import facts, versions_as_at
from phb.spreadsheets import csv_writer

UK_TIME = ENGLAND


def quarter_cutoff(quarter: Quarter) -> dt.datetime:
    """Midnight (UK time) at the start of the day after the quarter ends."""
    return dt.datetime.combine(quarter.end + dt.timedelta(days=1), dt.time(), tzinfo=UK_TIME)


def _label(person: Person) -> str:
    return _label_of(person.given_name, person.family_name, person.nhs_number)


def _label_of(given_name: str, family_name: str, nhs_number: str) -> str:
    return f"{given_name} {family_name} ({format_nhs_number(nhs_number)})"


def _people_filter(actor: Actor | None) -> Select[tuple[int]] | None:
    return None if actor is None else visible_people(actor).with_only_columns(Person.id)


def build_pcsp_report(session: Session, actor: Actor | None, quarter: Quarter) -> PcspReport:
    """New and reviewed plans in ``quarter`` meeting the five criteria (``actor`` None: everyone)."""
    people = _people_filter(actor)
    new_query = (
        select(CarePlan, Person)
        .join(Person, Person.id == CarePlan.person_id)
        .where(CarePlan.first_agreed_on.between(quarter.start, quarter.end))
    )
    review_query = (
        select(PlanReview.plan_id, PlanReview.held_on, Person)
        .join(Person, Person.id == PlanReview.person_id)
        .where(PlanReview.status == "completed", PlanReview.held_on.between(quarter.start, quarter.end))
    )
    if people is not None:
        new_query = new_query.where(CarePlan.person_id.in_(people))
        review_query = review_query.where(PlanReview.person_id.in_(people))
    new_rows = session.execute(new_query).all()
    review_rows = session.execute(review_query).all()
    plan_ids = sorted({plan.id for plan, _ in new_rows} | {plan_id for plan_id, _, _ in review_rows})
    versions = versions_as_at(session, plan_ids, quarter_cutoff(quarter))
    agreed = [
        (facts(versions[plan.id], label=_label(person)), plan.first_agreed_on)
        for plan, person in new_rows
        if plan.first_agreed_on is not None
    ]
    reviewed = [
        (facts(versions[plan_id], label=_label(person)), held_on)
        for plan_id, held_on, person in review_rows
        if held_on is not None
    ]
    return pcsp_report(quarter, agreed, reviewed)


def build_phb_return(session: Session, actor: Actor | None, quarter: Quarter) -> PhbReturn:
    """Personal health budgets by type and cohort, during ``quarter`` and as at its end (``actor`` None: everyone).

    One statement, whatever the number of plans: each agreed plan with its person and the version in force at the
    quarter's end (the latest saved before the cutoff; for a plan first recorded later, its current version), and
    only the columns the return counts by.
    """
    as_at = (
        select(PlanVersion.plan_id, func.max(PlanVersion.number).label("number"))
        .where(PlanVersion.created_at < quarter_cutoff(quarter))
        .group_by(PlanVersion.plan_id)
        .subquery()
    )
    query = (
        select(
            CarePlan.id,
            CarePlan.first_agreed_on,
            CarePlan.closed_on,
            Person.id,
            Person.given_name,
            Person.family_name,
            Person.nhs_number,
            PlanVersion.budget_management,
            PlanVersion.cohort,
        )
        .join(Person, Person.id == CarePlan.person_id)
        .outerjoin(as_at, as_at.c.plan_id == CarePlan.id)
        .join(
            PlanVersion,
            and_(
                PlanVersion.plan_id == CarePlan.id,
                PlanVersion.number == func.coalesce(as_at.c.number, CarePlan.current_version),
            ),
        )
        .where(CarePlan.first_agreed_on.is_not(None), CarePlan.first_agreed_on <= quarter.end)
    )
    people = _people_filter(actor)
    if people is not None:
        query = query.where(CarePlan.person_id.in_(people))
    records = [
        BudgetRecord(
            plan_id=plan_id,
            person_id=person_id,
            label=_label_of(given, family, nhs),
            started_on=agreed_on,
            ended_on=closed_on,
            budget_management=BudgetManagement(management) if management else None,
            cohort=Cohort(cohort) if cohort else None,
        )
        for plan_id, agreed_on, closed_on, person_id, given, family, nhs, management, cohort in session.execute(query)
        if agreed_on is not None  # always, by the query: for the type checker
    ]
    return phb_return(quarter, records)


def record_export(session: Session, report: str, quarter: Quarter, fmt: str) -> None:
    """Log that a report left the system: a read event in the access log (the download is a GET: no state changes)."""
    log_read(session, what=f"report.exported:{report}:{quarter}:{fmt}")


# ---------------------------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------------------------


def _csv(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def pcsp_csv(report: PcspReport) -> str:
    """The figures: each measure in total, by team and by local category."""
    quarter = report.quarter
    rows: list[list[object]] = []
    for key, measure in (("new", report.new), ("reviewed", report.reviewed)):
        base = [str(quarter), quarter.start.isoformat(), quarter.end.isoformat(), key, measure.snomed_code]
        rows.append([*base, "total", "All", len(measure.counted)])
        for breakdown in ("team", "local_category"):
            rows.extend([*base, breakdown, group, len(plans)] for group, plans in measure.by(breakdown).items())
        rows.append([*base, "not_counted", "Failed a criterion", len(measure.not_counted)])
    return _csv(
        ["quarter", "period_start", "period_end", "measure", "snomed_ct_code", "breakdown", "group", "count"], rows
    )


def pcsp_records_csv(report: PcspReport) -> str:
    """Every plan behind the figures, counted or not, with the criteria it failed."""
    rows: list[list[object]] = []
    for key, measure in (("new", report.new), ("reviewed", report.reviewed)):
        rows.extend(
            [
                str(report.quarter),
                key,
                measure.snomed_code,
                plan.plan_id,
                plan.label,
                plan.event_on.isoformat(),
                plan.team,
                plan.local_category,
                "yes" if plan.counted else "no",
                " ".join(str(n) for n in plan.failed),
            ]
            for plan in measure.plans
        )
    return _csv(
        [
            "quarter",
            "measure",
            "snomed_ct_code",
            "plan_id",
            "person",
            "date",
            "team",
            "local_category",
            "counted",
            "failed_criteria",
        ],
        rows,
    )


def _return_cells(figures: ReturnFigures) -> Iterable[tuple[str, str, tuple[BudgetRecord, ...]]]:
    for cohort in Cohort:
        for kind in BudgetManagement:
            yield cohort.value, kind.value, figures.cell(cohort, kind)
        yield cohort.value, "all", figures.by_cohort(cohort)
    for kind in BudgetManagement:
        yield "all", kind.value, figures.by_type(kind)
    yield "all", "all", figures.total


PERIODS = (("during_quarter", "during"), ("at_quarter_end", "at_end"))


def phb_return_csv(result: PhbReturn) -> str:
    """The national return's figures: every cohort and type, with totals, for both periods."""
    quarter = result.quarter
    rows = [
        [str(quarter), quarter.start.isoformat(), quarter.end.isoformat(), period, cohort, kind, len(records)]
        for period, attribute in PERIODS
        for cohort, kind, records in _return_cells(getattr(result, attribute))
    ]
    return _csv(["quarter", "period_start", "period_end", "period", "cohort", "budget_type", "count"], rows)


def phb_return_records_csv(result: PhbReturn) -> str:
    """The budgets behind each figure (and agreed plans left out because their type or cohort is missing)."""
    rows: list[list[object]] = []
    for period, attribute in PERIODS:
        figures: ReturnFigures = getattr(result, attribute)
        rows.extend(
            [
                str(result.quarter),
                period,
                r.cohort.value if r.cohort else "",
                r.budget_management.value if r.budget_management else "",
                r.plan_id,
                r.label,
                r.started_on.isoformat(),
                r.ended_on.isoformat() if r.ended_on else "",
            ]
            for r in figures.total
        )
    rows.extend(
        [str(result.quarter), "left_out", "", "", r.plan_id, r.label, r.started_on.isoformat(), ""]
        for r in result.incomplete
    )
    return _csv(
        ["quarter", "period", "cohort", "budget_type", "plan_id", "person", "started_on", "ended_on"],
        rows,
    )


def criteria_names(failed: Iterable[int]) -> list[str]:
    """'Criterion 3: ...' for each failed criterion number."""
    return [f"Criterion {n}: {CRITERIA[n]}" for n in failed]


__all__ = [
    "CountedPlan",
    "build_pcsp_report",
    "build_phb_return",
    "criteria_names",
    "pcsp_csv",
    "pcsp_records_csv",
    "phb_return_csv",
    "phb_return_records_csv",
    "quarter_cutoff",
    "record_export",
]
