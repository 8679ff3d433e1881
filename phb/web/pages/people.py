"""Staff pages about people: the caseload, a person's record, adding and changing details."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Response, Template
from sqlalchemy.orm import Session

from phb.access.rules import Actor
from phb.accounts import invitations
from phb.accounts.rules import Role
from phb.audit.presentation import describe
from phb.audit.services import person_history
from phb.errors import ConflictError, ValidationFailedError
from phb.people import services
from phb.people.rules import LABELS, AccessibleFormat, ContactMethod, LegalBasis, SupporterKind, format_nhs_number
from phb.people.schemas import PersonCreate, PersonUpdate, SupporterCreate
from phb.risk.services import risk_summaries
from phb.web.forms import FormData, parse_form
from phb.web.rendering import redirect, render
from phb.web.security import require_staff

CHOICES = {
    "preferred_contact": [(c.value, LABELS[c.value]) for c in ContactMethod],
    "accessible_format": [(f.value, LABELS[f.value]) for f in AccessibleFormat],
    "kind": [(k.value, LABELS[k.value]) for k in SupporterKind],
    "legal_basis": [(b.value, b.label) for b in LegalBasis],
}


def _form_context(form: dict[str, Any], errors: dict[str, str], **extra: Any) -> dict[str, Any]:  # noqa: ANN401
    return {"form": form, "errors": errors, "choices": CHOICES, "labels": LABELS, **extra}


# Each area's page about one person, linked from the person's record once the area's route exists.
PERSON_SECTIONS = (
    ("plan", "Care and support plan"),
    ("budget", "Budget and budget sheet"),
    ("risks", "Risks, contingency plans and safeguarding"),
    ("spending", "Direct payment spending"),
    ("decisions", "Decisions"),
    ("appeals", "Appeals"),
    ("reviews", "Reviews"),
)


def person_sections(request: Request[Any, Any, Any], person_id: int, prefix: str = "/people") -> list[tuple[str, str]]:
    """(url, title) of the per-person areas this installation has, for staff (/people) or the portal (/my)."""
    paths = {route.path for route in request.app.routes}
    return [
        (f"{prefix}/{person_id}/{slug}", title)
        for slug, title in PERSON_SECTIONS
        if f"{prefix}/{{person_id:int}}/{slug}" in paths
    ]


class PeopleController(Controller):
    """The caseload and each person's record (staff only)."""

    guards = [require_staff]  # noqa: RUF012
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def caseload(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, q: str = "", page: int = 1
    ) -> Template:
        """People the user may see; the search box narrows the list in place (HTMX) or by reloading."""
        result = services.caseload(db_session, actor, page=page, search=q)
        own_caseload = actor.has_any(Role.CASE_MANAGER, Role.NURSE_ASSESSOR, Role.CARE_COORDINATOR)
        context = {
            "result": result,
            "q": q,
            "format_nhs_number": format_nhs_number,
            "heading": "Your caseload" if own_caseload else "People",
            "can_add": actor.has_any(Role.CASE_MANAGER, Role.NURSE_ASSESSOR, Role.CHC_SERVICE_MANAGER),
            # One query for the page's rows, which the caseload already filtered to people the user may see.
            "risks": risk_summaries(db_session, [p.id for p in result.items]),
        }
        return render(request, "people/caseload.html", context, blocks=["caseload-results"])

    @get("/people", sync_to_thread=False)
    def people_index(self) -> Redirect:
        """The list of people is the caseload page."""
        return Redirect(path="/", status_code=303)

    @get("/people/new", sync_to_thread=False)
    def new_person(self, request: Request[Any, Any, Any]) -> Template:
        """The form to add a person."""
        return render(request, "people/new.html", _form_context({}, {}))

    @post("/people", sync_to_thread=True)
    def create_person(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, data: FormData
    ) -> Response[Any]:
        """Add a person; on a problem show the form again with each field's message."""
        parsed, errors = parse_form(PersonCreate, data)
        if parsed is not None:
            try:
                person = services.add_person(db_session, actor, parsed)
            except ValidationFailedError as exc:
                errors = exc.errors
            else:
                return redirect(request, f"/people/{person.id}")
        return render(request, "people/new.html", _form_context(data, errors), status_code=422, blocks=["person-form"])

    @get("/people/{person_id:int}", sync_to_thread=True)
    def person(self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int) -> Template:
        """A person's record: details, who acts for them, recent history."""
        person = services.person_detail(db_session, actor, person_id)
        history = person_history(db_session, person_id, limit=10)
        context = {
            "person": person,
            "history": history,
            "labels": LABELS,
            "nhs": format_nhs_number(person.nhs_number),
            "sections": person_sections(request, person_id),
            "describe_event": describe,
            "care_team": services.care_team(db_session, actor, person_id),
            "candidates": [(u.id, u.display_name) for u in services.care_team_candidates(db_session)],
            "can_assign": actor.has_any(Role.CHC_SERVICE_MANAGER),
            "portal_accounts": invitations.portal_accounts(db_session, actor, person_id),
            "live_invitations": invitations.live_invitations(db_session, actor, person_id),
            "can_invite": invitations.may_manage(db_session, actor, person_id),
        }
        return render(request, "people/person.html", context, blocks=["person-details"])

    @get("/people/{person_id:int}/edit", sync_to_thread=True)
    def edit_person(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int
    ) -> Template:
        """The form to change a person's details (HTMX swaps it into the details card)."""
        person = services.person_detail(db_session, actor, person_id)
        return render(
            request,
            "people/edit.html",
            _form_context(person.model_dump(mode="json"), {}, person=person),
            blocks=["person-details"],
        )

    @post("/people/{person_id:int}/edit", sync_to_thread=True)
    def update_person(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int, data: FormData
    ) -> Response[Any]:
        """Save changed details; if someone else saved first, show their version and keep the user's input."""
        person = services.person_detail(db_session, actor, person_id)
        parsed, errors = parse_form(PersonUpdate, data)
        conflict = None
        if parsed is not None:
            try:
                services.update_person(db_session, actor, person_id, parsed, reason=data.get("reason") or None)
            except ValidationFailedError as exc:
                errors = exc.errors
            except ConflictError as exc:
                conflict = exc
                errors = {"version": str(exc)}
            else:
                return redirect(request, f"/people/{person_id}")
        context = _form_context(data, errors, person=person, conflict=conflict)
        return render(
            request, "people/edit.html", context, status_code=409 if conflict else 422, blocks=["person-details"]
        )

    @post("/people/{person_id:int}/supporters", sync_to_thread=True)
    def add_supporter(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int, data: FormData
    ) -> Response[Any]:
        """Record a representative or nominee."""
        person = services.person_detail(db_session, actor, person_id)
        parsed, errors = parse_form(SupporterCreate, data)
        if parsed is not None:
            services.add_supporter(db_session, actor, person_id, parsed)
            return Redirect(path=f"/people/{person_id}", status_code=303)
        context = _form_context(data, errors, person=person)
        return render(request, "people/supporter.html", context, status_code=422, blocks=["supporter-form"])

    @post("/people/{person_id:int}/care-team", sync_to_thread=True)
    def update_care_team(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int, data: FormData
    ) -> Response[Any]:
        """Name the care coordinator, or (service managers) put the person on someone's caseload."""
        raw = str(data.get("user_id") or "")
        user_id = int(raw) if raw.isdigit() else 0
        if data.get("what") == "caseload":
            services.assign_caseload(db_session, actor, person_id, user_id)
        else:
            services.set_care_coordinator(db_session, actor, person_id, user_id)
        return redirect(request, f"/people/{person_id}")

    @get("/people/{person_id:int}/supporters/new", sync_to_thread=True)
    def new_supporter(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int
    ) -> Template:
        """The form to record a representative or nominee."""
        person = services.person_detail(db_session, actor, person_id)
        return render(request, "people/supporter.html", _form_context({}, {}, person=person))


ROUTES = [PeopleController]
