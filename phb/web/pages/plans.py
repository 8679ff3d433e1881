"""Staff pages for the care and support plan, its reviews, the reviews dashboard and the quarterly reports.

Every page works without JavaScript; with htmx, forms swap into ``#plan-main`` and the reviews dashboard filter
swaps ``#reviews-results``. Sharing formats: a print-ready page (its own print stylesheet), a PDF made by
WeasyPrint from the same template, and an easy-read style of both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Response, Template
from pydantic import BaseModel
from sqlalchemy.orm import Session

from phb import clock
from phb.access.rules import Actor
from phb.audit.services import log_shown
from phb.errors import ConflictError, ValidationFailedError
from phb.people import services as people_services
from phb.people.rules import format_nhs_number
from phb.people.schemas import Page
from phb.plans import reports, reviews, services
from phb.plans.rules import (
    CRITERIA,
    BudgetManagement,
    Cohort,
    LinkedPlanKind,
    Obligation,
    Progress,
    Quarter,
    ReviewStatus,
    Stage,
)
from phb.plans.schemas import (
    ActionCreate,
    ArrangementsUpdate,
    DashboardRow,
    InvolvementUpdate,
    LinkedPlanCreate,
    OnePageSummaryUpdate,
    OutcomeCreate,
    ParticipantCreate,
    PlanAgreement,
    PlanClosure,
    PlanDetailsUpdate,
    PlanRead,
    QualityEvidenceUpdate,
    RemoveItem,
    ReviewRecord,
    ReviewRequest,
    StageAdvance,
)
from phb.web.documents import PDF, download, render_pdf
from phb.web.forms import FormData, clean_form, parse_form
from phb.web.rendering import redirect, render
from phb.web.security import require_staff

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "plans"
REVIEWS_PER_PAGE = 50
REPORT_RECORDS_LISTED = 200  # on the report's page; the CSV download has them all

CHOICES = {
    "budget_management": [(b.value, b.label) for b in BudgetManagement],
    "cohort": [(c.value, c.label) for c in Cohort],
    "kind": [(k.value, k.label) for k in LinkedPlanKind],
    "progress": [(p.value, p.label) for p in Progress],
    "obligation": [(o.value, o.label) for o in Obligation],
    "met": [("yes", "Yes, met"), ("no", "Not met")],
    "review_interval_months": [("", "No shorter interval"), *((str(n), f"Every {n} months") for n in (1, 2, 3, 6, 9))],
}


@dataclass(frozen=True)
class Section:
    """One form that changes the plan."""

    title: str
    schema: type[BaseModel]
    save: Callable[[Session, Actor, int, Any], Any]
    fields: str
    button: str = "Save and make a new version"


SECTIONS: dict[str, Section] = {
    "summary": Section("One-page summary", OnePageSummaryUpdate, services.update_summary, "plans/_fields_summary.html"),
    "details": Section(
        "Aspirations, self-management, risks and contingency",
        PlanDetailsUpdate,
        services.update_details,
        "plans/_fields_details.html",
    ),
    "arrangements": Section(
        "Care coordinator, budget and reviews",
        ArrangementsUpdate,
        services.update_arrangements,
        "plans/_fields_arrangements.html",
    ),
    "involvement": Section(
        "How the person was prepared and involved",
        InvolvementUpdate,
        services.update_involvement,
        "plans/_fields_involvement.html",
    ),
    "participant": Section(
        "Add someone involved in planning",
        ParticipantCreate,
        services.add_participant,
        "plans/_fields_participant.html",
        "Add person",
    ),
    "outcome": Section(
        "Add an outcome", OutcomeCreate, services.add_outcome, "plans/_fields_outcome.html", "Add outcome"
    ),
    "action": Section("Add an action", ActionCreate, services.add_action, "plans/_fields_action.html", "Add action"),
    "link": Section("Link another plan", LinkedPlanCreate, services.add_link, "plans/_fields_link.html", "Link plan"),
    "agree": Section(
        "Agree the plan with the person", PlanAgreement, services.agree_plan, "plans/_fields_agree.html", "Agree plan"
    ),
    "quality": Section(
        "Evidence for the five criteria",
        QualityEvidenceUpdate,
        services.update_quality_evidence,
        "plans/_fields_quality.html",
    ),
    "close": Section("Close the plan", PlanClosure, services.close_plan, "plans/_fields_close.html", "Close plan"),
}


def _common(**extra: Any) -> dict[str, Any]:  # noqa: ANN401
    return {
        "choices": CHOICES,
        "Stage": Stage,
        "stages": list(Stage),
        "criteria_titles": CRITERIA,
        "format_nhs_number": format_nhs_number,
        **extra,
    }


def _initial(section: str, plan: PlanRead) -> dict[str, Any]:
    """The form's starting values: the current version's for changes, sensible defaults for additions."""
    values: dict[str, Any] = plan.version.model_dump(mode="json")
    values["first_direct_payment_on"] = plan.first_direct_payment_on.isoformat() if plan.first_direct_payment_on else ""
    for n in range(1, 6):
        met = values.get(f"criterion_{n}_met")
        values[f"criterion_{n}_met"] = "" if met is None else ("yes" if met else "no")
    if section in {"participant", "outcome", "action", "link"}:
        values = {}
    if section == "agree":
        values = {
            "agreed_on": clock.today().isoformat(),
            "agreed_by": plan.person_name,
            "next_review_on": plan.schedule.latest_allowed.isoformat(),
        }
    if section == "close":
        values = {"closed_on": clock.today().isoformat()}
    values["base_version"] = plan.version.number
    return values


def _plan_or_404(db_session: Session, actor: Actor, person_id: int) -> PlanRead:
    plan = services.plan_detail(db_session, actor, person_id)
    if plan is None:
        services.require_plan(db_session, person_id)  # raises NotFoundError
    assert plan is not None  # noqa: S101
    return plan


def _quarter(text: str | None) -> tuple[Quarter, str | None]:
    if not text:
        return Quarter.containing(clock.today()), None
    try:
        return Quarter.parse(text), None
    except ValueError as exc:
        return Quarter.containing(clock.today()), str(exc)


class PlanController(Controller):
    """A person's care and support plan (staff)."""

    guards = [require_staff]  # noqa: RUF012
    include_in_schema = False

    @get("/people/{person_id:int}/plan", sync_to_thread=True)
    def plan(self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int) -> Template:
        """The plan: where it is in the six stages and what comes next, its content, criteria, sharing."""
        person = people_services.person_detail(db_session, actor, person_id)
        plan = services.plan_detail(db_session, actor, person_id)
        context = _common(person=person, plan=plan, nhs=format_nhs_number(person.nhs_number))
        return render(request, "plans/plan.html", context, blocks=["plan-main"])

    @post("/people/{person_id:int}/plan", sync_to_thread=True)
    def start(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int, data: FormData
    ) -> Response[Any]:
        """Start the person's plan (there is one per person)."""
        services.start_plan(db_session, actor, person_id, reason=data.get("reason") or None)
        return redirect(request, f"/people/{person_id}/plan")

    @get("/people/{person_id:int}/plan/edit/{section:str}", sync_to_thread=True)
    def edit(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int, section: str
    ) -> Template:
        """A form that changes the plan (htmx swaps it into the plan page)."""
        spec = _section(section)
        plan = _plan_or_404(db_session, actor, person_id)
        return _render_form(request, plan, section, spec, _initial(section, plan), {})

    @post("/people/{person_id:int}/plan/edit/{section:str}", sync_to_thread=True)
    def save(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        person_id: int,
        section: str,
        data: FormData,
    ) -> Response[Any]:
        """Save a change as a new version; show the form again with each field's message if it is refused."""
        spec = _section(section)
        plan = _plan_or_404(db_session, actor, person_id)
        parsed, errors = parse_form(spec.schema, data)
        conflict = None
        if parsed is not None:
            try:
                spec.save(db_session, actor, person_id, parsed)
            except ValidationFailedError as exc:
                errors = exc.errors
            except ConflictError as exc:
                conflict = str(exc)
                errors = {"base_version": conflict}
            else:
                return redirect(request, f"/people/{person_id}/plan")
        return _render_form(request, plan, section, spec, data, errors, status_code=409 if conflict else 422)

    @post("/people/{person_id:int}/plan/stage", sync_to_thread=True)
    def advance(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int, data: FormData
    ) -> Response[Any]:
        """Move the plan on to its next stage."""
        parsed, errors = parse_form(StageAdvance, data)
        if parsed is None:
            raise ValidationFailedError(errors)
        services.advance_stage(db_session, actor, person_id, parsed)
        return redirect(request, f"/people/{person_id}/plan")

    @post("/people/{person_id:int}/plan/remove/{kind:str}", sync_to_thread=True)
    def remove(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        person_id: int,
        kind: str,
        data: FormData,
    ) -> Response[Any]:
        """Take an item out of the plan (earlier versions keep it)."""
        parsed, errors = parse_form(RemoveItem, data)
        if parsed is None:
            raise ValidationFailedError(errors)
        services.remove_item(db_session, actor, person_id, kind, parsed)
        return redirect(request, f"/people/{person_id}/plan")

    @get("/people/{person_id:int}/plan/versions", sync_to_thread=True)
    def versions(self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int) -> Template:
        """Every version: who changed the plan, when and why."""
        plan = _plan_or_404(db_session, actor, person_id)
        history = services.plan_history(db_session, actor, person_id)
        return render(request, "plans/versions.html", _common(plan=plan, history=history))

    @get("/people/{person_id:int}/plan/versions/{number:int}", sync_to_thread=True)
    def version(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int, number: int
    ) -> Template:
        """The plan as it was at one version (read only)."""
        plan = services.plan_detail(db_session, actor, person_id, number=number)
        return render(request, "plans/version.html", _common(plan=plan))

    @get("/people/{person_id:int}/plan/print", sync_to_thread=True)
    def print_page(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        person_id: int,
        part: str = "full",
        style: str = "standard",
    ) -> Template:
        """The plan, or its one-page summary alone, ready to print (standard or easy read)."""
        plan = _plan_or_404(db_session, actor, person_id)
        return render(request, "plans/print.html", _print_context(plan, part, style, for_pdf=False))

    @get("/people/{person_id:int}/plan/pdf", sync_to_thread=True)
    def pdf(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        person_id: int,
        part: str = "full",
        style: str = "standard",
    ) -> Response[bytes]:
        """The same as a PDF, to send or keep."""
        plan = _plan_or_404(db_session, actor, person_id)
        context = _print_context(plan, part, style, for_pdf=True)
        document = render_pdf(request, "plans/print.html", context, "plans-print.css")
        services.record_sharing(db_session, actor, person_id, f"pdf:{context['part']}:{context['style']}")
        name = "one-page-summary" if context["part"] == "summary" else "care-and-support-plan"
        return download(document, PDF, f"{name}-{plan.nhs_number}.pdf")


def _section(section: str) -> Section:
    spec = SECTIONS.get(section)
    if spec is None:
        raise ValidationFailedError({"section": "There is no such part of the plan to change"})
    return spec


def _render_form(
    request: Request[Any, Any, Any],
    plan: PlanRead,
    section: str,
    spec: Section,
    form: dict[str, Any],
    errors: dict[str, str],
    *,
    status_code: int = 200,
) -> Template:
    context = _common(plan=plan, section=section, spec=spec, form=form, errors=errors)
    return render(request, "plans/form.html", context, status_code=status_code, blocks=["plan-main"])


def _print_context(plan: PlanRead, part: str, style: str, *, for_pdf: bool) -> dict[str, Any]:
    return _common(
        plan=plan,
        part="summary" if part == "summary" else "full",
        style="easy-read" if style == "easy-read" else "standard",
        for_pdf=for_pdf,
    )


class ReviewsController(Controller):
    """Reviews of a person's plan, and the caseload's reviews due and overdue (staff)."""

    guards = [require_staff]  # noqa: RUF012
    include_in_schema = False

    @get("/people/{person_id:int}/reviews", sync_to_thread=True)
    def person_reviews(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int
    ) -> Template:
        """When the next review is due and why, an open request, and every review held."""
        person = people_services.person_detail(db_session, actor, person_id)
        plan = services.plan_detail(db_session, actor, person_id)
        history = reviews.person_reviews(db_session, actor, person_id)
        context = _common(person=person, plan=plan, reviews=history, form={}, errors={})
        return render(request, "plans/reviews.html", context, blocks=["review-request"])

    @post("/people/{person_id:int}/reviews/request", sync_to_thread=True)
    def request_review(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int, data: FormData
    ) -> Response[Any]:
        """Record that the person asked for a review."""
        parsed, errors = parse_form(ReviewRequest, data)
        if parsed is not None:
            try:
                reviews.request_review(db_session, actor, person_id, parsed)
            except ValidationFailedError as exc:
                errors = exc.errors
            else:
                return redirect(request, f"/people/{person_id}/reviews")
        person = people_services.person_detail(db_session, actor, person_id)
        plan = services.plan_detail(db_session, actor, person_id)
        history = reviews.person_reviews(db_session, actor, person_id)
        context = _common(person=person, plan=plan, reviews=history, form=data, errors=errors)
        return render(request, "plans/reviews.html", context, status_code=422, blocks=["review-request"])

    @get("/people/{person_id:int}/reviews/new", sync_to_thread=True)
    def new_review(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int
    ) -> Template:
        """The form to record a review held with the person."""
        plan = _plan_or_404(db_session, actor, person_id)
        form = {"held_on": clock.today().isoformat()}
        return render(request, "plans/review_form.html", _common(plan=plan, form=form, errors={}))

    @post("/people/{person_id:int}/reviews/new", sync_to_thread=True)
    def record_review(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int, data: FormData
    ) -> Response[Any]:
        """Record the review and carry it into a new plan version."""
        plan = _plan_or_404(db_session, actor, person_id)
        payload = _review_payload(plan, data)
        parsed, errors = parse_form(ReviewRecord, payload)
        errors = _review_errors(plan, errors)
        if parsed is not None:
            try:
                reviews.record_review(db_session, actor, person_id, parsed)
            except ValidationFailedError as exc:
                errors = exc.errors
            else:
                return redirect(request, f"/people/{person_id}/reviews")
        context = _common(plan=plan, form=data, errors=errors)
        return render(request, "plans/review_form.html", context, status_code=422, blocks=["review-form"])

    @get("/reviews", sync_to_thread=True)
    def dashboard(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, show: str = "due", page: int = 1
    ) -> Template:
        """Reviews due and overdue for the people the user may see; ``show=all`` lists every plan; 50 a page."""
        rows = reviews.reviews_dashboard(db_session, actor)
        counts = {status: sum(1 for r in rows if r.status is status) for status in ReviewStatus}
        if show != "all":
            rows = [r for r in rows if r.status is not ReviewStatus.SCHEDULED]
        result = Page[DashboardRow].slice_of(rows, page, REVIEWS_PER_PAGE)
        log_shown(db_session, (r.person_id for r in result.items), what="plan.reviews_dashboard")
        context = _common(rows=result.items, result=result, counts=counts, show=show, ReviewStatus=ReviewStatus)
        context["today"] = clock.today()
        return render(request, "plans/dashboard.html", context, blocks=["reviews-results"])


def _review_payload(plan: PlanRead, data: dict[str, Any]) -> dict[str, Any]:
    """The review form's flat fields (``progress_<ref>``, ``comment_<ref>``) as the ReviewRecord shape."""
    payload = {k: v for k, v in clean_form(data).items() if not k.startswith(("progress_", "comment_"))}
    payload["outcomes"] = [
        {"outcome_ref": o.ref, "progress": data[f"progress_{o.ref}"], "comment": data.get(f"comment_{o.ref}", "")}
        for o in plan.version.outcomes
        if data.get(f"progress_{o.ref}")
    ]
    return payload


def _review_errors(plan: PlanRead, errors: dict[str, str]) -> dict[str, str]:
    """Point errors about ``outcomes.N.progress`` at the radio buttons of the outcome concerned."""
    given = [o.ref for o in plan.version.outcomes]
    mapped: dict[str, str] = {}
    for key, message in errors.items():
        parts = key.split(".")
        if parts[0] == "outcomes" and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(given):
            mapped[f"progress_{given[int(parts[1])]}"] = "Choose how far this outcome got"
        else:
            mapped[key] = message
    return mapped


class ReportsController(Controller):
    """Quarterly reports: the PCSP count and the national PHB return, as pages and CSV (staff)."""

    guards = [require_staff]  # noqa: RUF012
    include_in_schema = False

    @get("/reports/pcsp", sync_to_thread=True)
    def pcsp(self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, quarter: str = "") -> Template:
        """New and reviewed plans meeting the five criteria, by team and local category, with the plans behind."""
        chosen, error = _quarter(quarter)
        report = reports.build_pcsp_report(db_session, actor, chosen)
        context = _common(
            report=report,
            quarter=chosen,
            errors={"quarter": error} if error else {},
            criteria_names=reports.criteria_names,
        )
        return render(request, "plans/report_pcsp.html", context, status_code=422 if error else 200)

    @get("/reports/pcsp.csv", sync_to_thread=True)
    def pcsp_csv(self, actor: Actor, db_session: Session, quarter: str = "", records: bool = False) -> Response[str]:
        """The figures (or, with ``records=true``, the plans behind them) as CSV."""
        chosen, error = _quarter(quarter)
        if error:
            raise ValidationFailedError({"quarter": error})
        report = reports.build_pcsp_report(db_session, actor, chosen)
        reports.record_export(db_session, "pcsp", chosen, "csv-records" if records else "csv")
        text = reports.pcsp_records_csv(report) if records else reports.pcsp_csv(report)
        return _csv_response(text, f"pcsp-{chosen}{'-records' if records else ''}.csv")

    @get("/reports/phb-return", sync_to_thread=True)
    def phb_return(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, quarter: str = ""
    ) -> Template:
        """Personal health budgets by type and cohort, during the quarter and at its end, with the records behind."""
        chosen, error = _quarter(quarter)
        result = reports.build_phb_return(db_session, actor, chosen)
        context = _common(
            result=result,
            quarter=chosen,
            errors={"quarter": error} if error else {},
            cohorts=list(Cohort),
            kinds=list(BudgetManagement),
            listed=REPORT_RECORDS_LISTED,
        )
        return render(request, "plans/report_return.html", context, status_code=422 if error else 200)

    @get("/reports/phb-return.csv", sync_to_thread=True)
    def phb_return_csv(
        self, actor: Actor, db_session: Session, quarter: str = "", records: bool = False
    ) -> Response[str]:
        """The national return's figures (or the records behind them) as CSV."""
        chosen, error = _quarter(quarter)
        if error:
            raise ValidationFailedError({"quarter": error})
        result = reports.build_phb_return(db_session, actor, chosen)
        reports.record_export(db_session, "phb-return", chosen, "csv-records" if records else "csv")
        text = reports.phb_return_records_csv(result) if records else reports.phb_return_csv(result)
        return _csv_response(text, f"phb-return-{chosen}{'-records' if records else ''}.csv")


def _csv_response(text: str, filename: str) -> Response[str]:
    return Response(
        content=text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


ROUTES = [PlanController, ReviewsController, ReportsController]
