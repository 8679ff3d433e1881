"""Governance pages.

The decider's queue, a request and its decision, a person's decisions and sign-off checklist, the framework matrix
and loading a new version, risk enablement panels.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body
from litestar.response import Response, Template
from sqlalchemy.orm import Session

from phb.access.rules import Actor, Permission, decide
from phb.access.services import require
from phb.accounts.rules import ROLE_LABELS
from phb.errors import ValidationFailedError
from phb.governance import panels, services
from phb.governance.rules import (
    CHECKLIST,
    DECISION_LABELS,
    RAISED_BY_OWNER,
    Action,
    DecisionType,
    ItemStatus,
    Outcome,
    level_limits_text,
    matrix_rows,
)
from phb.governance.schemas import (
    AgendaAdd,
    AttendanceChoice,
    AttendanceCreate,
    DecisionInput,
    DecisionRequestCreate,
    FrameworkLoad,
    NonStaffAttendeeCreate,
    NonStaffKind,
    PanelDecisionCreate,
    PanelMeetingCreate,
    PrincipleCreate,
)
from phb.people.rules import format_nhs_number
from phb.web.documents import pdf_response
from phb.web.forms import FormData, clean_form, parse_form
from phb.web.rendering import redirect, render
from phb.web.security import require_staff

UploadForm = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]

ACTIONS = [
    (Action.APPROVE.value, "Approve"),
    (Action.APPROVE_WITH_CONDITIONS.value, "Approve with conditions"),
    (Action.REFUSE.value, "Refuse"),
    (Action.ESCALATE.value, "Escalate to the next level"),
    (Action.REFER_TO_PANEL.value, "Refer to a risk enablement panel"),
]
OUTCOMES = [(o.value, o.label) for o in Outcome]
DECISION_CHOICES = [(d.value, d.label) for d in DecisionType if d not in RAISED_BY_OWNER]  # budgets raise theirs
ATTENDANCE_CHOICES = [
    (AttendanceChoice.EXPECTED.value, "Expected (they confirm their attendance themselves)"),
    (AttendanceChoice.ATTENDED.value, "Attended (you record it for them, with the reason)"),
    (AttendanceChoice.APOLOGIES.value, "Sent apologies"),
]
NON_STAFF_CHOICES = [(k.value, k.label) for k in NonStaffKind]
STATUS_CHOICES = [
    (ItemStatus.MET.value, "In place"),
    (ItemStatus.NOT_APPLICABLE.value, "Does not apply"),
    (ItemStatus.MISSING.value, "Not yet"),
]


def _common() -> dict[str, Any]:
    return {"role_labels": ROLE_LABELS, "decision_labels": DECISION_LABELS, "format_nhs_number": format_nhs_number}


class DecisionsController(Controller):
    """Decision requests: the queue, one request, a person's decisions and their sign-off checklist."""

    guards = [require_staff]  # noqa: RUF012
    include_in_schema = False

    @get("/decisions", sync_to_thread=True)
    def queue(self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, page: int = 1) -> Template:
        """Requests waiting for the user to decide, the most urgent first, 50 a page."""
        result = services.decision_queue(db_session, actor, page=page)
        return render(request, "governance/queue.html", {"rows": result.items, "result": result, **_common()})

    def _request_page(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        request_id: int,
        *,
        form: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        detail = services.request_detail(db_session, actor, request_id)
        context = {
            "r": detail,
            "form": form or {},
            "errors": errors or {},
            "actions": [(v, t) for v, t in ACTIONS if v != Action.ESCALATE.value or detail.can_escalate],
            **_common(),
        }
        return render(request, "governance/request.html", context, status_code=status_code, blocks=["decision-form"])

    @get("/decisions/{request_id:int}", sync_to_thread=True)
    def show(self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, request_id: int) -> Template:
        """A request: how it was routed, its steps and their timing, what a sign-off lacks, similar decisions."""
        return self._request_page(request, actor, db_session, request_id)

    @post("/decisions/{request_id:int}", sync_to_thread=True)
    def decide(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, request_id: int, data: FormData
    ) -> Response[Any]:
        """Record a decision; on a problem show the request again with each field's message (nothing saved)."""
        parsed, errors = parse_form(DecisionInput, data)
        if parsed is not None:
            try:
                services.decide(db_session, actor, request_id, parsed)
            except ValidationFailedError as exc:
                errors = exc.errors
            else:
                return redirect(request, f"/decisions/{request_id}")
        return self._request_page(
            request, actor, db_session, request_id, form=clean_form(data), errors=errors, status_code=422
        )

    @post("/decisions/{request_id:int}/principle", sync_to_thread=True)
    def principle(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, request_id: int, data: FormData
    ) -> Response[Any]:
        """Keep a panel or level-4 decision as a local principle."""
        parsed, errors = parse_form(PrincipleCreate, data)
        detail = services.request_detail(db_session, actor, request_id)
        if parsed is not None and detail.result is not None:
            try:
                services.record_principle(db_session, actor, detail.result.id, parsed.principle, parsed.category)
            except ValidationFailedError as exc:
                errors = exc.errors
            else:
                return redirect(request, f"/decisions/{request_id}")
        return self._request_page(
            request, actor, db_session, request_id, form=clean_form(data), errors=errors, status_code=422
        )

    @get("/people/{person_id:int}/decisions", sync_to_thread=True)
    def person(self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int) -> Template:
        """A person's decision requests and the decisions made, as they will be told them."""
        person, rows, outcomes = services.person_decisions(db_session, actor, person_id)
        entries = services.checklist(db_session, actor, person_id)
        context = {
            "person": person,
            "rows": rows,
            "outcomes": outcomes,
            "missing": [e for e in entries if e.status is ItemStatus.MISSING],
            **_common(),
        }
        return render(request, "governance/person.html", context)

    @get("/people/{person_id:int}/decisions/new", sync_to_thread=True)
    def new(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        person_id: int,
        decision_type: str = "",
    ) -> Template:
        """The form to ask for a decision."""
        person, _, _ = services.person_decisions(db_session, actor, person_id)
        context = {
            "person": person,
            "form": {"decision_type": decision_type},
            "errors": {},
            "choices": DECISION_CHOICES,
        }
        return render(request, "governance/new.html", context)

    @post("/people/{person_id:int}/decisions", sync_to_thread=True)
    def create(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int, data: FormData
    ) -> Response[Any]:
        """Raise a request; it is routed at once and the page says where it went and why."""
        person, _, _ = services.person_decisions(db_session, actor, person_id)
        parsed, errors = parse_form(DecisionRequestCreate, data)
        if parsed is not None:
            try:
                created = services.raise_request(
                    db_session, actor, person_id=person_id, **parsed.model_dump(exclude_none=False)
                )
            except ValidationFailedError as exc:
                errors = exc.errors
            else:
                return redirect(request, f"/decisions/{created.id}")
        context = {"person": person, "form": clean_form(data), "errors": errors, "choices": DECISION_CHOICES}
        return render(request, "governance/new.html", context, status_code=422, blocks=["request-form"])

    @get("/people/{person_id:int}/decisions/checklist", sync_to_thread=True)
    def checklist(self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int) -> Template:
        """The sign-off checklist: what the plan holds, the commissioner's five points, the person's four."""
        person, _, _ = services.person_decisions(db_session, actor, person_id)
        entries = services.checklist(db_session, actor, person_id)
        form = {}
        for entry in entries:
            form[entry.item.key] = entry.status.value
            form[f"{entry.item.key}_evidence"] = entry.evidence or ""
        context = {"person": person, "entries": entries, "form": form, "errors": {}, "statuses": STATUS_CHOICES}
        return render(request, "governance/checklist.html", context)

    @post("/people/{person_id:int}/decisions/checklist", sync_to_thread=True)
    def save_checklist(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int, data: FormData
    ) -> Response[Any]:
        """Record the checklist; items recorded as not applicable need a reason."""
        person, _, _ = services.person_decisions(db_session, actor, person_id)
        entries: dict[str, tuple[ItemStatus, str | None]] = {}
        errors: dict[str, str] = {}
        for item in CHECKLIST:
            raw = str(data.get(item.key, ItemStatus.MISSING.value))
            try:
                status = ItemStatus(raw)
            except ValueError:
                errors[item.key] = f"Choose whether “{item.text}” is in place"
                continue
            evidence = str(data.get(f"{item.key}_evidence", "")).strip() or None
            entries[item.key] = (status, evidence)
        if not errors:
            try:
                services.record_checklist(db_session, actor, person_id, entries)
            except ValidationFailedError as exc:
                errors = exc.errors
            else:
                return redirect(request, f"/people/{person_id}/decisions")
        context = {
            "person": person,
            "entries": services.checklist(db_session, actor, person_id),
            "form": clean_form(data),
            "errors": errors,
            "statuses": STATUS_CHOICES,
        }
        return render(request, "governance/checklist.html", context, status_code=422)


class FrameworkController(Controller):
    """The governance framework in force, as the matrix, and loading a new version (administrators)."""

    guards = [require_staff]  # noqa: RUF012
    include_in_schema = False

    @get("/governance/framework", sync_to_thread=True)
    def show(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, date: dt.date | None = None
    ) -> Template:
        """Who decides what at each level, the levels' limits and risk tolerance, the panel, the versions."""
        framework, version = services.framework_in_force(db_session, date)
        context = {
            "framework": framework,
            "version": version,
            "rows": matrix_rows(framework),
            "levels": [
                (n, framework.levels[n], level_limits_text(framework.levels[n])) for n in sorted(framework.levels)
            ],
            "versions": services.framework_versions(db_session),
            "on": date,
            "can_load": decide(actor, Permission.CONFIG_ADMIN).allowed,
            "chairs": sorted(r.label for r in framework.panel.chair_roles),
        }
        return render(request, "governance/framework.html", context)

    @get("/governance/framework/load", sync_to_thread=True)
    def load_form(self, request: Request[Any, Any, Any], actor: Actor, db_session: Session) -> Template:
        """The form to paste or upload a new framework (administrators)."""
        require(db_session, actor, Permission.CONFIG_ADMIN)
        source = services.DEFAULT_FRAMEWORK_PATH.read_text(encoding="utf-8")
        _, version = services.framework_in_force(db_session)
        form = {"source": version.source if version else source}
        return render(request, "governance/framework_load.html", {"form": form, "errors": {}})

    @post("/governance/framework/load", sync_to_thread=True)
    def load(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, data: UploadForm
    ) -> Response[Any]:
        """Load the pasted or uploaded framework; a framework with any problem is refused with every problem named."""
        form = clean_form(data)
        upload = form.pop("file", None)
        if isinstance(upload, UploadFile) and upload.filename:
            form["source"] = upload.file.read().decode("utf-8", errors="replace")
        parsed, errors = parse_form(FrameworkLoad, form)
        if parsed is not None:
            try:
                services.load_framework(db_session, actor, parsed.source, effective_from=parsed.effective_from)
            except ValidationFailedError as exc:
                errors = exc.errors
            else:
                return redirect(request, "/governance/framework")
        problems = errors.get("source", "").removeprefix("The framework was not loaded: ").split("; ")
        context = {"form": form, "errors": errors, "problems": problems if "source" in errors else []}
        return render(request, "governance/framework_load.html", context, status_code=422)


class PanelsController(Controller):
    """Risk enablement panels: referrals waiting, meetings, attendance, decisions, telling the person."""

    path = "/panels"
    guards = [require_staff]  # noqa: RUF012
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def index(self, request: Request[Any, Any, Any], actor: Actor, db_session: Session) -> Template:
        """Meetings and the referrals waiting for a panel."""
        context = {
            "meetings": panels.meetings(db_session, actor),
            "waiting": panels.waiting_referrals(db_session, actor),
            "form": {},
            "errors": {},
            **_common(),
        }
        return render(request, "governance/panels.html", context)

    @post("/", sync_to_thread=True)
    def create(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, data: FormData
    ) -> Response[Any]:
        """Arrange a meeting; its agenda is built from the waiting referrals."""
        parsed, errors = parse_form(PanelMeetingCreate, data)
        if parsed is not None:
            meeting = panels.create_meeting(db_session, actor, parsed)
            return redirect(request, f"/panels/{meeting.id}")
        context = {
            "meetings": panels.meetings(db_session, actor),
            "waiting": panels.waiting_referrals(db_session, actor),
            "form": clean_form(data),
            "errors": errors,
            **_common(),
        }
        return render(request, "governance/panels.html", context, status_code=422)

    def _meeting_page(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        meeting_id: int,
        *,
        form: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
        focus: int | None = None,
        status_code: int = 200,
    ) -> Template:
        context = {
            "m": panels.meeting_detail(db_session, actor, meeting_id),
            "form": form or {},
            "errors": errors or {},
            "focus": focus,
            "outcomes": OUTCOMES,
            "attendance_choices": ATTENDANCE_CHOICES,
            "non_staff_kinds": NON_STAFF_CHOICES,
            **_common(),
        }
        return render(request, "governance/meeting.html", context, status_code=status_code)

    def _submit(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        meeting_id: int,
        data: dict[str, Any],
        action: Callable[[], object],
        *,
        errors: dict[str, str] | None = None,
        focus: int | None = None,
    ) -> Response[Any]:
        """Run one panel service; on success back to the meeting, on a problem the page again with 422."""
        if not errors:
            try:
                action()
            except ValidationFailedError as exc:
                errors = exc.errors
            else:
                return redirect(request, f"/panels/{meeting_id}")
        return self._meeting_page(
            request,
            actor,
            db_session,
            meeting_id,
            form=clean_form(data),
            errors=errors,
            focus=focus,
            status_code=422,
        )

    @get("/{meeting_id:int}", sync_to_thread=True)
    def meeting(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        meeting_id: int,
        case: int | None = None,
    ) -> Template:
        """A meeting: attendance and conflicts, the agenda with quorum for each case, the decisions."""
        return self._meeting_page(request, actor, db_session, meeting_id, focus=case)

    @post("/{meeting_id:int}/attendance", sync_to_thread=True)
    def attendance(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, meeting_id: int, data: FormData
    ) -> Response[Any]:
        """The chair records a member: expected, attended (with a reason, for someone else) or apologies."""
        parsed, errors = parse_form(AttendanceCreate, data)
        return self._submit(
            request,
            actor,
            db_session,
            meeting_id,
            data,
            lambda: parsed and panels.record_attendance(db_session, actor, meeting_id, parsed),
            errors=errors,
        )

    @post("/{meeting_id:int}/attendance/confirm", sync_to_thread=True)
    def confirm(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, meeting_id: int, data: FormData
    ) -> Response[Any]:
        """A member confirms their own attendance (from the day of the meeting)."""
        return self._submit(
            request,
            actor,
            db_session,
            meeting_id,
            data,
            lambda: panels.confirm_attendance(db_session, actor, meeting_id),
        )

    @post("/{meeting_id:int}/non-staff", sync_to_thread=True)
    def non_staff(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, meeting_id: int, data: FormData
    ) -> Response[Any]:
        """Record the person, a family member, an advocate or someone else at the meeting for one case."""
        parsed, errors = parse_form(NonStaffAttendeeCreate, data)
        return self._submit(
            request,
            actor,
            db_session,
            meeting_id,
            data,
            lambda: parsed and panels.add_non_staff_attendee(db_session, actor, meeting_id, parsed),
            errors=errors,
        )

    @post("/{meeting_id:int}/agenda", sync_to_thread=True)
    def agenda(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, meeting_id: int, data: FormData
    ) -> Response[Any]:
        """Add a waiting referral to the agenda."""
        parsed, errors = parse_form(AgendaAdd, data)
        return self._submit(
            request,
            actor,
            db_session,
            meeting_id,
            data,
            lambda: parsed and panels.add_to_agenda(db_session, actor, meeting_id, parsed.referral_id),
            errors=errors,
        )

    @post("/{meeting_id:int}/referrals/{referral_id:int}/decision", sync_to_thread=True)
    def decision(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        meeting_id: int,
        referral_id: int,
        data: FormData,
    ) -> Response[Any]:
        """Record the panel's decision on a case."""
        parsed, errors = parse_form(PanelDecisionCreate, data)
        return self._submit(
            request,
            actor,
            db_session,
            meeting_id,
            data,
            lambda: parsed and panels.panel_decide(db_session, actor, meeting_id, referral_id, parsed),
            errors=errors,
            focus=referral_id,
        )

    @post("/{meeting_id:int}/referrals/{referral_id:int}/told", sync_to_thread=True)
    def told(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        meeting_id: int,
        referral_id: int,
        data: FormData,
    ) -> Response[Any]:
        """Record when the person was told the panel's decision."""
        told_on: dt.date | None = None
        errors: dict[str, str] = {}
        try:
            told_on = dt.date.fromisoformat(str(data.get("told_on", "")))
        except ValueError:
            errors = {"told_on": "Enter the date they were told as a real date"}
        return self._submit(
            request,
            actor,
            db_session,
            meeting_id,
            data,
            lambda: (
                told_on and panels.record_person_told(db_session, actor, referral_id, told_on, meeting_id=meeting_id)
            ),
            errors=errors,
            focus=referral_id,
        )

    @get("/{meeting_id:int}/print/{kind:str}", sync_to_thread=True)
    def print_page(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, meeting_id: int, kind: str
    ) -> Template:
        """The agenda or the minutes as a printable page."""
        paper = panels.paper(db_session, actor, meeting_id, _paper_kind(kind))
        return render(request, "governance/panel_paper.html", {"p": paper, "pdf": False, **_common()})

    @get("/{meeting_id:int}/pdf/{kind:str}", sync_to_thread=True)
    def pdf(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, meeting_id: int, kind: str
    ) -> Response[bytes]:
        """The agenda or the minutes as a PDF (WeasyPrint, from the same template as the printable page)."""
        paper = panels.paper(db_session, actor, meeting_id, _paper_kind(kind))
        context = {"p": paper, "pdf": True, **_common()}
        name = f"panel-{meeting_id}-{paper.kind}.pdf"
        return pdf_response(request, "governance/panel_paper.html", context, name, "panels.css")


def _paper_kind(kind: str) -> str:
    if kind not in {"agenda", "minutes"}:
        raise NotFoundException("No such panel paper: the agenda or the minutes")
    return kind


ROUTES = [DecisionsController, FrameworkController, PanelsController]
