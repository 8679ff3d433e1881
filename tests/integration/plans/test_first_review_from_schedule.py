"""Issue 20: the first review of a direct payment is due within three months of the first *scheduled* payment
(budgets' payment schedule), not of a date typed on the plan: a person paid since April is due in July."""

import datetime as dt

from freezegun import freeze_time

from phb.plans import services
from tests.factories_budgets import authorise_final, propose_final
from tests.factories_governance import make_team
from tests.factories_plans import agreed_plan


def test_the_first_review_follows_the_first_payment_on_the_schedule(db):
    team = make_team(db)
    person_id = team.person.id
    final = propose_final(db, team["casey"], person_id, [team["nina"], team["sam"]])  # paid monthly from 1 April
    authorise_final(db, team["casey"], [team["sam"], team["sally"]], person_id, final.id)
    with freeze_time("2026-05-10"):
        # The plan says payments start next March (typed by hand); the schedule has paid since 1 April 2026.
        agreed_plan(
            db, team["casey"], person_id, agreed_on=dt.date(2026, 5, 10), first_direct_payment_on=dt.date(2027, 3, 1)
        )
        plan = services.plan_detail(db, team["casey"], person_id)
    assert plan is not None
    assert plan.first_direct_payment_on == dt.date(2026, 4, 1)
    assert plan.version.next_review_on == dt.date(2026, 7, 1)  # three months after the first payment, not June 2027
