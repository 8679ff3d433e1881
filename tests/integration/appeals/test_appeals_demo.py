"""The appeals demo: Leon's refused gym membership, its notice sent by letter, his appeal under review; twice."""

from sqlalchemy import func, select

from phb.governance.appeals import demo
from phb.governance.appeals.models import Appeal, DecisionNotice
from phb.governance.models import DecisionOutcome
from tests.factories_governance import make_team


def test_demo_refuses_leon_s_gym_membership_and_his_appeal_is_under_review_and_it_is_idempotent(db):
    team = make_team(db)
    people = {demo.LEON: team.person}
    demo.load(db, team.users, people)
    demo.load(db, team.users, people)

    outcome = db.scalars(select(DecisionOutcome).where(DecisionOutcome.person_id == team.person.id)).one()
    assert (outcome.outcome, outcome.decided_by_name) == ("refused", "Sam")
    notice = db.scalars(select(DecisionNotice).where(DecisionNotice.outcome_id == outcome.id)).one()
    assert notice.delivery_channel == "letter"
    appeal = db.scalars(select(Appeal)).one()
    assert (appeal.status, appeal.reviewer_name, appeal.received_via) == ("under_review", "Priya", "phone")
    assert db.scalar(select(func.count()).select_from(Appeal)) == 1
