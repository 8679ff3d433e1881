"""Hashing of audit events: pure functions, shared by writing and verifying."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from moneyed import Money


def jsonable(value: Any) -> Any:  # noqa: ANN401 - any column value
    """A JSON-safe, float-free representation of a column value for the audit trail."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Money):
        return f"{value.amount:.2f} {value.currency.code}"
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return str(value)


def event_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    """SHA-256 of the previous hash and the canonical JSON of the event's fields."""
    canonical = json.dumps(jsonable(fields), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


HASHED_FIELDS = (
    "occurred_at",
    "actor_user_id",
    "actor_label",
    "actor_roles",
    "action",
    "entity_type",
    "entity_id",
    "person_id",
    "before",
    "after",
    "reason",
    "request_id",
)
