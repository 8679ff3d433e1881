"""Staff pages about a person's risks, under ``/people/{person_id}/risks``.

The overview with its heat-map, the register, discussions, contingency plans and their printable card,
capacity, safeguarding and personal assistants' delegated tasks.

The many "record a ..." forms share one template (``risk/form.html``) driven by a :class:`FormSpec`: each form
says its fields, its schema and the service that saves it, so every form behaves the same way (field messages,
the error summary, HTMX swapping the form in place, a plain POST without JavaScript).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Response, Template
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from phb import clock
from phb.access.rules import Actor
from phb.errors import ConflictError, ValidationFailedError
from phb.people.rules import format_nhs_number
from phb.risk import services
from phb.risk.rules import (
    IMPACT_LABELS,
    LIKELIHOOD_LABELS,
    Approach,
    CapacityOutcome,
    Category,
    ConcernStatus,
    RiskStatus,
)
from phb.risk.schemas import (
    ActionCreate,
    BestInterestsDecisionCreate,
    CapacityAssessmentCreate,
    ContingencyPlanCreate,
    DelegatedTaskCreate,
    DiscussionCreate,
    RestraintProcedureCreate,
    RiskCreate,
    RiskReview,
    SafeguardingConcernCreate,
)
from phb.web.forms import FormData, clean_form
from phb.web.rendering import redirect, render
from phb.web.security import require_staff

AnyRequest = Request[Any, Any, Any]

BASE = "/people/{person_id:int}/risks"
FORM_BLOCK = "risk-form"


def _pairs(enum: Any) -> tuple[tuple[str, str], ...]:  # noqa: ANN401 - any of the StrEnums with a label
    return tuple((member.value, member.label) for member in enum)


LIKELIHOODS = tuple((str(k), f"{k} – {v}") for k, v in LIKELIHOOD_LABELS.items())
IMPACTS = tuple((str(k), f"{k} – {v}") for k, v in IMPACT_LABELS.items())


@dataclass(frozen=True)
class Field:
    """One field of a form: ``kind`` is text, textarea, lines (one entry per line), date, select or radios.

    ``choices`` names a list on :class:`phb.risk.services.FormContext` when the options are the person's own.
    """

    name: str
    label: str
    kind: str = "text"
    hint: str | None = None
    options: tuple[tuple[str, str], ...] = ()
    choices: str | None = None
    heading: str | None = None  # a subheading shown before the field


@dataclass(frozen=True)
class FormSpec:
    """A "record a ..." form: where it lives, what it asks, which schema checks it and which service saves it."""

    slug: str
    title: str
    intro: str
    schema: type[BaseModel]
    fields: tuple[Field, ...]
    submit: str
    save: Callable[[Session, Actor, int, Any], Any]
    done: Callable[[int, Any], str]
    defaults: Callable[[services.FormContext, Actor], dict[str, Any]] = lambda _ctx, _actor: {}


def _overview(person_id: int, anchor: str) -> str:
    return f"/people/{person_id}/risks#{anchor}"


def _today_iso() -> str:
    return clock.today().isoformat()


DISCUSSION = FormSpec(
    slug="discussions",
    title="Record a risk discussion",
    intro="Record what the person wants to do and why it matters to them as carefully as the risks. "
    "Register each risk from the discussion afterwards, with the approach you agreed.",
    schema=DiscussionCreate,
    fields=(
        Field("held_on", "Date of the discussion", "date"),
        Field("participants", "Who took part", "lines", "One on each line: the person, family, professionals"),
        Field(
            "wants_to_do",
            "What the person wants to do, in their own words",
            "textarea",
            "Write down what they said. It is kept as their words and shown in quotation marks.",
            heading="The person's wishes",
        ),
        Field("words_of", "Whose words these are", hint="The person, or who spoke for them"),
        Field("benefits", "What they gain: the benefits to their health, wellbeing and life", "textarea"),
        Field(
            "risk_they_accept",
            "The level of risk they want to take, in their own words (optional)",
            "textarea",
        ),
        Field(
            "organisation_can_support",
            "What the organisation can support (optional)",
            "textarea",
            heading="What we can support",
        ),
    ),
    submit="Save the discussion",
    save=services.add_discussion,
    done=lambda person_id, record: f"/people/{person_id}/risks/discussions/{record.id}",
    defaults=lambda ctx, actor: {
        "held_on": _today_iso(),
        "words_of": ctx.person_name,
        "participants": f"{ctx.person_name} (the person)\n{actor.display_name}",
    },
)

_SCORE_FIELDS = (
    Field("likelihood", "Likelihood before mitigation", "select", options=LIKELIHOODS, heading="Rating"),
    Field("impact", "Impact before mitigation", "select", options=IMPACTS),
)
_RESIDUAL_FIELDS = (
    Field("residual_likelihood", "Likelihood after mitigation (residual)", "select", options=LIKELIHOODS),
    Field("residual_impact", "Impact after mitigation (residual)", "select", options=IMPACTS),
)

RISK = FormSpec(
    slug="register",
    title="Add a risk to the register",
    intro="Rate the risk on the NHS 5 × 5 matrix before and after the mitigations. The band follows from the "
    "rating: low 1-3, moderate 4-6, high 8-12, extreme 15-25. A high rating asks for a decision at a higher "
    "level; it is never a refusal on its own.",
    schema=RiskCreate,
    fields=(
        Field("title", "Risk", hint="A short name, for example 'swimming alone'"),
        Field("discussion_id", "From which risk discussion (optional)", "select", choices="discussions"),
        Field("category", "Category", "radios", options=_pairs(Category)),
        Field("description", "What could happen (optional)", "textarea"),
        Field("person_view", "What the person says about this risk, in their own words (optional)", "textarea"),
        *_SCORE_FIELDS,
        Field("approach", "Agreed approach", "radios", options=_pairs(Approach), heading="What we agreed"),
        Field("mitigations", "Mitigations", "textarea", "What is in place to make it safer"),
        *_RESIDUAL_FIELDS,
        Field("owner", "Owner", hint="Who looks after this risk"),
        Field("review_on", "Review date", "date"),
        Field("action_description", "First action (optional)", "textarea", heading="An agreed action"),
        Field("action_owner", "Who will do it"),
        Field("action_due_on", "Due date", "date"),
    ),
    submit="Add the risk",
    save=services.add_risk,
    done=lambda person_id, record: f"/people/{person_id}/risks/{record.id}",
)

CONTINGENCY = FormSpec(
    slug="contingency-plans",
    title="Add a contingency plan",
    intro="A 'what if' scenario: what happens if something goes wrong, who to call and what the budget may pay "
    "for then. Contingency plans print together as a one-page card for the home.",
    schema=ContingencyPlanCreate,
    fields=(
        Field("scenario", "What if…", hint="For example, 'my personal assistant does not arrive'"),
        Field("warning_signs", "Warning signs", "textarea"),
        Field("what_to_do", "What to do", "textarea"),
        Field(
            "contacts", "Who to contact and how", "lines", "One on each line, for example 'Marie (mum) 07700 900123'"
        ),
        Field("budget_may_pay_for", "What the budget may pay for", "textarea"),
        Field(
            "budget_line_id",
            "The budget sheet line that funds it",
            "select",
            "The contingency line of the budget sheet",
            choices="contingency_lines",
        ),
        Field("review_on", "Review date (optional)", "date"),
    ),
    submit="Save the contingency plan",
    save=services.add_contingency_plan,
    done=lambda person_id, _record: _overview(person_id, "contingency"),
)

CAPACITY = FormSpec(
    slug="capacity-assessments",
    title="Record a capacity assessment",
    intro="Capacity is decision-specific: record one decision per assessment, and how the person was supported "
    "to make it themselves. Leave the outcome blank while the assessment is in progress.",
    schema=CapacityAssessmentCreate,
    fields=(
        Field("decision", "The decision", "textarea"),
        Field("assessed_on", "Date of the assessment", "date"),
        Field("assessor", "Assessor", hint="Name and role of whoever assessed capacity"),
        Field("outcome", "Outcome", "radios", options=_pairs(CapacityOutcome)),
        Field("how_supported", "How the person was supported to decide", "textarea"),
        Field("notes", "Notes (optional)", "textarea"),
    ),
    submit="Save the assessment",
    save=services.add_capacity_assessment,
    done=lambda person_id, _record: _overview(person_id, "capacity"),
    defaults=lambda _ctx, _actor: {"assessed_on": _today_iso()},
)

BEST_INTERESTS = FormSpec(
    slug="best-interests-decisions",
    title="Record a best-interests decision",
    intro="For a decision the person lacks capacity to make: who was consulted, their wishes and feelings, and "
    "who acted for them.",
    schema=BestInterestsDecisionCreate,
    fields=(
        Field("decision", "The decision", "textarea"),
        Field("decided_on", "Date of the decision", "date"),
        Field("decision_maker", "Decision maker"),
        Field("capacity_assessment_id", "Capacity assessment (optional)", "select", choices="capacity_assessments"),
        Field("representative_id", "Representative acting (optional)", "select", choices="representatives"),
        Field("consulted", "Who was consulted", "lines", "One on each line"),
        Field("person_wishes", "The person's wishes and feelings, in their own words (optional)", "textarea"),
        Field("reasons", "The decision reached and why", "textarea"),
        Field("review_on", "Review date (optional)", "date"),
    ),
    submit="Save the decision",
    save=services.add_best_interests_decision,
    done=lambda person_id, _record: _overview(person_id, "capacity"),
    defaults=lambda _ctx, _actor: {"decided_on": _today_iso()},
)

SAFEGUARDING = FormSpec(
    slug="safeguarding-concerns",
    title="Record a safeguarding concern",
    intro="Record the concern, what was done, and when it is next looked at.",
    schema=SafeguardingConcernCreate,
    fields=(
        Field("raised_on", "Date raised", "date"),
        Field("raised_by", "Raised by"),
        Field("concern", "The concern", "textarea"),
        Field("action_taken", "Action taken (optional)", "textarea"),
        Field("status", "Status", "radios", options=_pairs(ConcernStatus)),
        Field("review_on", "Review date", "date"),
    ),
    submit="Save the concern",
    save=services.add_safeguarding_concern,
    done=lambda person_id, _record: _overview(person_id, "safeguarding"),
    defaults=lambda _ctx, _actor: {"raised_on": _today_iso(), "status": "open"},
)

RESTRAINT = FormSpec(
    slug="restraint-procedures",
    title="Record a restraint procedure",
    intro="Any restraint or restrictive practice in the plan, the less restrictive options considered, its legal "
    "authority and when it is reviewed.",
    schema=RestraintProcedureCreate,
    fields=(
        Field("procedure", "The procedure", "textarea"),
        Field("circumstances", "When it may be used", "textarea"),
        Field("less_restrictive_options", "Less restrictive options considered", "textarea"),
        Field("legal_authority", "Legal authority", hint="For example, a Court of Protection order"),
        Field("authorised_by", "Authorised by"),
        Field("review_on", "Review date", "date"),
    ),
    submit="Save the procedure",
    save=services.add_restraint_procedure,
    done=lambda person_id, _record: _overview(person_id, "safeguarding"),
)

DELEGATED_TASK = FormSpec(
    slug="delegated-tasks",
    title="Record a delegated health task",
    intro="A health task a personal assistant does (Annex D 8.3.4): who is accountable for delegating it, how "
    "training is given, who signed off competency and when it is reviewed, and the ongoing support.",
    schema=DelegatedTaskCreate,
    fields=(
        Field("task", "Health task"),
        Field("personal_assistant", "Personal assistant"),
        Field("accountable_delegator", "Accountable for delegating the task", hint="Name and role of the clinician"),
        Field("training", "How training is given", "textarea"),
        Field("signed_off_on", "Competency signed off on (optional until signed off)", "date"),
        Field("signed_off_by", "Competency signed off by"),
        Field("competency_review_on", "Competency review date", "date"),
        Field("ongoing_support", "Ongoing support for the personal assistant", "textarea"),
    ),
    submit="Save the task",
    save=services.add_delegated_task,
    done=lambda person_id, _record: _overview(person_id, "delegated-tasks"),
)

SIMPLE_FORMS = (DISCUSSION, CONTINGENCY, CAPACITY, BEST_INTERESTS, SAFEGUARDING, RESTRAINT, DELEGATED_TASK)

ACTION = FormSpec(
    slug="actions",
    title="Agree an action",
    intro="Something someone will do about this risk, by a date.",
    schema=ActionCreate,
    fields=(
        Field("description", "Action", "textarea"),
        Field("owner", "Who will do it"),
        Field("due_on", "Due date", "date"),
    ),
    submit="Save the action",
    save=lambda *_: None,  # bound to the risk in the handler
    done=lambda person_id, record: f"/people/{person_id}/risks/{record.risk_id}",
)

REVIEW = FormSpec(
    slug="review",
    title="Review a risk",
    intro="Re-rate the risk and bring its mitigations up to date. Your reason goes into the risk's history.",
    schema=RiskReview,
    fields=(
        *_SCORE_FIELDS,
        Field("approach", "Agreed approach", "radios", options=_pairs(Approach), heading="What we agreed"),
        Field("mitigations", "Mitigations", "textarea"),
        *_RESIDUAL_FIELDS,
        Field("person_view", "What the person says about this risk, in their own words (optional)", "textarea"),
        Field("owner", "Owner"),
        Field("review_on", "Next review date", "date"),
        Field("status", "Status", "radios", options=_pairs(RiskStatus)),
        Field("reason", "What changed and why", "textarea", "Kept in the risk's history"),
    ),
    submit="Save the review",
    save=lambda *_: None,
    done=lambda person_id, record: f"/people/{person_id}/risks/{record.id}",
)

_FRIENDLY = {
    "missing": "Enter {label}",
    "string_type": "Enter {label}",
    "string_too_short": "Enter {label}",
    "string_too_long": "{label_cap} is too long",
    "date_from_datetime_parsing": "Enter {label} as a real date",
    "date_parsing": "Enter {label} as a real date",
    "date_type": "Enter {label} as a real date",
    "enum": "Choose {label}",
    "int_parsing": "Choose {label} from the list",
    "int_type": "Choose {label} from the list",
}


def _errors(spec: FormSpec, exc: ValidationError) -> dict[str, str]:
    """One message per field, worded with the field's own label (the form's words, not the code's)."""
    labels = {f.name: f.label for f in spec.fields}
    errors: dict[str, str] = {}
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else "form"
        if name in errors:
            continue
        label = labels.get(name, name.replace("_", " ")).split(" (optional")[0]
        template = _FRIENDLY.get(error["type"])
        if template:
            errors[name] = template.format(label=label[:1].lower() + label[1:], label_cap=label)
        else:
            message = str(error["msg"]).removeprefix("Value error, ")
            errors[name] = message[:1].upper() + message[1:]
    return errors


def _parse(spec: FormSpec, data: dict[str, Any]) -> tuple[Any, dict[str, str]]:
    try:
        return spec.schema.model_validate(clean_form(data)), {}
    except ValidationError as exc:
        return None, _errors(spec, exc)


def _form_page(
    request: AnyRequest,
    spec: FormSpec,
    ctx: services.FormContext,
    form: dict[str, Any],
    errors: dict[str, str],
    *,
    action: str,
    back: str,
    status_code: int = 200,
    **extra: Any,  # noqa: ANN401
) -> Template:
    context = {
        "spec": spec,
        "ctx": ctx,
        "form": form,
        "errors": errors,
        "action": action,
        "back": back,
        "choices": {
            "discussions": ctx.discussions,
            "capacity_assessments": ctx.capacity_assessments,
            "representatives": ctx.representatives,
            "contingency_lines": ctx.contingency_lines,
        },
        **extra,
    }
    return render(request, "risk/form.html", context, blocks=[FORM_BLOCK], status_code=status_code)


def _form_controller(spec: FormSpec) -> type[Controller]:
    """A controller with the GET (blank form) and POST (save, or the form again with messages) for ``spec``.

    A controller rather than bare handler functions: Litestar copies a controller's handlers for each app, so
    creating several apps (as the tests do) never wraps a handler twice.
    """

    class FormController(Controller):
        path = f"{BASE}/{spec.slug}"
        guards = [require_staff]  # noqa: RUF012
        include_in_schema = False

        @get("/new", name=f"risk-{spec.slug}-new", sync_to_thread=True)
        def new(self, request: AnyRequest, actor: Actor, db_session: Session, person_id: int) -> Template:
            """The blank form, with sensible defaults (today's date, the person's name)."""
            ctx = services.form_context(db_session, actor, person_id)
            return _form_page(
                request,
                spec,
                ctx,
                spec.defaults(ctx, actor),
                {},
                action=f"/people/{person_id}/risks/{spec.slug}",
                back=_back(ctx),
            )

        @post("/", name=f"risk-{spec.slug}-create", sync_to_thread=True)
        def create(
            self, request: AnyRequest, actor: Actor, db_session: Session, person_id: int, data: FormData
        ) -> Response[Any]:
            """Save the record; on a problem show the form again with each field's message and save nothing."""
            ctx = services.form_context(db_session, actor, person_id)
            parsed, errors = _parse(spec, data)
            if parsed is not None:
                try:
                    record = spec.save(db_session, actor, person_id, parsed)
                except ValidationFailedError as exc:
                    errors = exc.errors
                else:
                    return redirect(request, spec.done(person_id, record))
            return _form_page(
                request,
                spec,
                ctx,
                clean_form(data),
                errors,
                action=f"/people/{person_id}/risks/{spec.slug}",
                back=_back(ctx),
                status_code=422,
            )

    FormController.__name__ = FormController.__qualname__ = (
        f"{spec.schema.__name__.removesuffix('Create')}FormController"
    )
    return FormController


def _back(ctx: services.FormContext) -> str:
    return f"/people/{ctx.person_id}/risks"


def _page_context(person_id: int, name: str, nhs_number: str, **extra: Any) -> dict[str, Any]:  # noqa: ANN401
    return {
        "person_id": person_id,
        "person_name": name,
        "nhs": format_nhs_number(nhs_number),
        **extra,
    }


class RiskController(Controller):
    """A person's risk pages (staff only)."""

    path = BASE
    guards = [require_staff]  # noqa: RUF012
    include_in_schema = False

    @get("/", name="risk-overview", sync_to_thread=True)
    def overview(self, request: AnyRequest, actor: Actor, db_session: Session, person_id: int) -> Template:
        """A person's risks: summary, heat-map and its table, register, discussions, plans, capacity, safeguarding."""
        data = services.risk_overview(db_session, actor, person_id)
        context = _page_context(
            person_id,
            data.person_name,
            data.nhs_number,
            o=data,
            can_edit=services.can_edit(db_session, actor, person_id),
            likelihood_labels=LIKELIHOOD_LABELS,
            impact_labels=IMPACT_LABELS,
        )
        return render(request, "risk/overview.html", context)

    @get("/new", name="risk-register-new", sync_to_thread=True)
    def new_risk(
        self, request: AnyRequest, actor: Actor, db_session: Session, person_id: int, discussion_id: int | None = None
    ) -> Template:
        """The form to add a risk to the register, linked to a discussion when opened from one."""
        ctx = services.form_context(db_session, actor, person_id)
        form = {"discussion_id": str(discussion_id) if discussion_id else "", "approach": "manage"}
        return _form_page(request, RISK, ctx, form, {}, action=f"/people/{person_id}/risks", back=_back(ctx))

    @post("/", name="risk-register-create", sync_to_thread=True)
    def create_risk(
        self, request: AnyRequest, actor: Actor, db_session: Session, person_id: int, data: FormData
    ) -> Response[Any]:
        """Add a risk (and its first action); on a problem show the form again with each field's message."""
        ctx = services.form_context(db_session, actor, person_id)
        parsed, errors = _parse(RISK, data)
        if parsed is not None:
            try:
                risk = services.add_risk(db_session, actor, person_id, parsed)
            except ValidationFailedError as exc:
                errors = exc.errors
            else:
                return redirect(request, f"/people/{person_id}/risks/{risk.id}")
        return _form_page(
            request,
            RISK,
            ctx,
            clean_form(data),
            errors,
            action=f"/people/{person_id}/risks",
            back=_back(ctx),
            status_code=422,
        )

    @get("/{risk_id:int}", name="risk-detail", sync_to_thread=True)
    def risk_detail(
        self, request: AnyRequest, actor: Actor, db_session: Session, person_id: int, risk_id: int
    ) -> Template:
        """One risk: ratings before and after mitigation, actions, and its history from the audit trail."""
        risk = services.risk_detail(db_session, actor, person_id, risk_id)
        history = services.risk_history(db_session, actor, person_id, risk_id)
        ctx = services.person_header(db_session, actor, person_id)
        context = _page_context(
            person_id,
            ctx.person_name,
            ctx.nhs_number,
            risk=risk,
            history=history,
            can_edit=services.can_edit(db_session, actor, person_id),
        )
        return render(request, "risk/risk.html", context)

    @get("/{risk_id:int}/review", name="risk-review-form", sync_to_thread=True)
    def review_form(
        self, request: AnyRequest, actor: Actor, db_session: Session, person_id: int, risk_id: int
    ) -> Template:
        """The form to review (re-rate) a risk, filled in with what it holds now."""
        ctx = services.form_context(db_session, actor, person_id)
        risk = services.risk_detail(db_session, actor, person_id, risk_id)
        form = {k: str(v) if isinstance(v, int) else v for k, v in risk.model_dump(mode="json").items()}
        form["reason"] = ""
        return _form_page(
            request,
            REVIEW,
            ctx,
            form,
            {},
            action=f"/people/{person_id}/risks/{risk_id}/review",
            back=f"/people/{person_id}/risks/{risk_id}",
            title=f"Review '{risk.title}'",
        )

    @post("/{risk_id:int}/review", name="risk-review", sync_to_thread=True)
    def review(
        self, request: AnyRequest, actor: Actor, db_session: Session, person_id: int, risk_id: int, data: FormData
    ) -> Response[Any]:
        """Save a review; if someone else reviewed the risk first, show what they saved and keep this user's input."""
        ctx = services.form_context(db_session, actor, person_id)
        risk = services.risk_detail(db_session, actor, person_id, risk_id)
        parsed, errors = _parse(REVIEW, data)
        conflict: ConflictError | None = None
        if parsed is not None:
            try:
                services.review_risk(db_session, actor, person_id, risk_id, parsed)
            except ValidationFailedError as exc:
                errors = exc.errors
            except ConflictError as exc:
                conflict = exc
                errors = {"version": str(exc)}
            else:
                return redirect(request, f"/people/{person_id}/risks/{risk_id}")
        form = clean_form(data)
        if conflict is not None:
            form["version"] = risk.version  # saving again means "I have seen their version"
        return _form_page(
            request,
            REVIEW,
            ctx,
            form,
            errors,
            action=f"/people/{person_id}/risks/{risk_id}/review",
            back=f"/people/{person_id}/risks/{risk_id}",
            status_code=409 if conflict else 422,
            title=f"Review '{risk.title}'",
            conflict=conflict,
        )

    @get("/{risk_id:int}/actions/new", name="risk-action-new", sync_to_thread=True)
    def new_action(
        self, request: AnyRequest, actor: Actor, db_session: Session, person_id: int, risk_id: int
    ) -> Template:
        """The form to agree another action about a risk."""
        ctx = services.form_context(db_session, actor, person_id)
        risk = services.risk_detail(db_session, actor, person_id, risk_id)
        return _form_page(
            request,
            ACTION,
            ctx,
            {},
            {},
            action=f"/people/{person_id}/risks/{risk_id}/actions",
            back=f"/people/{person_id}/risks/{risk_id}",
            title=f"Agree an action about '{risk.title}'",
        )

    @post("/{risk_id:int}/actions", name="risk-action-create", sync_to_thread=True)
    def create_action(
        self, request: AnyRequest, actor: Actor, db_session: Session, person_id: int, risk_id: int, data: FormData
    ) -> Response[Any]:
        """Save an agreed action."""
        ctx = services.form_context(db_session, actor, person_id)
        parsed, errors = _parse(ACTION, data)
        if parsed is not None:
            services.add_action(db_session, actor, person_id, risk_id, parsed)
            return redirect(request, f"/people/{person_id}/risks/{risk_id}")
        return _form_page(
            request,
            ACTION,
            ctx,
            clean_form(data),
            errors,
            action=f"/people/{person_id}/risks/{risk_id}/actions",
            back=f"/people/{person_id}/risks/{risk_id}",
            status_code=422,
        )

    @post("/{risk_id:int}/actions/{action_id:int}/done", name="risk-action-done", sync_to_thread=True)
    def action_done(
        self, request: AnyRequest, actor: Actor, db_session: Session, person_id: int, risk_id: int, action_id: int
    ) -> Response[Any]:
        """Mark an agreed action done today."""
        services.complete_action(db_session, actor, person_id, action_id)
        return redirect(request, f"/people/{person_id}/risks/{risk_id}")

    @get("/discussions/{discussion_id:int}", name="risk-discussion", sync_to_thread=True)
    def discussion(
        self, request: AnyRequest, actor: Actor, db_session: Session, person_id: int, discussion_id: int
    ) -> Template:
        """A risk discussion: the person's words, the benefits, who took part, and the risks registered from it."""
        record, risks = services.discussion_detail(db_session, actor, person_id, discussion_id)
        header = services.person_header(db_session, actor, person_id)
        context = _page_context(
            person_id,
            header.person_name,
            header.nhs_number,
            d=record,
            risks=risks,
            can_edit=services.can_edit(db_session, actor, person_id),
        )
        return render(request, "risk/discussion.html", context)

    @get("/contingency-plans/card", name="risk-contingency-card", sync_to_thread=True)
    def contingency_card(self, request: AnyRequest, actor: Actor, db_session: Session, person_id: int) -> Template:
        """The contingency plans as a one-page card to print and keep at home."""
        card = services.contingency_card(db_session, actor, person_id)
        context = _page_context(person_id, card.person_name, card.nhs_number, card=card)
        return render(request, "risk/card.html", context)


ROUTES: list[type[Controller]] = [RiskController, *(_form_controller(spec) for spec in SIMPLE_FORMS)]
