"""Pure access decisions. Given who is acting and how they relate to a person, may they do this?

Two kinds of refusal matter: a user who may not even know the record exists (they get "not found", because
being a CHC patient is itself private) and a user who may see the record but not do this to it ("forbidden").

Everything about a person is read under ``PERSON_READ``. Changes are decided by one table,
:data:`CHANGE_RULES`: for each permission, the roles that may use it for people on their own caseload and the
roles that may use it for anyone they can see. A domain adds its permission and one row; no new code paths.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from phb.accounts.rules import Role


class Permission(StrEnum):
    """Things a user may do."""

    PERSON_READ = "person.read"
    PERSON_CREATE = "person.create"
    PERSON_UPDATE = "person.update"
    CASELOAD_ASSIGN = "caseload.assign"
    BUDGET_EDIT = "budget.edit"  # assessments, indicative budgets, budget sheets
    RISK_EDIT = "risk.edit"  # risk discussions, register, contingency plans, capacity, safeguarding
    PLAN_EDIT = "plan.edit"  # the care and support plan, reviews
    SPENDING_AUDIT = "spending.audit"  # direct-payment accounts, statements, findings
    DECISION_REQUEST = "decision.request"  # raise a governance decision request about a person
    APPEAL_LODGE = "appeal.lodge"
    USER_ADMIN = "user.admin"
    CONFIG_ADMIN = "config.admin"  # rate card, governance framework, exclusion rules


@dataclass(frozen=True)
class Actor:
    """The logged-in user as the policy sees them."""

    user_id: int
    username: str
    display_name: str
    roles: frozenset[Role]
    person_id: int | None = None  # their own record, for a budget holder's account
    represents: frozenset[int] = field(default_factory=frozenset)  # people a representative acts for

    @property
    def is_staff(self) -> bool:
        """Holds at least one staff role."""
        return any(role not in {Role.PERSON, Role.REPRESENTATIVE} for role in self.roles)

    def has_any(self, *roles: Role) -> bool:
        """Holds at least one of ``roles``."""
        return not self.roles.isdisjoint(roles)


# Roles whose work spans the whole organisation rather than a caseload.
ORG_WIDE_READERS = frozenset(
    {
        Role.CHC_SERVICE_MANAGER,
        Role.PEER_REVIEWER,
        Role.SPECIALIST_HCP,
        Role.CLINICAL_DIRECTOR,
        Role.DIRECT_PAYMENTS_OFFICER,
        Role.CHC_COMMISSIONER,
    }
)
CASELOAD_ROLES = frozenset({Role.CASE_MANAGER, Role.NURSE_ASSESSOR, Role.CARE_COORDINATOR})
PORTAL = frozenset({Role.PERSON, Role.REPRESENTATIVE})
CLINICAL_LEADS = frozenset({Role.SPECIALIST_HCP, Role.CLINICAL_DIRECTOR})

# permission: (roles allowed for people on their caseload, roles allowed for anyone they may see)
CHANGE_RULES: dict[Permission, tuple[frozenset[Role], frozenset[Role]]] = {
    Permission.PERSON_UPDATE: (CASELOAD_ROLES, frozenset({Role.CHC_SERVICE_MANAGER})),
    Permission.CASELOAD_ASSIGN: (frozenset(), frozenset({Role.CHC_SERVICE_MANAGER})),
    Permission.BUDGET_EDIT: (CASELOAD_ROLES, frozenset({Role.CHC_SERVICE_MANAGER})),
    Permission.RISK_EDIT: (CASELOAD_ROLES, frozenset({Role.CHC_SERVICE_MANAGER}) | CLINICAL_LEADS),
    Permission.PLAN_EDIT: (CASELOAD_ROLES, frozenset({Role.CHC_SERVICE_MANAGER})),
    Permission.SPENDING_AUDIT: (frozenset(), frozenset({Role.DIRECT_PAYMENTS_OFFICER, Role.CHC_SERVICE_MANAGER})),
    Permission.DECISION_REQUEST: (
        CASELOAD_ROLES,
        frozenset({Role.CHC_SERVICE_MANAGER, Role.DIRECT_PAYMENTS_OFFICER}) | CLINICAL_LEADS,
    ),
    Permission.APPEAL_LODGE: (CASELOAD_ROLES, frozenset({Role.CHC_SERVICE_MANAGER}) | PORTAL),
}


@dataclass(frozen=True)
class Relationship:
    """How the actor stands to one person."""

    on_caseload: bool = False  # an active caseload assignment, or the named care coordinator
    is_self: bool = False
    represents: bool = False


@dataclass(frozen=True)
class Decision:
    """Allowed or not, and why in words; ``hide`` means answer as if the record did not exist."""

    allowed: bool
    reason: str
    hide: bool = False


def can_see_person(actor: Actor, rel: Relationship) -> Decision:
    """May the actor know this person's record exists and read it?"""
    if rel.is_self:
        return Decision(allowed=True, reason="their own record")
    if rel.represents:
        return Decision(allowed=True, reason="they act for this person")
    if actor.has_any(*ORG_WIDE_READERS):
        return Decision(allowed=True, reason="their role covers the whole organisation")
    if rel.on_caseload and actor.has_any(*CASELOAD_ROLES):
        return Decision(allowed=True, reason="the person is on their caseload")
    return Decision(allowed=False, reason="the person is not on their caseload", hide=True)


def _may_change(actor: Actor, permission: Permission, rel: Relationship) -> Decision:
    on_caseload_roles, anyone_roles = CHANGE_RULES[permission]
    if actor.has_any(*anyone_roles):
        return Decision(allowed=True, reason="their role allows it for anyone")
    own_record = (rel.is_self or rel.represents) and actor.has_any(*PORTAL)
    if (rel.on_caseload or own_record) and actor.has_any(*on_caseload_roles):
        return Decision(allowed=True, reason="the person is on their caseload or it is their own record")
    return Decision(allowed=False, reason=f"their role does not allow '{permission}' here")


def decide(actor: Actor, permission: Permission, rel: Relationship | None = None) -> Decision:
    """The single answer to "may this actor do this?", about one person or (``rel`` None) in general."""
    if permission in {Permission.USER_ADMIN, Permission.CONFIG_ADMIN}:
        ok = actor.has_any(Role.ADMINISTRATOR)
        return Decision(allowed=ok, reason="administrator" if ok else "only administrators may do this")
    if permission is Permission.PERSON_CREATE:
        ok = actor.has_any(Role.CASE_MANAGER, Role.NURSE_ASSESSOR, Role.CHC_SERVICE_MANAGER)
        return Decision(allowed=ok, reason="case managers, nurse assessors and service managers add people")
    if rel is None:
        return Decision(allowed=False, reason=f"'{permission}' is about a person", hide=True)
    seen = can_see_person(actor, rel)
    if not seen.allowed or permission is Permission.PERSON_READ:
        return seen
    if permission in CHANGE_RULES:
        return _may_change(actor, permission, rel)
    return Decision(allowed=False, reason=f"no rule allows '{permission}'")
