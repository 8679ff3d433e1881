"""Builders for spending records, straight through the models (the services are what the tests exercise)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from phb.money import gbp
from phb.spending.models import DirectPaymentAccount, Finding

SAMPLES = Path(__file__).resolve().parent.parent / "phb" / "spending" / "samples"


def make_account(db: Session, person_id: int, **overrides: Any) -> DirectPaymentAccount:
    values: dict[str, Any] = {
        "kind": "bank_account",
        "name": "Direct payment account",
        "provider": "Barclays",
        "reference": "6789",
        "opened_on": dt.date(2026, 9, 30),
        "opening_balance": gbp("1000.00"),
        "surplus_threshold_weeks": 8,
        "default_profile": "generic",
    }
    account = DirectPaymentAccount(person_id=person_id, **(values | overrides))
    db.add(account)
    db.flush()
    return account


def make_finding(db: Session, account: DirectPaymentAccount, **overrides: Any) -> Finding:
    """An open exclusion finding on ``account``, raised today (UTC, the queue's business date), due in 14 days."""
    today = dt.datetime.now(dt.UTC).date()
    values: dict[str, Any] = {
        "kind": "exclusion",
        "category": "gambling",
        "payee": "BET365",
        "reason": "MCC 7995 betting",
        "amount": gbp("20.00"),
        "raised_on": today,
        "due_on": today + dt.timedelta(days=14),
    }
    finding = Finding(person_id=account.person_id, account_id=account.id, **(values | overrides))
    db.add(finding)
    db.flush()
    return finding


def statement(*lines: str, header: str = "date,description,amount,mcc,balance") -> bytes:
    """A generic-layout CSV from its lines."""
    return ("\n".join([header, *lines]) + "\n").encode()
