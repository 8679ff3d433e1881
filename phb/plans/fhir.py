"""The plan as a FHIR R4 CarePlan, so other NHS systems can take it in.

Outcomes become contained ``Goal`` resources (the person's words in ``description.text``); actions become
``activity.detail`` entries with their owner as performer, their date as the end of the scheduled period and a
reference to the goal they serve. The resource is built and validated with ``fhir.resources`` (its R4B models:
CarePlan and Goal are unchanged between R4 4.0.1 and R4B), and every goal reference is checked to resolve.
"""

from __future__ import annotations

import html
import json
from typing import Any

from fhir.resources.R4B.careplan import CarePlan

from phb.plans.rules import SNOMED_PLAN_AGREED, SNOMED_PLAN_AGREED_DISPLAY, Progress, Stage
from phb.plans.schemas import PlanRead

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
PLAN_ID_SYSTEM = "urn:phb:care-and-support-plan"
ACHIEVEMENT_SYSTEM = "http://terminology.hl7.org/CodeSystem/goal-achievement"
ACHIEVEMENT = {
    Progress.ACHIEVED: ("achieved", "Achieved"),
    Progress.PARTLY: ("improving", "Improving"),
    Progress.NOT_YET: ("in-progress", "In Progress"),
}


class FhirExportError(ValueError):
    """The plan could not be expressed as a valid CarePlan."""


def _status(plan: PlanRead) -> str:
    if plan.closed_on is not None:
        return "completed"
    if plan.first_agreed_on is not None and plan.version.stage in {Stage.MAKE_IT_HAPPEN, Stage.REVIEW}:
        return "active"
    return "draft"


def _narrative(plan: PlanRead) -> str:
    version = plan.version
    parts = [f"<h1>Personalised care and support plan: {html.escape(plan.person_name)}</h1>"]
    for title, text in (
        ("What people appreciate about me", version.appreciate_about_me),
        ("What is important to me", version.important_to_me),
        ("How best to support me", version.how_to_support_me),
        ("My health", version.health_summary),
    ):
        if text:
            parts.append(f"<h2>{html.escape(title)}</h2><p>{html.escape(text)}</p>")
    if version.outcomes:
        items = "".join(f"<li>{html.escape(o.text)}</li>" for o in version.outcomes)
        parts.append(f"<h2>My outcomes</h2><ul>{items}</ul>")
    return f'<div xmlns="http://www.w3.org/1999/xhtml">{"".join(parts)}</div>'


def _goal(plan: PlanRead, subject: dict[str, Any], outcome_ref: int) -> dict[str, Any]:
    outcome = next(o for o in plan.version.outcomes if o.ref == outcome_ref)
    goal: dict[str, Any] = {
        "resourceType": "Goal",
        "id": f"outcome-{outcome.ref}",
        "lifecycleStatus": "completed" if outcome.progress is Progress.ACHIEVED else "active",
        "description": {"text": outcome.text},
        "subject": subject,
        "expressedBy": {"display": outcome.written_by},
        "note": [{"text": f"In the person's own words, written by {outcome.written_by} with the person involved."}],
    }
    if outcome.progress in ACHIEVEMENT:
        code, display = ACHIEVEMENT[outcome.progress]
        goal["achievementStatus"] = {"coding": [{"system": ACHIEVEMENT_SYSTEM, "code": code, "display": display}]}
    return goal


def care_plan_json(plan: PlanRead) -> dict[str, Any]:
    """The plan as a validated FHIR CarePlan, in JSON form."""
    version = plan.version
    subject = {
        "identifier": {"system": NHS_NUMBER_SYSTEM, "value": plan.nhs_number},
        "display": plan.person_name,
    }
    category: dict[str, Any] = {"text": "Personalised care and support plan"}
    if plan.first_agreed_on is not None:
        category["coding"] = [
            {"system": "http://snomed.info/sct", "code": SNOMED_PLAN_AGREED, "display": SNOMED_PLAN_AGREED_DISPLAY}
        ]
    notes = [
        {"text": f"{title}: {text}"}
        for title, text in (
            ("What people appreciate about me", version.appreciate_about_me),
            ("What is important to me", version.important_to_me),
            ("How best to support me", version.how_to_support_me),
            ("Brief health summary", version.health_summary),
            ("Aspirations", version.aspirations),
            ("Self-management", version.self_management),
            ("Contingency plan", version.contingency),
            ("Who monitors the health condition", version.health_monitor),
        )
        if text
    ]
    data: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": f"plan-{plan.id}",
        "meta": {"versionId": str(version.number), "lastUpdated": version.created_at.isoformat()},
        "text": {"status": "generated", "div": _narrative(plan)},
        "contained": [_goal(plan, subject, o.ref) for o in version.outcomes],
        "identifier": [{"system": PLAN_ID_SYSTEM, "value": str(plan.id)}],
        "status": _status(plan),
        "intent": "plan",
        "category": [category],
        "title": "Personalised care and support plan",
        "description": version.important_to_me or "Personalised care and support plan",
        "subject": subject,
        "created": version.created_at.isoformat(),
        "goal": [{"reference": f"#outcome-{o.ref}"} for o in version.outcomes],
        "activity": [
            {
                "detail": {
                    "kind": "Task",
                    "status": "scheduled" if _status(plan) == "active" else "not-started",
                    "description": action.description,
                    "scheduledPeriod": {"end": action.due_on.isoformat()},
                    "performer": [{"display": action.owner}],
                    "goal": [{"reference": f"#outcome-{action.outcome_ref}"}],
                }
            }
            for action in version.actions
        ],
        "note": notes,
    }
    if plan.first_agreed_on is not None:
        data["period"] = {"start": plan.first_agreed_on.isoformat()}
        if plan.closed_on is not None:
            data["period"]["end"] = plan.closed_on.isoformat()
    if version.care_coordinator:
        data["author"] = {"display": f"{version.care_coordinator} (care coordinator)"}
    if version.participants:
        data["contributor"] = [{"display": f"{p.name} ({p.role})" if p.role else p.name} for p in version.participants]
    for key in ("contained", "goal", "activity", "note"):
        if not data[key]:
            del data[key]
    return validate(data)


def validate(data: dict[str, Any]) -> dict[str, Any]:
    """Validate a CarePlan with ``fhir.resources`` and check its goal references; return it as FHIR JSON."""
    try:
        resource = CarePlan.model_validate(data)
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise FhirExportError(f"not a valid FHIR CarePlan: {exc}") from exc
    contained = {f"#{r.id}" for r in resource.contained or []}
    references = [g.reference for g in resource.goal or []] + [
        g.reference for a in resource.activity or [] if a.detail for g in a.detail.goal or []
    ]
    dangling = [ref for ref in references if ref not in contained]
    if dangling:
        raise FhirExportError(f"goal references with no contained Goal: {', '.join(map(str, dangling))}")
    result: dict[str, Any] = json.loads(resource.model_dump_json())
    return result
