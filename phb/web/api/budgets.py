"""JSON API for budgets: the same services and access checks as the pages.

Money is a string of pounds and pence ("189.00"), in and out. Bad input answers 400 (malformed, naming each
field) or 422 (a rule refused it, naming each field); a final budget that cannot be authorised answers 422 with
every reason.
"""

from __future__ import annotations

import datetime as dt

from litestar import Controller, delete, get, post, put
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.orm import Session

from phb.access.rules import Actor
from phb.budgets import decisions, services
from phb.budgets.rules import ManagementOption
from phb.budgets.schemas import (
    AssessmentCreate,
    AssessmentItemCreate,
    AssessmentRead,
    BudgetOverview,
    DecisionCreate,
    FinalBudgetCreate,
    FinalBudgetRead,
    IndicativeBudgetRead,
    IndicativeCalculate,
    PaymentScheduleRead,
    RateCardCreate,
    RateCardRead,
    ScheduledPaymentRead,
    SheetChange,
    SheetComparison,
    SheetLineCreate,
    SheetRead,
    SheetVersionRead,
    VarianceExplanation,
)
from phb.errors import NotFoundError, ValidationFailedError
from phb.web.security import require_staff


def _require_sheet_version(sheet_version: int | None) -> None:
    """Changing or removing a line needs the version the client saw: without it a late write silently wins."""
    if sheet_version is None:
        raise ValidationFailedError(
            {"sheet_version": "Give the budget sheet version you are changing (the one you read); it is required"}
        )


class RateCardsApiController(Controller):
    """The rate card: staff read it, administrators add versions."""

    path = "/api/v1/rate-cards"
    tags = ["budgets"]  # noqa: RUF012
    guards = [require_staff]  # noqa: RUF012

    @get("/", sync_to_thread=True)
    def list_rate_cards(self, actor: Actor, db_session: Session) -> list[RateCardRead]:
        """Every rate card version, newest first."""
        return services.list_rate_cards(db_session, actor)

    @get("/current", sync_to_thread=True)
    def current_rate_card(self, actor: Actor, db_session: Session, on: dt.date | None = None) -> RateCardRead:
        """The version in force today, or on the date ``on``; 404 if none covers it."""
        card = services.current_rate_card(db_session, actor, on)
        if card is None:
            raise NotFoundError("rate card", on)
        return card

    @get("/{rate_card_id:int}", sync_to_thread=True)
    def get_rate_card(self, actor: Actor, db_session: Session, rate_card_id: int) -> RateCardRead:
        """One rate card version."""
        return services.get_rate_card(db_session, actor, rate_card_id)

    @post("/", status_code=HTTP_201_CREATED, sync_to_thread=True)
    def add_rate_card(self, actor: Actor, db_session: Session, data: RateCardCreate) -> RateCardRead:
        """Add a rate card version (administrators; 403 for anyone else)."""
        return services.add_rate_card(db_session, actor, data)


class BudgetApiController(Controller):
    """A person's budget: assessment, indicative budget, budget sheet, final budget, payment schedule."""

    path = "/api/v1/people/{person_id:int}/budget"
    tags = ["budgets"]  # noqa: RUF012
    guards = [require_staff]  # noqa: RUF012

    @get("/", sync_to_thread=True)
    def overview(self, actor: Actor, db_session: Session, person_id: int) -> BudgetOverview:
        """Everything about the person's budget; 404 if the person is not the caller's to see."""
        return services.budget_overview(db_session, actor, person_id)

    # assessment of need

    @get("/assessments", sync_to_thread=True)
    def list_assessments(self, actor: Actor, db_session: Session, person_id: int) -> list[AssessmentRead]:
        """Assessments of need, newest first."""
        return services.list_assessments(db_session, actor, person_id)

    @post("/assessments", status_code=HTTP_201_CREATED, sync_to_thread=True)
    def record_assessment(
        self, actor: Actor, db_session: Session, person_id: int, data: AssessmentCreate
    ) -> AssessmentRead:
        """Record an assessment of need with its costed needs; the caller is the assessor."""
        return services.record_assessment(db_session, actor, person_id, data)

    @post("/assessments/{assessment_id:int}/items", status_code=HTTP_201_CREATED, sync_to_thread=True)
    def add_need(
        self, actor: Actor, db_session: Session, person_id: int, assessment_id: int, data: AssessmentItemCreate
    ) -> AssessmentRead:
        """Add an assessed need (422 once the assessment has been used for an indicative budget)."""
        return services.add_assessment_item(db_session, actor, person_id, assessment_id, data)

    @delete("/assessments/{assessment_id:int}/items/{item_id:int}", status_code=HTTP_200_OK, sync_to_thread=True)
    def remove_need(
        self, actor: Actor, db_session: Session, person_id: int, assessment_id: int, item_id: int
    ) -> AssessmentRead:
        """Take a need off an assessment that has not been used yet."""
        return services.remove_assessment_item(db_session, actor, person_id, assessment_id, item_id)

    # indicative budget

    @get("/indicative", sync_to_thread=True)
    def list_indicative(self, actor: Actor, db_session: Session, person_id: int) -> list[IndicativeBudgetRead]:
        """Indicative budgets, newest first, each with its breakdown and decision."""
        return services.list_indicative_budgets(db_session, actor, person_id)

    @post("/indicative", status_code=HTTP_201_CREATED, sync_to_thread=True)
    def calculate_indicative(
        self, actor: Actor, db_session: Session, person_id: int, data: IndicativeCalculate
    ) -> IndicativeBudgetRead:
        """Work out an indicative budget from an assessment and the rate card in force on ``priced_on``."""
        return services.calculate_indicative_budget(db_session, actor, person_id, data)

    @post("/indicative/{indicative_id:int}/decision", status_code=HTTP_201_CREATED, sync_to_thread=True)
    def decide_indicative(
        self, actor: Actor, db_session: Session, person_id: int, indicative_id: int, data: DecisionCreate
    ) -> IndicativeBudgetRead:
        """Decide the budget's governance request: only a role at its level, never the proposer (else 403).

        Returns the budget with its status and decision; a refusal needs ``alternatives`` as well as reasons.
        """
        return decisions.authorise_indicative_budget(db_session, actor, person_id, indicative_id, data)

    # budget sheet

    @get("/sheet", sync_to_thread=True)
    def sheet(self, actor: Actor, db_session: Session, person_id: int, version: int | None = None) -> SheetRead:
        """The budget sheet with its totals: the current version, or ``version``."""
        if version is None:
            return services.current_sheet(db_session, actor, person_id)
        return services.sheet_version(db_session, actor, person_id, version)

    @post("/sheet/lines", status_code=HTTP_201_CREATED, sync_to_thread=True)
    def add_line(self, actor: Actor, db_session: Session, person_id: int, data: SheetLineCreate) -> SheetRead:
        """Add a line (a new version; 409 if ``sheet_version`` is not the current one)."""
        return services.add_line(db_session, actor, person_id, data)

    @put("/sheet/lines/{line_id:int}", sync_to_thread=True)
    def change_line(
        self, actor: Actor, db_session: Session, person_id: int, line_id: int, data: SheetLineCreate
    ) -> SheetRead:
        """Change a line (a new version; the old line stays in the earlier versions). ``sheet_version`` is required."""
        _require_sheet_version(data.sheet_version)
        return services.change_line(db_session, actor, person_id, line_id, data)

    @delete("/sheet/lines/{line_id:int}", status_code=HTTP_200_OK, sync_to_thread=True)
    def remove_line(
        self,
        actor: Actor,
        db_session: Session,
        person_id: int,
        line_id: int,
        reason: str | None = None,
        sheet_version: int | None = None,
    ) -> SheetRead:
        """Take a line off the sheet (a new version); ``reason`` and ``sheet_version`` are query parameters."""
        _require_sheet_version(sheet_version)
        return services.remove_line(
            db_session, actor, person_id, line_id, SheetChange(reason=reason, sheet_version=sheet_version)
        )

    @put("/sheet/variance-explanation", sync_to_thread=True)
    def explain_variance(
        self, actor: Actor, db_session: Session, person_id: int, data: VarianceExplanation
    ) -> SheetRead:
        """Record why the budget differs from the indicative budget."""
        return services.explain_variance(db_session, actor, person_id, data)

    @post("/sheet/from-indicative", status_code=HTTP_201_CREATED, sync_to_thread=True)
    def start_from_indicative(
        self,
        actor: Actor,
        db_session: Session,
        person_id: int,
        management_option: str,
        sheet_version: int | None = None,
    ) -> SheetRead:
        """Put each step of the indicative budget on the sheet as a line, managed as ``management_option``."""
        try:
            option = ManagementOption(management_option)
        except ValueError as exc:
            choices = ", ".join(o.value for o in ManagementOption)
            raise ValidationFailedError({"management_option": f"Choose one of {choices}"}) from exc
        return services.start_sheet_from_indicative(db_session, actor, person_id, option, expected=sheet_version)

    @get("/sheet/versions", sync_to_thread=True)
    def versions(self, actor: Actor, db_session: Session, person_id: int) -> list[SheetVersionRead]:
        """Every version of the sheet: who, when, why, and the total after the change."""
        return services.sheet_versions(db_session, actor, person_id)

    @get("/sheet/compare", sync_to_thread=True)
    def compare(self, actor: Actor, db_session: Session, person_id: int, before: int, after: int) -> SheetComparison:
        """Two versions side by side."""
        return services.compare_sheets(db_session, actor, person_id, before, after)

    # final budget and payments

    @get("/final", sync_to_thread=True)
    def list_final(self, actor: Actor, db_session: Session, person_id: int) -> list[FinalBudgetRead]:
        """Final budgets, newest first, with their decisions."""
        return services.list_final_budgets(db_session, actor, person_id)

    @post("/final", status_code=HTTP_201_CREATED, sync_to_thread=True)
    def propose_final(
        self, actor: Actor, db_session: Session, person_id: int, data: FinalBudgetCreate
    ) -> FinalBudgetRead:
        """Propose a final budget against the current budget sheet."""
        return services.propose_final_budget(db_session, actor, person_id, data)

    @post("/final/{final_id:int}/decision", status_code=HTTP_201_CREATED, sync_to_thread=True)
    def decide_final(
        self, actor: Actor, db_session: Session, person_id: int, final_id: int, data: DecisionCreate
    ) -> FinalBudgetRead:
        """Decide the final budget's governance request; 422 with every reason if it cannot be authorised.

        Under two-person sign-off the first approval returns status "awaiting second approval"; a different
        decision-maker at the same level completes it.
        """
        return decisions.authorise_final_budget(db_session, actor, person_id, final_id, data)

    @get("/schedule", sync_to_thread=True)
    def schedules(self, actor: Actor, db_session: Session, person_id: int) -> list[PaymentScheduleRead]:
        """Direct-payment schedules, newest first (each replaces the older from its start)."""
        return services.payment_schedules(db_session, actor, person_id)

    @get("/payments", sync_to_thread=True)
    def payments(self, actor: Actor, db_session: Session, person_id: int) -> list[ScheduledPaymentRead]:
        """The payments that stand this budget year, in date order."""
        return services.payments_due(services.payment_schedules(db_session, actor, person_id))


ROUTES = [RateCardsApiController, BudgetApiController]
