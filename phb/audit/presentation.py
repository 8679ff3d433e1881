"""Audit events in words a person reads on a record's history panel."""

from __future__ import annotations

from typing import Any

ENTITY_NAMES = {
    "people": "personal details",
    "caseload_assignments": "caseload",
    "supporters": "representative or nominee",
    "users": "account",
}
HIDDEN_FIELDS = {"id", "version", "person_id", "created_at"}
VERBS = {"created": "added", "updated": "changed", "deleted": "removed"}


def _words(name: str) -> str:
    return name.replace("_", " ")


def describe(action: str, entity_type: str, after: dict[str, Any] | None) -> str:
    """'personal details changed: phone, email' rather than 'people.updated'."""
    thing = ENTITY_NAMES.get(entity_type, _words(entity_type))
    kind = action.rsplit(".", 1)[-1]
    verb = VERBS.get(kind)
    if verb is None:
        return _words(action).replace(".", " ")
    text = f"{thing[:1].upper()}{thing[1:]} {verb}"
    if kind == "updated" and after:
        fields = [_words(k) for k in after if k not in HIDDEN_FIELDS]
        if fields:
            text += ": " + ", ".join(fields)
    return text
