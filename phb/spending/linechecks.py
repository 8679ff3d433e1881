"""What the importer checks on every statement line, a batch of lines at a time.

* :class:`Checker`: the exclusion rules and the account's connected people, giving each line its payee and, for
  a debit that matches, its flag. Results are cached by description (store numbers and dates masked) and MCC, so
  a million lines need a few hundred rule checks.
* :class:`Reconciler`: the file is in date order (oldest or newest first), and each balance follows from the one
  before. Whole columns are compared at once; a batch where something does not follow is gone through line by
  line, so each mismatch is reported with its line numbers.
"""

from __future__ import annotations

import decimal
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import chain, compress, repeat
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from phb.money import from_pence
from phb.spending.batches import Batch
from phb.spending.exceptions import MalformedStatement
from phb.spending.models import ConnectedPerson
from phb.spending.rules import RuleSet, StatementLine, check_line, normalise_descriptor
from phb.spending.statements import ParsedLine

MAX_NOTES = 20
Flag = tuple[str, str, str, str]  # category, reason, rule id, rules version
_CACHE_LIMIT = 200_000
_DEBIT = decimal.Decimal(-1)
# Store numbers (4+ digits), dates (03-01, 3/1/26) and date codes (12MAR26): what varies line by line in a payee's
# descriptions. The same as r"\d{4,}|\b\d{1,2}[-/.]\d{1,2}(?:[-/.]\d{2,4})?\b|\b\d{2}[A-Z]{3}\d{2}\b" (a test
# proves it), factored to start with one \d so the engine rejects most positions at once: 2.5x faster.
_PAYEE: Callable[[tuple[str, Flag | None]], str] = operator.itemgetter(0)
_FLAG: Callable[[tuple[str, Flag | None]], Flag | None] = operator.itemgetter(1)
VARYING = re.compile(r"\d(?:\d{3,}|(?<!\w\d)\d?[-/.]\d{1,2}(?:[-/.]\d{2,4})?\b|(?<!\w\d)\d[A-Z]{3}\d{2}\b)")


def _masked(descriptions: Sequence[str]) -> list[str]:
    """``VARYING.sub("#", d)`` of each description, by one substitution over them all joined by NUL.

    NUL is neither a word character, a digit nor a separator the pattern knows, so no match can start, end or
    cross at a join: the result is the same as masking each description alone (a test holds them equal).
    """
    joined = _JOIN.join(descriptions)
    if joined.count(_JOIN) != len(descriptions) - 1:  # a description holding a NUL itself
        return list(map(VARYING.sub, repeat("#"), descriptions))
    return VARYING.sub("#", joined).split(_JOIN) if descriptions else []


_JOIN = "\x00"


@dataclass(frozen=True)
class _Payee:
    pattern: re.Pattern[str]
    rule_id: str
    reason: str | None  # None: the plan records an agreement, so payments to them are allowed


def connected_payees(session: Session, account_id: int) -> list[_Payee]:
    """The account's connected people, as payee patterns (with the reason a payment to them is flagged)."""
    payees = []
    for person in session.scalars(select(ConnectedPerson).where(ConnectedPerson.account_id == account_id)):
        words = r"\s+".join(re.escape(w) for w in person.payee_pattern.upper().split())
        allowed = bool(person.agreement and person.agreed_on)
        reason = (
            None
            if allowed
            else f"payee matches connected person {person.name} ({person.relationship}, same household); "
            "the plan records no agreement allowing payments to them"
        )
        payees.append(_Payee(re.compile(rf"(?<!\w){words}(?!\w)"), f"connected-person-{person.id}", reason))
    return payees


class Checker:
    """Payee and flag of each line, cached by (masked description, MCC): statements repeat the same payees."""

    def __init__(self, rules: RuleSet, payees: list[_Payee]) -> None:
        self.rules = rules
        self.payees = payees
        self.cache: dict[tuple[str, str | None], tuple[str, Flag | None]] = {}

    def batch(self, batch: Batch) -> tuple[list[str], list[Flag | None], list[int]]:
        """Every line's payee and flag-if-a-debit, and the indexes of the flagged debits (credits never are)."""
        # Store numbers and dates vary line by line but never change a flag (the descriptor normalisation drops
        # them too), so they are masked in the cache key: a statement has a few hundred distinct keys at most.
        keys = list(zip(_masked(batch.descriptions), batch.mccs, strict=True))
        cache = self.cache
        found = list(map(cache.get, keys))
        if None in found:
            for i, hit in enumerate(found):
                if hit is None:
                    found[i] = cache.get(keys[i]) or self._remember(keys[i], batch.line(i))
        hits = cast("list[tuple[str, Flag | None]]", found)
        flags = list(map(_FLAG, hits))
        amounts = batch.amounts
        flagged = [i for i in compress(range(len(flags)), flags) if amounts[i] < 0]
        return list(map(_PAYEE, hits)), flags, flagged

    def _remember(self, key: tuple[str, str | None], line: ParsedLine) -> tuple[str, Flag | None]:
        if len(self.cache) >= _CACHE_LIMIT:
            self.cache.clear()
        found = self.cache[key] = self._check(line)
        return found

    def _check(self, line: ParsedLine) -> tuple[str, Flag | None]:
        payee = normalise_descriptor(line.description).payee[:300]
        probe = StatementLine(line.posted_on, line.description, _DEBIT, line.mcc)  # flags depend on sign only
        found = check_line(probe, self.rules)
        if found is not None:
            return payee, (found.category, found.reason, found.rule_id, found.rule_version)
        text = normalise_descriptor(line.description).match_text
        for connected in self.payees:
            if connected.pattern.search(text):
                if connected.reason is None:
                    return payee, None
                return payee, ("connected_person", connected.reason, connected.rule_id, "account")
        return payee, None


class Reconciler:
    """Checks the file's date order and that each balance follows from the one before."""

    def __init__(self) -> None:
        self.direction = 0  # 1 oldest first, -1 newest first, 0 not known yet
        self.previous: ParsedLine | None = None  # the last line of the batch before
        self.mismatches = 0
        self.notes: list[str] = []
        self.seen_balance = False
        self.first_balance: int | None = None
        self.last_balance: int | None = None
        self.total = 0  # pence: the sum of every line's amount

    def batch(self, batch: Batch) -> None:
        """Check the next batch of lines (raises ``MalformedStatement`` for a date out of order)."""
        known_from = self._order(batch)
        balances = batch.balances
        if balances.count(None) != len(balances):
            self.seen_balance = True
            if self.first_balance is None:
                self.first_balance = next(b for b in balances if b is not None)
            self.last_balance = next(b for b in reversed(balances) if b is not None)
            if not self._all_follow(batch):
                self._line_by_line(batch, known_from)
        self.total += sum(batch.amounts)
        self.previous = batch.line(len(balances) - 1)

    def _order(self, batch: Batch) -> int:
        """Learn or check the date order at each change of day; the index from which the order is known."""
        dates, previous = batch.dates, self.previous
        changes = list(compress(range(1, len(dates)), map(operator.ne, dates[1:], dates)))
        if previous is not None and dates[0] != previous.posted_on:
            changes.insert(0, 0)
        known_from = 0 if self.direction else len(dates)
        for i in changes:
            step = 1 if dates[i] > (dates[i - 1] if i else previous.posted_on) else -1  # type: ignore[union-attr]
            if self.direction == 0:
                self.direction, known_from = step, i
            elif step != self.direction:
                raise MalformedStatement(
                    batch.line_numbers[i],
                    f"date {dates[i]:%d/%m/%Y} is out of order: the statement must be sorted by date "
                    "(oldest or newest first)",
                )
        return known_from

    def _all_follow(self, batch: Batch) -> bool:
        """Every balance follows from the one before in the file's order (whole columns compared at once)."""
        balances, amounts, previous = batch.balances, batch.amounts, self.previous
        before: Iterable[int | None]
        before_amounts: Iterable[int]
        if None in balances:
            return False
        if previous is None or previous.balance_pence is None:  # the first line has nothing to follow from
            before, before_amounts, balances, amounts = balances, amounts, balances[1:], amounts[1:]
        else:
            before = chain((previous.balance_pence,), balances)
            before_amounts = chain((previous.amount_pence,), amounts)
        if self.direction >= 0 and all(map(operator.eq, map(operator.add, before, amounts), balances)):
            return True
        if self.direction > 0:
            return False
        if previous is None or previous.balance_pence is None:
            before = batch.balances
        else:
            before = chain((previous.balance_pence,), batch.balances)
        return all(map(operator.eq, map(operator.add, balances, before_amounts), before))

    def _line_by_line(self, batch: Batch, known_from: int) -> None:
        """Each line against the one before, with the order known at that line: notes name the lines."""
        previous = self.previous
        direction = self.direction
        for i in range(len(batch.amounts)):
            line = batch.line(i)
            self._follows(previous, line, direction if i >= known_from else 0)
            previous = line

    def _follows(self, previous: ParsedLine | None, line: ParsedLine, direction: int) -> None:
        if line.balance_pence is None or previous is None or previous.balance_pence is None:
            return
        oldest_first = previous.balance_pence + line.amount_pence == line.balance_pence
        newest_first = line.balance_pence + previous.amount_pence == previous.balance_pence
        ok = {1: oldest_first, -1: newest_first}.get(direction, oldest_first or newest_first)
        if not ok:
            self.mismatches += 1
            if len(self.notes) < MAX_NOTES:
                expected = line.balance_pence - line.amount_pence if direction >= 0 else previous.balance_pence
                self.notes.append(
                    f"line {line.line_number}: balance {from_pence(line.balance_pence).amount} does not follow from "
                    f"line {previous.line_number} (balance {from_pence(previous.balance_pence).amount}, "
                    f"expected a balance before this line of {from_pence(expected).amount})"
                )

    @property
    def closing_balance(self) -> int | None:
        """The balance after the latest line of the statement."""
        return self.first_balance if self.direction < 0 else self.last_balance
