"""Roles and the password policy: pure rules, no database."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Roles from DOMAIN.md section 1. A user may hold several."""

    NURSE_ASSESSOR = "nurse_assessor"
    CASE_MANAGER = "case_manager"
    CARE_COORDINATOR = "care_coordinator"
    CHC_SERVICE_MANAGER = "chc_service_manager"
    PEER_REVIEWER = "peer_reviewer"
    SPECIALIST_HCP = "specialist_hcp"
    CLINICAL_DIRECTOR = "clinical_director"
    DIRECT_PAYMENTS_OFFICER = "direct_payments_officer"
    CHC_COMMISSIONER = "chc_commissioner"
    PANEL_CHAIR = "panel_chair"
    PANEL_MEMBER = "panel_member"
    ADMINISTRATOR = "administrator"
    PERSON = "person"  # the budget holder's own account
    REPRESENTATIVE = "representative"  # acts for one or more people

    @property
    def label(self) -> str:
        """Human-readable name, as CHC teams say it."""
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.NURSE_ASSESSOR: "Nurse assessor",
    Role.CASE_MANAGER: "Case manager",
    Role.CARE_COORDINATOR: "Care coordinator",
    Role.CHC_SERVICE_MANAGER: "CHC service manager",
    Role.PEER_REVIEWER: "Peer reviewer",
    Role.SPECIALIST_HCP: "Specialist health care professional",
    Role.CLINICAL_DIRECTOR: "Clinical director",
    Role.DIRECT_PAYMENTS_OFFICER: "Direct payments officer",
    Role.CHC_COMMISSIONER: "CHC commissioner",
    Role.PANEL_CHAIR: "Risk enablement panel chair",
    Role.PANEL_MEMBER: "Risk enablement panel member",
    Role.ADMINISTRATOR: "Administrator",
    Role.PERSON: "Budget holder",
    Role.REPRESENTATIVE: "Representative",
}

PORTAL_ROLES = frozenset({Role.PERSON, Role.REPRESENTATIVE})

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128


def password_problems(password: str, *, username: str) -> list[str]:
    """Reasons a new password is not acceptable (ASVS V2.1: length over complexity rules)."""
    problems: list[str] = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"Password must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"Password must be at most {MAX_PASSWORD_LENGTH} characters")
    if username and username.lower() in password.lower():
        problems.append("Password must not contain your username")
    if password and len(set(password)) < 4:  # noqa: PLR2004 - 'aaaaaaaaaaaa' style passwords
        problems.append("Password must not be one character repeated")
    return problems
