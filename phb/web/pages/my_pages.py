"""The person's own pages: my plan, my budget, my spending, my risks and my reviews.

Written for the public: short sentences, and any word a person may not know is explained where it is used. The
person and their representative use them (``PERSON_READ``); staff may open them too, to see what the person sees.
Every page prints cleanly and has a large print version (``?size=large``); downloads come in the format the
person chose on their record first.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any

from litestar import Controller, Request, get, post
from litestar.response import Response, Template
from moneyed import Money
from sqlalchemy.orm import Session

from phb import clock
from phb.access.rules import Actor, Permission
from phb.access.services import require_person
from phb.budgets import services as budget_services
from phb.budgets.exclusions import CANNOT_BUY
from phb.budgets.rules import ManagementOption, budget_year
from phb.errors import NotFoundError, ValidationFailedError
from phb.money import ZERO, total
from phb.people.models import Person
from phb.people.rules import LABELS, AccessibleFormat
from phb.plans import reviews as plan_reviews
from phb.plans import services as plan_services
from phb.plans.schemas import ReviewRequest
from phb.risk import services as risk_services
from phb.web.documents import PDF, download, render_pdf
from phb.web.forms import FormData
from phb.web.rendering import is_htmx, redirect, render

if TYPE_CHECKING:
    from phb.spending.year_money import YearMoney

STYLES = ("standard", "large-print", "easy-read")
STYLE_NAMES = {"standard": "Standard print", "large-print": "Large print", "easy-read": "Easy read"}
# The style of the person's chosen format; formats we cannot make on screen (braille, audio, BSL) are asked for.
FORMAT_STYLES = {AccessibleFormat.LARGE_PRINT.value: "large-print", AccessibleFormat.EASY_READ.value: "easy-read"}


def _spending() -> ModuleType | None:
    """The spending services, if this installation records spending (imported late: it is optional)."""
    try:
        from phb.spending import services  # noqa: PLC0415
    except ImportError:  # pragma: no cover - every current installation has spending
        return None
    return services


def _answers() -> ModuleType | None:
    try:
        from phb.spending import answers  # noqa: PLC0415
    except ImportError:  # pragma: no cover
        return None
    return answers


def _announce(response: Response[Any], message: str) -> Response[Any]:
    """Have app.js read ``message`` out in the page's polite live region after an htmx swap."""
    response.headers["HX-Trigger"] = json.dumps({"phb:announce": message})
    return response


@dataclass(frozen=True)
class Download:
    """One way to take a document away: its name, address and whether it is the person's chosen format."""

    name: str
    url: str
    chosen: bool = False


def _formats(person: Person, base: str) -> tuple[list[Download], str | None]:
    """Print and PDF versions, the person's chosen format first; and a note for formats we cannot make here."""
    chosen = FORMAT_STYLES.get(person.accessible_format, "standard")
    order = [chosen, *(s for s in STYLES if s != chosen)]
    downloads = [Download(f"{STYLE_NAMES[s]} (to print)", f"{base}/print?style={s}", s == chosen) for s in order]
    downloads.insert(1, Download(f"{STYLE_NAMES[chosen]} (PDF file)", f"{base}/pdf?style={chosen}"))
    note = None
    if person.accessible_format not in {*FORMAT_STYLES, AccessibleFormat.STANDARD.value}:
        label = LABELS.get(person.accessible_format, person.accessible_format).lower()
        note = f"Your record says you need information in {label}. Ask your care coordinator and they will send it."
    return downloads, note


def _year_money() -> ModuleType | None:
    try:
        from phb.spending import year_money  # noqa: PLC0415
    except ImportError:  # pragma: no cover
        return None
    return year_money


@dataclass(frozen=True)
class PaidBy:
    """One way the budget is paid this year: direct payment into the person's account, or paid by the NHS."""

    key: str
    label: str
    amount: Money
    note: str


@dataclass
class BudgetPicture:
    """What the budget page says about money this year (see docs/portal.md, "The budget page").

    ``budget`` (this year) is the direct payment due this year plus the parts the NHS pays directly: the total of
    ``paid_by``. The budget sheet's table adds ``sheet_difference`` so that its total is the same figure.
    """

    year_start: dt.date
    year_end: dt.date
    agreed: bool  # a final budget is authorised
    year: YearMoney | None  # None where this installation does not record spending
    paid_by: list[PaidBy] = field(default_factory=list)
    spent_by_line: dict[str, Money] = field(default_factory=dict)
    sheet_total: Money = ZERO

    @property
    def budget(self) -> Money | None:
        """This year's budget: the direct payment due this year and what the NHS pays directly."""
        return total(p.amount for p in self.paid_by) if self.agreed else None

    @property
    def sheet_difference(self) -> Money:
        """This year's budget less the budget sheet's total for a whole year (rounding, a part year)."""
        return ZERO if self.budget is None else self.budget - self.sheet_total

    @property
    def recorded(self) -> bool:
        """Spending from an account is recorded."""
        return self.year is not None and self.year.recorded

    @property
    def scheduled(self) -> bool:
        """A direct payment is due this year."""
        return self.year is not None and self.year.scheduled

    def spent_on(self, line_id: int) -> Money:
        """Spent this year on one budget sheet line."""
        return self.spent_by_line.get(str(line_id), ZERO)


PAID_BY_NHS = "The NHS pays this directly"


def _budget_picture(db_session: Session, actor: Actor, person_id: int, sheet: Any) -> BudgetPicture:  # noqa: ANN401
    today = clock.today()
    start, end = budget_year(today)
    module = _year_money()
    year = None if module is None else module.year_money(db_session, actor, person_id, start, end, today)
    picture = BudgetPicture(
        start, end, agreed=sheet.final_budget_annual is not None, year=year, sheet_total=sheet.annual_total
    )
    direct = year.direct_payment if year is not None else ZERO
    picture.paid_by.append(
        PaidBy("direct_payment", "Direct payment, paid into your account", direct, "You spend this as your plan says")
    )
    for part in sheet.by_management_option:
        if part.key != ManagementOption.DIRECT_PAYMENT.value:
            picture.paid_by.append(PaidBy(part.key, part.label, part.amount, PAID_BY_NHS))
    spending = _spending()
    if year is not None and year.recorded and spending is not None:
        by_line, _categories = spending.spend_against_plan(db_session, actor, person_id, start, end)
        picture.spent_by_line = {row.key: row.spent for row in by_line}
    return picture


def answer_field(finding_id: int) -> str:
    """The name (and id) of the answer box for one of the team's questions on the spending page."""
    return f"answer-{finding_id}"


def bar_class(percent: object) -> str:
    """A CSS class for a chart bar's width, in steps of 5% (the CSP forbids inline widths)."""
    value = max(0, min(100, round(float(str(percent)) / 5) * 5))
    return f"my-bar--{value}"


def _common(request: Request[Any, Any, Any], actor: Actor, person: Person, **extra: Any) -> dict[str, Any]:  # noqa: ANN401
    return {
        "person": person,
        "own": actor.person_id == person.id,
        "whose": "Your" if actor.person_id == person.id else f"{person.given_name}’s",
        "large": request.query_params.get("size") == "large",
        "base": f"/my/{person.id}",
        "bar_class": bar_class,
        "answer_field": answer_field,
        **extra,
    }


class MyPagesController(Controller):
    """The person's own pages, in plain English, for them and anyone acting for them."""

    path = "/my/{person_id:int}"
    include_in_schema = False

    # -- my plan -------------------------------------------------------------------------------------------------

    @get("/plan", sync_to_thread=True)
    def plan(self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int) -> Template:
        """My care and support plan and its one-page summary."""
        person = require_person(db_session, actor, Permission.PERSON_READ, person_id)
        plan = plan_services.plan_detail(db_session, actor, person_id)
        downloads, note = _formats(person, f"/my/{person_id}/plan")
        context = _common(request, actor, person, plan=plan, downloads=downloads, format_note=note)
        return render(request, "my/plan.html", context)

    @get("/plan/print", sync_to_thread=True)
    def plan_print(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        person_id: int,
        style: str = "standard",
    ) -> Template:
        """My plan ready to print: standard, large print or easy read."""
        person = require_person(db_session, actor, Permission.PERSON_READ, person_id)
        plan = plan_services.plan_detail(db_session, actor, person_id)
        style = style if style in STYLES else "standard"
        context = _common(request, actor, person, plan=plan, style=style, for_pdf=False)
        return render(request, "my/plan_print.html", context)

    @get("/plan/pdf", sync_to_thread=True)
    def plan_pdf(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        person_id: int,
        style: str = "standard",
    ) -> Response[bytes]:
        """My plan as a PDF file to keep or send."""
        person = require_person(db_session, actor, Permission.PERSON_READ, person_id)
        plan = plan_services.plan_detail(db_session, actor, person_id)
        style = style if style in STYLES else "standard"
        context = _common(request, actor, person, plan=plan, style=style, for_pdf=True)
        document = render_pdf(request, "my/plan_print.html", context, "my.css")
        if plan is not None:
            plan_services.record_sharing(db_session, actor, person_id, f"pdf:portal:{style}")
        return download(document, PDF, f"my-plan-{style}.pdf")

    # -- my budget -----------------------------------------------------------------------------------------------

    @get("/budget", sync_to_thread=True)
    def budget(self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int) -> Template:
        """My budget sheet: what is planned, paid in and spent, and how much is left this year."""
        person = require_person(db_session, actor, Permission.PERSON_READ, person_id)
        sheet = budget_services.sheet_in_force(db_session, actor, person_id)  # as authorised: what is paid
        draft = (
            budget_services.compare_sheets(db_session, actor, person_id, sheet.version, sheet.latest_version)
            if sheet.has_draft
            else None
        )
        money = _budget_picture(db_session, actor, person_id, sheet)
        context = _common(
            request,
            actor,
            person,
            sheet=sheet,
            money=money,
            paid_by_nhs=PAID_BY_NHS,
            draft=draft,
            cannot_buy=CANNOT_BUY,
        )
        return render(request, "my/budget.html", context)

    # -- my spending ---------------------------------------------------------------------------------------------

    def _spending_page(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        person: Person,
        *,
        errors: dict[int, dict[str, str]] | None = None,
        form: dict[int, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        spending, answers = _spending(), _answers()
        accounts: list[tuple[Any, list[Any]]] = []
        if spending is not None:
            for summary in spending.accounts(db_session, actor, person.id):
                lines, _total = spending.transactions(db_session, actor, person.id, summary.account.id, per_page=50)
                accounts.append((summary, lines))
        queries = answers.person_queries(db_session, actor, person.id) if answers is not None else []
        may_answer = actor.person_id == person.id or person.id in actor.represents
        context = _common(
            request,
            actor,
            person,
            recorded=spending is not None,
            accounts=accounts,
            queries=queries,
            may_answer=may_answer,
            errors=errors or {},
            form=form or {},
        )
        return render(request, "my/spending.html", context, status_code=status_code, blocks=["my-queries"])

    @get("/spending", sync_to_thread=True)
    def spending(self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int) -> Template:
        """My statement lines, and any question the team has asked me about them."""
        person = require_person(db_session, actor, Permission.PERSON_READ, person_id)
        return self._spending_page(request, actor, db_session, person)

    @post("/spending/{finding_id:int}/answer", sync_to_thread=True)
    def answer(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        person_id: int,
        finding_id: int,
        data: FormData,
    ) -> Response[Any]:
        """Answer the team's question about some spending."""
        person = require_person(db_session, actor, Permission.PERSON_READ, person_id)
        answers = _answers()
        # One page can hold several questions, so each answer box is named after its finding (its id is the
        # error summary's link target); read the box the page rendered for this finding.
        field_name = answer_field(finding_id)
        text = str(data.get(field_name, ""))
        if answers is not None:
            if finding_id not in {q.id for q in answers.person_queries(db_session, actor, person_id)}:
                raise NotFoundError("finding", finding_id)  # someone else's, seen through this person's address
            try:
                answers.answer_query(db_session, actor, finding_id, text)
            except ValidationFailedError as exc:
                errors = {finding_id: {field_name: next(iter(exc.errors.values()))}}
                return self._spending_page(
                    request, actor, db_session, person, errors=errors, form={finding_id: text}, status_code=422
                )
        if is_htmx(request):
            return _announce(self._spending_page(request, actor, db_session, person), "Thank you. Your answer is sent.")
        return redirect(request, f"/my/{person_id}/spending?answered={finding_id}")

    # -- my risks ------------------------------------------------------------------------------------------------

    @get("/risks", sync_to_thread=True)
    def risks(self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int) -> Template:
        """My risks in plain words, and my contingency card: what to do if things go wrong."""
        person = require_person(db_session, actor, Permission.PERSON_READ, person_id)
        overview = risk_services.risk_overview(db_session, actor, person_id)
        card = risk_services.contingency_card(db_session, actor, person_id)
        open_risks = [r for r in overview.risks if r.status.value == "open"]
        context = _common(request, actor, person, risks=open_risks, card=card)
        return render(request, "my/risks.html", context)

    # -- my reviews ----------------------------------------------------------------------------------------------

    def _reviews_page(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        person: Person,
        *,
        form: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        plan = plan_services.plan_detail(db_session, actor, person.id)
        history = plan_reviews.person_reviews(db_session, actor, person.id)
        requested = next((r for r in history if r.status == "requested"), None)
        held = [r for r in history if r.status == "completed"]
        context = _common(
            request,
            actor,
            person,
            plan=plan,
            requested=requested,
            held=held,
            form=form or {},
            errors=errors or {},
        )
        return render(request, "my/reviews.html", context, status_code=status_code, blocks=["my-review-request"])

    @get("/reviews", sync_to_thread=True)
    def reviews(self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int) -> Template:
        """When my next review is due, and asking for one now."""
        person = require_person(db_session, actor, Permission.PERSON_READ, person_id)
        return self._reviews_page(request, actor, db_session, person)

    @post("/reviews", sync_to_thread=True)
    def request_review(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int, data: FormData
    ) -> Response[Any]:
        """Ask for a review, saying why."""
        person = require_person(db_session, actor, Permission.PERSON_READ, person_id)
        reason = str(data.get("request_reason", "")).strip()
        errors: dict[str, str] = {}
        if not reason:
            errors = {"request_reason": "Tell us why you want a review"}
        elif len(reason) > 2000:  # noqa: PLR2004 - the form's own limit, said in the message
            errors = {"request_reason": "Your reason must be 2000 characters or fewer"}
        else:
            try:
                plan_reviews.request_review(
                    db_session, actor, person_id, ReviewRequest(requested_by=actor.display_name, request_reason=reason)
                )
            except ValidationFailedError as exc:
                errors = {"request_reason": next(iter(exc.errors.values()))}
        if errors:
            return self._reviews_page(
                request, actor, db_session, person, form={"request_reason": reason}, errors=errors, status_code=422
            )
        if is_htmx(request):
            page = self._reviews_page(request, actor, db_session, person)
            return _announce(page, "Thank you. You have asked for a review.")
        return redirect(request, f"/my/{person_id}/reviews")


ROUTES = [MyPagesController]
