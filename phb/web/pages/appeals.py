"""Decision notices and appeals pages.

The person (or their representative) reads their notices, appeals and their status in the portal, and lodges an
appeal there. Staff record appeals received by letter or phone, take each appeal through its steps, see what is
due and overdue, record how notices were delivered, and read the quarterly report.
"""

from __future__ import annotations

import io
from typing import Any, TypeVar

from litestar import Controller, Request, get, post
from litestar.response import Response, Template
from pydantic import BaseModel
from sqlalchemy.orm import Session

from phb.access.rules import Actor, Permission
from phb.access.services import require_person
from phb.accounts.rules import ROLE_LABELS
from phb.errors import ValidationFailedError
from phb.governance.appeals import services
from phb.governance.appeals.rules import AppealDecision, AppealType, Stage, referral_route
from phb.governance.appeals.schemas import (
    AppealCreate,
    AppealDecisionInput,
    Channel,
    Communication,
    DatedStep,
    Delivery,
    PortalAppealCreate,
    ReferralCreate,
    ReviewerAssign,
)
from phb.governance.rules import DECISION_LABELS
from phb.people.rules import format_nhs_number
from phb.spreadsheets import csv_writer
from phb.web.documents import pdf_response
from phb.web.forms import FormData, clean_form, parse_form
from phb.web.rendering import redirect, render
from phb.web.security import require_staff

M = TypeVar("M", bound=BaseModel)
DASHBOARD_ROWS = 25  # the most urgent appeals of each stage on the dashboard; the rest a link away
CHANNELS = [(c.value, c.value.capitalize()) for c in Channel]
DECISIONS = [(d.value, d.label) for d in AppealDecision]
# Messages for fields a form could not read at all (missing or not one of the choices), in the form's own words.
FIELD_MESSAGES = {
    "channel": "Choose how it was sent",
    "decision": "Choose upheld, partly upheld or not upheld",
    "reasons": "Give the reasons for the decision on the appeal",
    "body": "Choose where the dispute was referred",
    "reviewer_id": "Choose a reviewer from the list",
    "outcome_id": "Choose the decision appealed against",
    "grounds": "Enter the grounds: why the decision is disputed",
    "received_via": "Choose how the appeal arrived",
    "on_behalf_of": "Choose who is appealing",
}


def _parse(model: type[M], data: dict[str, Any]) -> tuple[M | None, dict[str, str]]:
    parsed, errors = parse_form(model, data)
    return parsed, {k: FIELD_MESSAGES.get(k, v) for k, v in errors.items()}


def _common() -> dict[str, Any]:
    return {
        "decision_labels": DECISION_LABELS,
        "role_labels": ROLE_LABELS,
        "format_nhs_number": format_nhs_number,
        "channels": CHANNELS,
        "Stage": Stage,
    }


def _pdf(request: Request[Any, Any, Any], context: dict[str, Any], filename: str) -> Response[bytes]:
    return pdf_response(request, "appeals/notice_document.html", context, filename, "appeals.css")


def _try(
    action: Any,  # noqa: ANN401 - a zero-argument callable running one service
) -> dict[str, str]:
    try:
        action()
    except ValidationFailedError as exc:
        return exc.errors
    return {}


class PortalAppealsController(Controller):
    """The person's decisions, notices and appeals, in plain English, and lodging an appeal."""

    path = "/my"
    include_in_schema = False

    def _page(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        person_id: int,
    ) -> Template:
        person = require_person(db_session, actor, Permission.PERSON_READ, person_id)
        notices = services.person_notices(db_session, actor, person_id)
        appeals = services.person_appeals(db_session, actor, person_id)
        appealed = {a.outcome_id: a for a in appeals}
        context = {
            "person": person,
            "own": actor.person_id == person_id,
            "notices": notices,
            "appeals": appeals,
            "appealed": appealed,
            **_common(),
        }
        return render(request, "appeals/portal_decisions.html", context)

    @get("/{person_id:int}/decisions", sync_to_thread=True)
    def decisions(self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int) -> Template:
        """Decisions about you, the letters (notices) we sent, and where your appeals are."""
        return self._page(request, actor, db_session, person_id)

    def _form(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        person_id: int,
        outcome_id: int,
        *,
        form: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        notice = services.appealable_outcome(db_session, actor, person_id, outcome_id)
        appealed = {a.outcome_id: a for a in services.person_appeals(db_session, actor, person_id)}
        context = {
            "notice": notice,
            "person_id": person_id,
            "own": actor.person_id == person_id,
            "appeal": appealed.get(outcome_id),
            "form": form or {},
            "errors": errors or {},
            **_common(),
        }
        return render(request, "appeals/portal_appeal.html", context, status_code=status_code, blocks=["appeal-form"])

    @get("/{person_id:int}/decisions/{outcome_id:int}/appeal", sync_to_thread=True)
    def appeal_form(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int, outcome_id: int
    ) -> Template:
        """Ask for a decision to be looked at again."""
        return self._form(request, actor, db_session, person_id, outcome_id)

    @post("/{person_id:int}/decisions/{outcome_id:int}/appeal", sync_to_thread=True)
    def lodge(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        person_id: int,
        outcome_id: int,
        data: FormData,
    ) -> Response[Any]:
        """Send the appeal; the page then shows it as received."""
        services.appealable_outcome(db_session, actor, person_id, outcome_id)
        parsed, errors = parse_form(PortalAppealCreate, data)
        if parsed is not None:
            create = AppealCreate(outcome_id=outcome_id, **parsed.model_dump())
            errors = _try(lambda: services.lodge_appeal(db_session, actor, person_id, create))
            if not errors:
                return redirect(request, f"/my/{person_id}/decisions")
        if "grounds" in errors:
            errors["grounds"] = "Tell us why you disagree with the decision"
        return self._form(
            request, actor, db_session, person_id, outcome_id, form=clean_form(data), errors=errors, status_code=422
        )

    @get("/{person_id:int}/notices/{notice_id:int}", sync_to_thread=True)
    def notice(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int, notice_id: int
    ) -> Template:
        """A decision notice, ready to print."""
        person, notice = services.notice_detail(db_session, actor, person_id, notice_id)
        context = {"person": person, "notice": notice, "prefix": "/my", "form": {}, "errors": {}, **_common()}
        return render(request, "appeals/notice.html", context)

    @get("/{person_id:int}/notices/{notice_id:int}/notice.pdf", sync_to_thread=True)
    def notice_pdf(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int, notice_id: int
    ) -> Response[bytes]:
        """The decision notice as a PDF."""
        person, notice = services.notice_detail(db_session, actor, person_id, notice_id)
        return _pdf(request, {"person": person, "notice": notice, **_common()}, f"decision-notice-{notice.id}.pdf")


class StaffAppealsController(Controller):
    """Appeals for staff: the dashboard, the report, one appeal's steps, a person's appeals and notices."""

    guards = [require_staff]  # noqa: RUF012
    include_in_schema = False

    @get("/appeals", sync_to_thread=True)
    def dashboard(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        stage: Stage | None = None,
        escalated: bool = False,
        page: int = 1,
    ) -> Template:
        """Open appeals by stage, the most urgent of each first, with the next step, when due, and what is overdue.

        ``stage`` (or ``escalated``) lists every appeal of that stage (or escalated to the user), 50 a page.
        """
        if escalated or stage is not None:
            heading, query = "Overdue steps escalated to you", "escalated=true"
            if not escalated and stage is not None:
                heading, query = stage.staff_label, f"stage={stage.value}"
            listed = services.appeals_page(db_session, actor, stage=stage, escalated=escalated, page=page)
            context = {"listed": listed, "heading": heading, "query": query, **_common()}
            return render(request, "appeals/stage.html", context)
        board = services.dashboard(db_session, actor, per_stage=DASHBOARD_ROWS)
        context = {
            "stages": board.stages,
            "escalated": board.escalated,
            "escalated_total": board.escalated_total,
            "overdue": board.overdue,
            **_common(),
        }
        return render(request, "appeals/dashboard.html", context)

    @get("/appeals/report", sync_to_thread=True)
    def report(self, request: Request[Any, Any, Any], actor: Actor, db_session: Session) -> Template:
        """Appeals decided per quarter by decision type and outcome, with the time taken to decide."""
        rows = services.appeal_report(db_session, actor)
        return render(request, "appeals/report.html", {"rows": rows, **_common()})

    @get("/appeals/report.csv", sync_to_thread=True)
    def report_csv(self, actor: Actor, db_session: Session) -> Response[str]:
        """The report as CSV."""
        out = io.StringIO()
        writer = csv_writer(out)
        writer.writerow(
            [
                "quarter",
                "decision_type",
                "upheld",
                "partly_upheld",
                "not_upheld",
                "total",
                "overturn_rate",
                "mean_working_days_to_decide",
                "longest_working_days_to_decide",
            ]
        )
        for r in services.appeal_report(db_session, actor):
            writer.writerow(
                [
                    r.quarter,
                    r.decision_type,
                    r.upheld,
                    r.partly_upheld,
                    r.not_upheld,
                    r.total,
                    f"{r.overturn_rate:.2f}",
                    r.mean_working_days,
                    r.longest_working_days,
                ]
            )
        return Response(
            out.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="appeals-report.csv"'},
        )

    def _appeal_page(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        appeal_id: int,
        *,
        form: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        appeal = services.appeal_detail(db_session, actor, appeal_id)
        notice = services.appeal_notice(db_session, actor, appeal_id)
        done = {r.body for r in appeal.referrals}
        choosing = appeal.status in {Stage.ACKNOWLEDGED, Stage.UNDER_REVIEW} and appeal.reviewer_id != actor.user_id
        # Whoever took the original decision is told why, and offered no choice of reviewer.
        assign_refused = services.reviewer_assigner_problem(db_session, actor, appeal_id) if choosing else None
        context = {
            "a": appeal,
            "notice": notice,
            "reviewers": services.reviewer_choices(db_session, actor, appeal_id) if choosing else [],
            "assign_refused": assign_refused,
            "decisions": DECISIONS,
            "referral_bodies": [
                (b.value, b.label) for b in referral_route(AppealType(appeal.appeal_type)) if b not in done
            ],
            "is_reviewer": appeal.reviewer_id == actor.user_id,
            "form": form or {},
            "errors": errors or {},
            **_common(),
        }
        return render(request, "appeals/appeal.html", context, status_code=status_code, blocks=["appeal-steps"])

    @get("/appeals/{appeal_id:int}", sync_to_thread=True)
    def show(self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, appeal_id: int) -> Template:
        """One appeal: the decision appealed, the grounds, each step and its timing, and the next step's form."""
        return self._appeal_page(request, actor, db_session, appeal_id)

    def _step(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        appeal_id: int,
        data: dict[str, Any],
        model: type[BaseModel],
        run: Any,  # noqa: ANN401 - the service taking (session, actor, appeal_id, parsed)
    ) -> Response[Any]:
        services.appeal_detail(db_session, actor, appeal_id)  # 404 before anything for someone out of reach
        parsed, errors = _parse(model, data)
        if parsed is not None:
            errors = _try(lambda: run(db_session, actor, appeal_id, parsed))
            if not errors:
                return redirect(request, f"/appeals/{appeal_id}")
        return self._appeal_page(
            request, actor, db_session, appeal_id, form=clean_form(data), errors=errors, status_code=422
        )

    @post("/appeals/{appeal_id:int}/acknowledge", sync_to_thread=True)
    def acknowledge(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, appeal_id: int, data: FormData
    ) -> Response[Any]:
        """Record that the appeal was acknowledged to the person."""
        return self._step(request, actor, db_session, appeal_id, data, DatedStep, services.acknowledge)

    @post("/appeals/{appeal_id:int}/reviewer", sync_to_thread=True)
    def assign(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, appeal_id: int, data: FormData
    ) -> Response[Any]:
        """Assign a reviewer who did not take the original decision."""
        return self._step(request, actor, db_session, appeal_id, data, ReviewerAssign, services.assign_reviewer)

    @post("/appeals/{appeal_id:int}/decision", sync_to_thread=True)
    def decide(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, appeal_id: int, data: FormData
    ) -> Response[Any]:
        """The reviewer's decision; upheld or partly upheld reopens the original decision."""
        return self._step(request, actor, db_session, appeal_id, data, AppealDecisionInput, services.decide_appeal)

    @post("/appeals/{appeal_id:int}/communication", sync_to_thread=True)
    def communicate(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, appeal_id: int, data: FormData
    ) -> Response[Any]:
        """Record how and when the person was told the outcome."""
        return self._step(request, actor, db_session, appeal_id, data, Communication, services.communicate)

    @post("/appeals/{appeal_id:int}/referral", sync_to_thread=True)
    def refer(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, appeal_id: int, data: FormData
    ) -> Response[Any]:
        """Record a referral onwards: NHS complaints, an Independent Review Panel, the Ombudsman."""
        return self._step(request, actor, db_session, appeal_id, data, ReferralCreate, services.refer)

    def _person_page(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        person_id: int,
        *,
        form: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        person = require_person(db_session, actor, Permission.PERSON_READ, person_id)
        notices = services.person_notices(db_session, actor, person_id)
        context = {
            "person": person,
            "notices": notices,
            "appeals": services.person_appeals(db_session, actor, person_id),
            "outcome_choices": [(n.outcome_id, f"{n.title} ({n.issued_at:%d/%m/%Y})") for n in notices],
            "form": form or {},
            "errors": errors or {},
            **_common(),
        }
        return render(request, "appeals/person.html", context, status_code=status_code, blocks=["appeal-form"])

    @get("/people/{person_id:int}/appeals", sync_to_thread=True)
    def person(self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int) -> Template:
        """A person's notices and appeals, and the form to record an appeal received by letter or phone."""
        return self._person_page(request, actor, db_session, person_id)

    @post("/people/{person_id:int}/appeals", sync_to_thread=True)
    def record(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int, data: FormData
    ) -> Response[Any]:
        """Record an appeal received by letter, email or phone; nothing is saved on a problem."""
        services.person_notices(db_session, actor, person_id)
        parsed, errors = _parse(AppealCreate, data)
        if parsed is not None:
            created: list[int] = []
            errors = _try(lambda: created.append(services.lodge_appeal(db_session, actor, person_id, parsed).id))
            if not errors:
                return redirect(request, f"/appeals/{created[0]}")
        return self._person_page(
            request, actor, db_session, person_id, form=clean_form(data), errors=errors, status_code=422
        )

    @get("/people/{person_id:int}/notices/{notice_id:int}", sync_to_thread=True)
    def notice(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int, notice_id: int
    ) -> Template:
        """A decision notice, printable, with its delivery."""
        person, notice = services.notice_detail(db_session, actor, person_id, notice_id)
        context = {"person": person, "notice": notice, "prefix": "/people", "form": {}, "errors": {}, **_common()}
        return render(request, "appeals/notice.html", context)

    @get("/people/{person_id:int}/notices/{notice_id:int}/notice.pdf", sync_to_thread=True)
    def notice_pdf(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int, notice_id: int
    ) -> Response[bytes]:
        """The decision notice as a PDF, for posting or emailing."""
        person, notice = services.notice_detail(db_session, actor, person_id, notice_id)
        return _pdf(request, {"person": person, "notice": notice, **_common()}, f"decision-notice-{notice.id}.pdf")

    @post("/people/{person_id:int}/notices/{notice_id:int}/delivery", sync_to_thread=True)
    def delivery(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        person_id: int,
        notice_id: int,
        data: FormData,
    ) -> Response[Any]:
        """Record how and when the notice reached the person."""
        person, notice = services.notice_detail(db_session, actor, person_id, notice_id)
        parsed, errors = _parse(Delivery, data)
        if parsed is not None:
            errors = _try(lambda: services.record_delivery(db_session, actor, person_id, notice_id, parsed))
            if not errors:
                return redirect(request, f"/people/{person_id}/notices/{notice_id}")
        context = {
            "person": person,
            "notice": notice,
            "prefix": "/people",
            "form": clean_form(data),
            "errors": errors,
            **_common(),
        }
        return render(request, "appeals/notice.html", context, status_code=422, blocks=["delivery-form"])


ROUTES = [PortalAppealsController, StaffAppealsController]
