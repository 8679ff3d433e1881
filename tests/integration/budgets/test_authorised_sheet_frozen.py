"""Issue 20: authorised means frozen. A change to an authorised sheet is a draft that a budget review decides;
until then the authorised version is what is paid and what the person sees, with the draft beside it."""

from decimal import Decimal

import pytest

from phb.budgets import services
from phb.budgets.rules import Category, Frequency, ManagementOption
from phb.budgets.schemas import SheetChange, SheetLineCreate
from phb.errors import ValidationFailedError
from phb.governance import services as governance
from phb.governance.rules import Action, DecisionType
from phb.governance.schemas import DecisionInput
from phb.money import gbp
from tests.factories import actor
from tests.factories_appeals import portal_user
from tests.factories_budgets import authorise_final, propose_final
from tests.factories_governance import make_team


@pytest.fixture
def team(db):
    return make_team(db)


def _authorised(db, team):
    final = propose_final(db, team["casey"], team.person.id, [team["nina"], team["sam"]])
    authorise_final(db, team["casey"], [team["sam"], team["sally"]], team.person.id, final.id)
    return final


def _line(description, unit_cost):
    return SheetLineCreate(
        description=description,
        category="other",
        unit_cost=gbp(unit_cost),
        quantity=Decimal(1),
        frequency=Frequency.ANNUAL,
        management_option=ManagementOption.DIRECT_PAYMENT,
    )


def test_a_line_added_after_authorisation_is_a_draft_with_a_budget_review(db, team):
    final = _authorised(db, team)
    person_id = team.person.id
    before = services.sheet_in_force(db, team["casey"], person_id)
    assert (before.authorised_version, before.has_draft) == (final.sheet_version, False)

    draft = services.add_line(db, team["casey"], person_id, _line("Day trip to the coast", "300.00"))
    assert draft.has_draft
    assert draft.authorised_version == final.sheet_version
    in_force = services.sheet_in_force(db, team["casey"], person_id)
    assert in_force.version == final.sheet_version
    assert "Day trip to the coast" not in [line.description for line in in_force.lines]
    # the person sees the authorised sheet too
    leon = actor(db, portal_user(db, team))
    assert services.sheet_in_force(db, leon, person_id).version == final.sheet_version

    review = governance.request_for(db, services.SHEET_CHANGE, final.id)
    assert review is not None
    assert review.status == "open"
    assert review.decision_type == DecisionType.BUDGET_REVIEW
    assert review.summary.startswith("Review the budget: the budget sheet was changed after it was authorised")
    assert review.amount == draft.annual_total  # from the record
    assert review.increase == draft.annual_total - final.annual_amount
    # A second change does not raise a second review: the open one decides the draft as it then stands.
    services.add_line(db, team["casey"], person_id, _line("Taxi home", "20.00"))
    assert [r.id for r in governance.requests_for_person(db, person_id, (services.SHEET_CHANGE,))] == [review.id]

    # The decider sees the authorised sheet against the draft, and that approving it would be refused.
    view = governance.request_detail(db, team["nina"], review.id).subject
    assert view is not None
    assert view.title == "Changes to the authorised budget sheet"
    assert any("Propose a new final budget" in note for note in view.notes)
    # It costs more than the authorised budget: the review cannot approve it, and says what to do.
    with pytest.raises(ValidationFailedError) as refused:
        governance.decide(db, team["nina"], review.id, DecisionInput(action=Action.APPROVE, reasons="Fine"))
    assert "Propose a new final budget" in refused.value.errors["final_budget"]
    assert services.sheet_in_force(db, team["casey"], person_id).version == final.sheet_version


def test_an_approved_budget_review_puts_a_change_that_fits_in_force(db, team):
    final = _authorised(db, team)
    person_id = team.person.id
    sheet = services.current_sheet(db, team["casey"], person_id)
    insurance = next(line for line in sheet.lines if line.description == "Insurance")
    changed = services.change_line(
        db,
        team["casey"],
        person_id,
        insurance.id,
        _line("Insurance", "120.00").model_copy(update={"category": Category.INSURANCE, "reason": "A cheaper quote"}),
    )
    assert changed.has_draft
    review = governance.request_for(db, services.SHEET_CHANGE, final.id)
    assert review is not None
    assert review.increase is None  # it costs less than the budget
    governance.decide(db, team["nina"], review.id, DecisionInput(action=Action.APPROVE, reasons="A saving"))
    in_force = services.sheet_in_force(db, team["casey"], person_id)
    assert in_force.version == changed.latest_version
    assert not in_force.has_draft
    assert next(line for line in in_force.lines if line.description == "Insurance").annual_cost == gbp("120.00")


def test_changes_before_authorisation_raise_no_review(db, team):
    final = propose_final(db, team["casey"], team.person.id, [team["nina"], team["sam"]])
    sheet = services.current_sheet(db, team["casey"], team.person.id)
    services.remove_line(db, team["casey"], team.person.id, sheet.lines[-1].id, SheetChange(reason="Not needed"))
    assert governance.request_for(db, services.SHEET_CHANGE, final.id) is None
    assert services.sheet_in_force(db, team["casey"], team.person.id).authorised_version is None
