"""Plan services on both databases: versions never overwritten, refusals save nothing, agreement, reviews, access."""

import datetime as dt

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from phb.accounts.rules import Role
from phb.audit.models import AuditEvent
from phb.errors import ConflictError, ForbiddenError, NotFoundError, ValidationFailedError
from phb.plans import reviews, services
from phb.plans.models import PlanOutcome, PlanReview, PlanVersion
from phb.plans.rules import Progress, RiskBand, Stage
from phb.plans.schemas import (
    ActionCreate,
    ArrangementsUpdate,
    OnePageSummaryUpdate,
    OutcomeCreate,
    OutcomeProgressIn,
    PlanAgreement,
    ReviewRecord,
    ReviewRequest,
)
from tests.factories import actor, make_person, make_user
from tests.factories_plans import agreed_plan


@pytest.fixture
def casey(db):
    return make_user(db, "casey", Role.CASE_MANAGER)


@pytest.fixture
def margaret(db, casey):
    return make_person(db, "Margaret", "Okafor", case_manager=casey)


def _versions(db, plan_id):
    return db.scalar(select(func.count()).select_from(PlanVersion).where(PlanVersion.plan_id == plan_id))


def test_each_change_is_a_new_version_saying_who_when_and_why(db, casey, margaret):
    me = actor(db, casey)
    with freeze_time("2026-07-01 10:00"):
        plan = services.start_plan(db, me, margaret.id)
    with freeze_time("2026-07-02 11:00"):
        services.update_summary(
            db, me, margaret.id, OnePageSummaryUpdate(important_to_me="My garden", reason="Margaret asked")
        )
    with freeze_time("2026-07-03 12:00"):
        services.update_summary(db, me, margaret.id, OnePageSummaryUpdate(important_to_me="My garden and my cat"))
    history = services.plan_history(db, me, margaret.id)
    assert [v.number for v in history] == [3, 2, 1]
    assert history[1].reason == "Margaret asked"
    assert history[1].created_by_name == "Casey"
    assert history[1].created_at.date() == dt.date(2026, 7, 2)
    first = services.plan_detail(db, me, margaret.id, number=2)
    assert first is not None
    assert first.version.important_to_me == "My garden"  # the old version is untouched
    current = services.plan_detail(db, me, margaret.id)
    assert current is not None
    assert current.version.important_to_me == "My garden and my cat"
    events = db.scalars(select(AuditEvent.action).where(AuditEvent.person_id == margaret.id)).all()
    assert events.count("plan_versions.created") == 3
    assert "plan_versions.updated" not in events
    assert plan.current_version == 3


def test_one_plan_per_person(db, casey, margaret):
    me = actor(db, casey)
    services.start_plan(db, me, margaret.id)
    with pytest.raises(ValidationFailedError) as exc:
        services.start_plan(db, me, margaret.id)
    assert "one plan per person" in exc.value.errors["plan"]


def test_an_outcome_without_the_person_involved_is_refused_and_nothing_saved(db, casey, margaret):
    me = actor(db, casey)
    plan = services.start_plan(db, me, margaret.id)
    with pytest.raises(ValidationFailedError) as exc:
        services.add_outcome(
            db, me, margaret.id, OutcomeCreate(text="Walk to the shops", written_by="Nurse", person_involved=False)
        )
    assert "involved" in exc.value.errors["person_involved"]
    assert _versions(db, plan.id) == 1
    assert db.scalar(select(func.count()).select_from(PlanOutcome)) == 0


def test_an_action_without_an_owner_or_date_is_refused_and_nothing_saved(db, casey, margaret):
    me = actor(db, casey)
    plan = services.start_plan(db, me, margaret.id)
    services.add_outcome(db, me, margaret.id, OutcomeCreate(text="Garden", written_by="Me", person_involved=True))
    with pytest.raises(ValidationFailedError) as exc:
        services.add_action(db, me, margaret.id, ActionCreate(outcome_ref=1, description="Help", owner="", due_on=None))
    assert set(exc.value.errors) == {"owner", "due_on"}
    assert _versions(db, plan.id) == 2


def test_a_review_date_beyond_the_maximum_interval_is_refused(db, casey, margaret):
    me = actor(db, casey)
    with freeze_time("2026-07-01"):
        plan = agreed_plan(db, me, margaret.id, agreed_on=dt.date(2026, 7, 1))
        before = _versions(db, plan.id)
        with pytest.raises(ValidationFailedError) as exc:
            services.update_arrangements(
                db,
                me,
                margaret.id,
                ArrangementsUpdate(
                    care_coordinator="Nina", first_direct_payment_on=dt.date(2026, 7, 1), next_review_on="2026-10-02"
                ),
            )
        assert "2026-10-01" in exc.value.errors["next_review_on"]
        assert "within three months of the first direct payment" in exc.value.errors["next_review_on"]
        assert _versions(db, plan.id) == before
        services.update_arrangements(
            db,
            me,
            margaret.id,
            ArrangementsUpdate(
                care_coordinator="Nina", first_direct_payment_on=dt.date(2026, 7, 1), next_review_on="2026-10-01"
            ),
        )


def test_a_stale_version_is_a_conflict_not_an_overwrite(db, casey, margaret):
    me = actor(db, casey)
    services.start_plan(db, me, margaret.id)
    services.update_summary(db, me, margaret.id, OnePageSummaryUpdate(important_to_me="A", base_version=1))
    with pytest.raises(ConflictError):
        services.update_summary(db, me, margaret.id, OnePageSummaryUpdate(important_to_me="B", base_version=1))


def test_agreeing_needs_the_required_contents_and_sets_the_first_review(db, casey, margaret):
    me = actor(db, casey)
    services.start_plan(db, me, margaret.id)
    with pytest.raises(ValidationFailedError) as exc:
        services.agree_plan(
            db, me, margaret.id, PlanAgreement(agreed_on=dt.date(2026, 1, 1), agreed_by="Margaret", person_agrees=False)
        )
    assert {"stage", "person_agrees", "outcomes", "health_monitor", "budget_management"} <= set(exc.value.errors)
    plan_read = services.plan_detail(db, me, margaret.id)
    assert plan_read is not None
    assert plan_read.version.stage is Stage.CONTEXT
    assert plan_read.version.number == 1  # the refused agreement saved nothing


def test_agreement_defaults_the_first_review_to_three_months_after_the_first_payment(db, casey):
    me = actor(db, casey)
    person = make_person(db, "James", "Whitfield", case_manager=casey)
    with freeze_time("2026-07-15"):
        agreed_plan(db, me, person.id, agreed_on=dt.date(2026, 7, 15), first_direct_payment_on=dt.date(2026, 7, 20))
        plan = services.plan_detail(db, me, person.id)
    assert plan is not None
    assert plan.version.stage is Stage.MAKE_IT_HAPPEN
    assert plan.version.next_review_on == dt.date(2026, 10, 20)
    assert plan.first_agreed_on == dt.date(2026, 7, 15)
    assert plan.counts


def test_a_high_residual_risk_shortens_the_interval(db, casey, margaret, monkeypatch):
    me = actor(db, casey)
    monkeypatch.setattr(services, "risk_band", lambda _s, _p: RiskBand.HIGH)
    with freeze_time("2026-07-01"):
        agreed_plan(db, me, margaret.id, agreed_on=dt.date(2026, 7, 1))
        plan = services.plan_detail(db, me, margaret.id)
    assert plan is not None
    assert plan.version.next_review_on == dt.date(2027, 1, 1)
    assert "high" in plan.schedule.rule


def test_without_the_risk_area_there_is_no_risk_band(db, margaret):
    assert services.risk_band(db, margaret.id) in {None, *RiskBand}


def test_a_review_makes_a_new_version_drops_unwanted_outcomes_and_sets_the_next_date(db, casey, margaret):
    me = actor(db, casey)
    with freeze_time("2026-01-10"):
        agreed_plan(db, me, margaret.id, agreed_on=dt.date(2026, 1, 10), first_direct_payment_on=dt.date(2026, 1, 15))
        services.add_outcome(db, me, margaret.id, OutcomeCreate(text="Swim", written_by="Me", person_involved=True))
    with freeze_time("2026-04-10"):
        review = reviews.record_review(
            db,
            me,
            margaret.id,
            ReviewRecord(
                held_on=dt.date(2026, 4, 10),
                outcomes=[
                    OutcomeProgressIn(outcome_ref=1, progress=Progress.PARTLY),
                    OutcomeProgressIn(outcome_ref=2, progress=Progress.NO_LONGER_WANTED),
                ],
                budget_use="On PAs as planned",
                budget_covers_full_cost=True,
            ),
        )
        plan = services.plan_detail(db, me, margaret.id)
    assert review.kind == "first"
    assert plan is not None
    assert [o.text for o in plan.version.outcomes] == ["I want to sit in my garden every day"]
    assert plan.version.outcomes[0].progress is Progress.PARTLY
    assert plan.version.next_review_on == dt.date(2027, 4, 10)
    assert review.version_after == plan.version.number


def test_a_review_without_progress_on_every_outcome_is_refused(db, casey, margaret):
    me = actor(db, casey)
    with freeze_time("2026-01-10"):
        plan = agreed_plan(db, me, margaret.id, agreed_on=dt.date(2026, 1, 10))
        before = _versions(db, plan.id)
        with pytest.raises(ValidationFailedError) as exc:
            reviews.record_review(db, me, margaret.id, ReviewRecord(held_on=dt.date(2026, 1, 10)))
    assert "progress_1" in exc.value.errors
    assert _versions(db, plan.id) == before
    assert db.scalar(select(func.count()).select_from(PlanReview)) == 0


def test_the_person_can_ask_for_a_review_and_read_their_plan(db, casey, margaret):
    me = actor(db, casey)
    with freeze_time("2026-01-10"):
        agreed_plan(db, me, margaret.id, agreed_on=dt.date(2026, 1, 10))
    account = make_user(db, "margaret", Role.PERSON, person_id=margaret.id)
    her = actor(db, account)
    with freeze_time("2026-03-01"):
        plan = services.plan_detail(db, her, margaret.id)
        assert plan is not None
        assert plan.version.important_to_me == "My garden and my grandchildren"
        request = reviews.request_review(db, her, margaret.id, ReviewRequest(request_reason="My legs are worse"))
        assert reviews.request_review(db, her, margaret.id, ReviewRequest()).id == request.id
        assert request.requested_by == "Margaret"
        plan = services.plan_detail(db, her, margaret.id)
    assert plan is not None
    assert plan.display_stage is Stage.REVIEW
    with pytest.raises(ForbiddenError):
        services.update_summary(db, her, margaret.id, OnePageSummaryUpdate(important_to_me="x"))


def test_case_manager_outside_caseload_gets_not_found_and_dp_officer_cannot_edit(db, casey, margaret):
    nina = make_user(db, "nina", Role.NURSE_ASSESSOR)
    dana = make_user(db, "dana", Role.DIRECT_PAYMENTS_OFFICER)
    services.start_plan(db, actor(db, casey), margaret.id)
    with pytest.raises(NotFoundError):
        services.plan_detail(db, actor(db, nina), margaret.id)
    with pytest.raises(NotFoundError):
        services.update_summary(db, actor(db, nina), margaret.id, OnePageSummaryUpdate())
    assert services.plan_detail(db, actor(db, dana), margaret.id) is not None
    with pytest.raises(ForbiddenError):
        services.update_summary(db, actor(db, dana), margaret.id, OnePageSummaryUpdate(important_to_me="x"))
