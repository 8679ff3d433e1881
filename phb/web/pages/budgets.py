"""Budget pages: a person's budget, the printable budget sheet and its downloads, versions, the rate card.

The person's budget page holds the assessment, indicative budget, budget sheet, final budget and schedule; the
printable sheet has CSV, XLSX and PDF downloads; administrators keep the rate card.

The budget sheet is one swappable region (``budget-sheet``): adding, changing or removing a line with htmx
returns only that region, so the totals update in place; without JavaScript the same forms post and redirect.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, MediaType, Request, get, post
from litestar.response import Response, Template
from pydantic import BaseModel
from sqlalchemy.orm import Session

from phb.access.rules import Actor
from phb.budgets import decisions, exports, services
from phb.budgets.rules import (
    RATE_KEYS,
    RATE_LABELS,
    Category,
    Frequency,
    ManagementOption,
    NeedKind,
    PaymentFrequency,
    Recipient,
)
from phb.budgets.schemas import (
    AssessmentCreate,
    AssessmentItemCreate,
    DecisionCreate,
    FinalBudgetCreate,
    IndicativeCalculate,
    RateCardCreate,
    SheetChange,
    SheetLineCreate,
    VarianceExplanation,
)
from phb.errors import ConflictError, ValidationFailedError
from phb.people import services as people
from phb.people.rules import format_nhs_number
from phb.web.documents import pdf_response
from phb.web.forms import FormData, parse_form
from phb.web.rendering import htmx_target, redirect, render
from phb.web.security import require_staff

SHEET_BLOCK = "budget-sheet"

CHOICES = {
    "category": [(c.value, c.label) for c in Category],
    "frequency": [(f.value, f.label) for f in Frequency],
    "management_option": [(m.value, m.label) for m in ManagementOption],
    "kind": [(k.value, k.label.capitalize()) for k in NeedKind],
    "dp_frequency": [(f.value, f.label) for f in PaymentFrequency],
    "dp_recipient": [(r.value, r.label) for r in Recipient],
    "outcome": [("authorised", "Authorise"), ("refused", "Refuse")],
}


def _page(
    request: Request[Any, Any, Any],
    db_session: Session,
    actor: Actor,
    person_id: int,
    *,
    forms: dict[str, dict[str, Any]] | None = None,
    errors: dict[str, dict[str, str]] | None = None,
    editing: int | None = None,
    status_code: int = 200,
    conflict: str | None = None,
    conflict_title: str | None = None,
) -> Template:
    """The budget page (or its sheet region for htmx), with any form's input and errors kept."""
    overview = services.budget_overview(db_session, actor, person_id)
    can_edit, decidable = services.budget_permissions(db_session, actor, person_id)
    person = people.person_detail(db_session, actor, person_id)
    editing_line = next((line for line in overview.sheet.lines if line.id == editing), None)
    forms = forms or {}
    if editing_line is not None and "line" not in forms:
        forms["line"] = {
            **editing_line.model_dump(mode="json"),
            "outcomes": "\n".join(editing_line.outcomes),
            "sheet_version": overview.sheet.version,
        }
    context = {
        "person": person,
        "nhs": format_nhs_number(person.nhs_number),
        "overview": overview,
        "sheet": overview.sheet,
        "payments_due": services.payments_due(overview.schedules),
        "can_edit": can_edit,
        "decidable": decidable,
        "actor_id": actor.user_id,
        "choices": CHOICES,
        "forms": forms,
        "errors": errors or {},
        "editing": editing_line,
        "conflict": conflict,
        "conflict_title": conflict_title,
    }
    return render(request, "budgets/budget.html", context, blocks=[SHEET_BLOCK], status_code=status_code)


def _done(request: Request[Any, Any, Any], db_session: Session, actor: Actor, person_id: int, anchor: str) -> Any:  # noqa: ANN401
    """After a change: the sheet region for htmx (totals update in place), a redirect for everyone else."""
    if htmx_target(request) == SHEET_BLOCK:
        return _page(request, db_session, actor, person_id)
    return redirect(request, f"/people/{person_id}/budget#{anchor}")


def _attempt(
    request: Request[Any, Any, Any],
    db_session: Session,
    actor: Actor,
    person_id: int,
    form_name: str,
    data: dict[str, Any],
    model: type[BaseModel],
    action: Any,  # noqa: ANN401 - a callable taking the parsed model
    anchor: str,
    editing: int | None = None,
    prefix: str = "",
) -> Any:  # noqa: ANN401
    """Parse ``data`` as ``model``, run ``action``; on bad input re-render the page (or region) with 422.

    Several forms share the budget page, so a form's fields may carry a ``prefix`` (``need_quantity``) to keep
    every element id on the page unique; it is taken off before parsing and put back on the error keys.
    """
    fields = {k.removeprefix(prefix): v for k, v in data.items()} if prefix else data
    parsed, errors = parse_form(model, fields)
    status, conflict, conflict_title = 422, None, None
    if parsed is not None:
        try:
            action(parsed)
        except ValidationFailedError as exc:
            errors = exc.errors
        except ConflictError as exc:
            status, conflict, errors = 409, str(exc), {"sheet_version": str(exc)}
            data = {**data, f"{prefix}sheet_version": exc.current.get("sheet_version")}
            # A sheet edited meanwhile carries its version; a decision someone else took or a request withdrawn
            # does not, and is not "the sheet".
            sheet = "sheet_version" in exc.current
            conflict_title = "Someone else changed the sheet first" if sheet else "Someone else got there first"
        else:
            return _done(request, db_session, actor, person_id, anchor)
    db_session.rollback()
    errors = {f"{prefix}{k}": v for k, v in errors.items()}
    return _page(
        request,
        db_session,
        actor,
        person_id,
        forms={form_name: data},
        errors={form_name: errors},
        editing=editing,
        status_code=status,
        conflict=conflict,
        conflict_title=conflict_title,
    )


class BudgetController(Controller):
    """A person's budget, for staff."""

    path = "/people/{person_id:int}/budget"
    guards = [require_staff]  # noqa: RUF012
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def budget(self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int) -> Template:
        """Where the person's budget stands: assessment, indicative budget, budget sheet, final budget, payments."""
        return _page(request, db_session, actor, person_id)

    @post("/assessments", sync_to_thread=True)
    def record_assessment(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int, data: FormData
    ) -> Any:  # noqa: ANN401
        """Record an assessment of need (the actor is the assessor)."""

        def act(parsed: AssessmentCreate) -> None:
            services.record_assessment(db_session, actor, person_id, parsed)

        return _attempt(request, db_session, actor, person_id, "assessment", data, AssessmentCreate, act, "assessment")

    @post("/assessments/{assessment_id:int}/items", sync_to_thread=True)
    def add_need(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        person_id: int,
        assessment_id: int,
        data: FormData,
    ) -> Any:  # noqa: ANN401
        """Add an assessed need."""

        def act(parsed: AssessmentItemCreate) -> None:
            services.add_assessment_item(db_session, actor, person_id, assessment_id, parsed)

        return _attempt(
            request, db_session, actor, person_id, "need", data, AssessmentItemCreate, act, "assessment", prefix="need_"
        )

    @post("/assessments/{assessment_id:int}/items/{item_id:int}/remove", sync_to_thread=True)
    def remove_need(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        person_id: int,
        assessment_id: int,
        item_id: int,
    ) -> Any:  # noqa: ANN401
        """Take a need off an assessment that has not been used yet."""
        services.remove_assessment_item(db_session, actor, person_id, assessment_id, item_id)
        return redirect(request, f"/people/{person_id}/budget#assessment")

    @post("/indicative", sync_to_thread=True)
    def calculate_indicative(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int, data: FormData
    ) -> Any:  # noqa: ANN401
        """Work out the indicative budget from the assessment and the rate card."""

        def act(parsed: IndicativeCalculate) -> None:
            services.calculate_indicative_budget(db_session, actor, person_id, parsed)

        return _attempt(
            request,
            db_session,
            actor,
            person_id,
            "indicative",
            data,
            IndicativeCalculate,
            act,
            "indicative",
            prefix="ind_",
        )

    @post("/indicative/{indicative_id:int}/decision", sync_to_thread=True)
    def decide_indicative(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        person_id: int,
        indicative_id: int,
        data: FormData,
    ) -> Any:  # noqa: ANN401
        """Authorise or refuse the indicative budget."""

        def act(parsed: DecisionCreate) -> None:
            decisions.authorise_indicative_budget(db_session, actor, person_id, indicative_id, parsed)

        return _attempt(
            request,
            db_session,
            actor,
            person_id,
            "indicative_decision",
            data,
            DecisionCreate,
            act,
            "indicative",
            prefix="inddec_",
        )

    @post("/sheet/start", sync_to_thread=True)
    def start_sheet(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int, data: FormData
    ) -> Any:  # noqa: ANN401
        """Put the indicative budget's steps on the sheet as lines to plan from."""
        try:
            option = ManagementOption(data.get("start_management_option", ""))
        except ValueError:
            return _page(
                request,
                db_session,
                actor,
                person_id,
                errors={"start": {"start_management_option": "Choose how the money will be managed"}},
                status_code=422,
            )
        version = data.get("sheet_version")
        services.start_sheet_from_indicative(
            db_session, actor, person_id, option, expected=int(str(version)) if str(version or "").isdigit() else None
        )
        return _done(request, db_session, actor, person_id, "budget-sheet")

    @post("/sheet/lines", sync_to_thread=True)
    def add_line(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int, data: FormData
    ) -> Any:  # noqa: ANN401
        """Add a line to the budget sheet."""

        def act(parsed: SheetLineCreate) -> None:
            services.add_line(db_session, actor, person_id, parsed)

        return _attempt(request, db_session, actor, person_id, "line", data, SheetLineCreate, act, "budget-sheet")

    @get("/sheet/lines/{line_id:int}/edit", sync_to_thread=True)
    def edit_line(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int, line_id: int
    ) -> Template:
        """The sheet with this line's form open for changing."""
        services.get_line(db_session, actor, person_id, line_id)
        return _page(request, db_session, actor, person_id, editing=line_id)

    @post("/sheet/lines/{line_id:int}", sync_to_thread=True)
    def change_line(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        person_id: int,
        line_id: int,
        data: FormData,
    ) -> Any:  # noqa: ANN401
        """Change a line (a new version of the sheet; the old line is kept in the earlier version)."""

        def act(parsed: SheetLineCreate) -> None:
            services.change_line(db_session, actor, person_id, line_id, parsed)

        return _attempt(
            request, db_session, actor, person_id, "line", data, SheetLineCreate, act, "budget-sheet", editing=line_id
        )

    @post("/sheet/lines/{line_id:int}/remove", sync_to_thread=True)
    def remove_line(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        person_id: int,
        line_id: int,
        data: FormData,
    ) -> Any:  # noqa: ANN401
        """Take a line off the sheet (it stays in earlier versions)."""

        def act(parsed: SheetChange) -> None:
            services.remove_line(db_session, actor, person_id, line_id, parsed)

        return _attempt(
            request, db_session, actor, person_id, "remove", data, SheetChange, act, "budget-sheet", prefix="rm_"
        )

    @post("/sheet/variance", sync_to_thread=True)
    def explain_variance(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int, data: FormData
    ) -> Any:  # noqa: ANN401
        """Record why the budget differs from the indicative budget."""

        def act(parsed: VarianceExplanation) -> None:
            services.explain_variance(db_session, actor, person_id, parsed)

        return _attempt(
            request,
            db_session,
            actor,
            person_id,
            "variance",
            data,
            VarianceExplanation,
            act,
            "budget-sheet",
            prefix="var_",
        )

    @post("/final", sync_to_thread=True)
    def propose_final(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int, data: FormData
    ) -> Any:  # noqa: ANN401
        """Put the final budget forward for authorisation."""

        def act(parsed: FinalBudgetCreate) -> None:
            services.propose_final_budget(db_session, actor, person_id, parsed)

        return _attempt(
            request, db_session, actor, person_id, "final", data, FinalBudgetCreate, act, "final", prefix="final_"
        )

    @post("/final/{final_id:int}/decision", sync_to_thread=True)
    def decide_final(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        person_id: int,
        final_id: int,
        data: FormData,
    ) -> Any:  # noqa: ANN401
        """Authorise or refuse the final budget; a refusal by the rules lists every reason."""

        def act(parsed: DecisionCreate) -> None:
            decisions.authorise_final_budget(db_session, actor, person_id, final_id, parsed)

        return _attempt(
            request,
            db_session,
            actor,
            person_id,
            "final_decision",
            data,
            DecisionCreate,
            act,
            "final",
            prefix="findec_",
        )

    @get("/versions", sync_to_thread=True)
    def versions(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        person_id: int,
        before: int | None = None,
        after: int | None = None,
    ) -> Template:
        """Every version of the budget sheet (who, when, why) and two of them side by side."""
        history = services.sheet_versions(db_session, actor, person_id)
        person = people.person_detail(db_session, actor, person_id)
        comparison = None
        errors: dict[str, str] = {}
        if before is not None and after is not None:
            known = {v.number for v in history}
            for name, number in (("before", before), ("after", after)):
                if number not in known:
                    errors[name] = f"Choose a version between 1 and {max(known, default=0)}"
            if not errors:
                comparison = services.compare_sheets(db_session, actor, person_id, before, after)
        elif len(history) > 1:
            comparison = services.compare_sheets(db_session, actor, person_id, history[1].number, history[0].number)
        context = {
            "person": person,
            "history": history,
            "comparison": comparison,
            "errors": errors,
            "finals": services.list_final_budgets(db_session, actor, person_id),
            "indicatives": services.list_indicative_budgets(db_session, actor, person_id),
        }
        return render(request, "budgets/versions.html", context, status_code=422 if errors else 200)


class PersonBudgetSheetController(Controller):
    """The budget sheet for the person to read, print and download (anyone who may see the person)."""

    path = "/people/{person_id:int}/budget/sheet"
    include_in_schema = False

    def _sheet(self, db_session: Session, actor: Actor, person_id: int, version: int | None) -> Any:  # noqa: ANN401
        if version is None:
            return services.current_sheet(db_session, actor, person_id)
        return services.sheet_version(db_session, actor, person_id, version)

    def _context(self, db_session: Session, actor: Actor, person_id: int, version: int | None) -> dict[str, Any]:
        sheet = self._sheet(db_session, actor, person_id, version)
        person = people.person_detail(db_session, actor, person_id)
        finals = services.list_final_budgets(db_session, actor, person_id)
        authorised = next((f for f in finals if f.status == "authorised"), None)
        return {"sheet": sheet, "person": person, "final": authorised, "version_query": version}

    @get("/", sync_to_thread=True)
    def printable(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        person_id: int,
        version: int | None = None,
    ) -> Template:
        """A readable, printable budget sheet with a chart of planned spending by category (and the table)."""
        return render(request, "budgets/sheet.html", self._context(db_session, actor, person_id, version))

    def _filename(self, person_id: int, sheet_version: int, ext: str) -> str:
        return f"budget-sheet-{person_id}-v{sheet_version}.{ext}"

    @get("/download.csv", sync_to_thread=True)
    def csv(self, actor: Actor, db_session: Session, person_id: int, version: int | None = None) -> Response[str]:
        """The budget sheet as CSV."""
        sheet = self._sheet(db_session, actor, person_id, version)
        return Response(
            exports.sheet_csv(sheet),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{self._filename(person_id, sheet.version, "csv")}"'
            },
        )

    @get("/download.xlsx", sync_to_thread=True)
    def xlsx(self, actor: Actor, db_session: Session, person_id: int, version: int | None = None) -> Response[bytes]:
        """The budget sheet as an Excel workbook."""
        sheet = self._sheet(db_session, actor, person_id, version)
        person = people.person_detail(db_session, actor, person_id)
        return Response(
            exports.sheet_xlsx(sheet, f"Budget sheet for {person.given_name} {person.family_name}"),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={
                "Content-Disposition": f'attachment; filename="{self._filename(person_id, sheet.version, "xlsx")}"'
            },
        )

    @get("/download.pdf", sync_to_thread=True)
    def pdf(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        person_id: int,
        version: int | None = None,
    ) -> Response[bytes]:
        """The budget sheet as a PDF (WeasyPrint, from the same template as the printable page)."""
        context = self._context(db_session, actor, person_id, version)
        name = self._filename(person_id, context["sheet"].version, "pdf")
        return pdf_response(request, "budgets/sheet_document.html", context, name, "budgets.css")


class RateCardsController(Controller):
    """The rate card: every member of staff reads it; administrators add versions."""

    path = "/rate-cards"
    guards = [require_staff]  # noqa: RUF012
    include_in_schema = False

    def _context(
        self, db_session: Session, actor: Actor, form: dict[str, Any], errors: dict[str, str]
    ) -> dict[str, Any]:
        return {
            "cards": services.list_rate_cards(db_session, actor),
            "current": services.current_rate_card(db_session, actor),
            "rate_keys": RATE_KEYS,
            "rate_labels": RATE_LABELS,
            "form": form,
            "errors": errors,
            "is_admin": "administrator" in actor.roles,
        }

    @get("/", sync_to_thread=True)
    def index(self, request: Request[Any, Any, Any], actor: Actor, db_session: Session) -> Template:
        """Every version of the rate card, the one in force first, and (for administrators) the form to add one."""
        return render(request, "budgets/rate_cards.html", self._context(db_session, actor, {}, {}))

    @post("/", sync_to_thread=True)
    def create(self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, data: FormData) -> Any:  # noqa: ANN401
        """Add a rate card version (administrators only)."""
        services.require_rate_card_admin(db_session, actor)
        parsed, errors = parse_form(RateCardCreate, data)
        if parsed is not None:
            try:
                services.add_rate_card(db_session, actor, parsed)
            except ValidationFailedError as exc:
                errors = exc.errors
            else:
                return redirect(request, "/rate-cards")
        db_session.rollback()
        return render(
            request,
            "budgets/rate_cards.html",
            self._context(db_session, actor, data, errors),
            status_code=422,
            blocks=["rate-card-form"],
        )


ROUTES = [BudgetController, PersonBudgetSheetController, RateCardsController]
__all__ = ["ROUTES", "MediaType"]
