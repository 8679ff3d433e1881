"""Exact pounds and pence.

Every amount in phb is a ``moneyed.Money`` in GBP whose amount has at most two decimal places. Nothing is
ever rounded silently: an amount with fractions of a penny is an error at the edge (a form, a file, a
column), and splitting money (payment schedules, pro rata) goes through :func:`allocate`, which hands the
odd pennies out explicitly so the parts always add up to the whole. py-moneyed has no allocation and its
sub-unit conversion truncates, which is why this module exists.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

from moneyed import Money

GBP = "GBP"
PENNY = Decimal("0.01")
# Far above any budget, far below what a BIGINT of pence holds (about £92 trillion) and Decimal's 28 digits.
LARGEST = Decimal("1000000000000.00")


class MoneyError(ValueError):
    """An amount that is not an exact sum in pounds and pence."""


def gbp(value: str | int | Decimal) -> Money:
    """Make exact GBP money from a string, integer pounds or a Decimal; reject floats and sub-penny amounts.

    >>> gbp("13.50")
    Money('13.50', 'GBP')
    """
    if isinstance(value, float):  # floats cannot hold pence exactly
        raise MoneyError("amounts must be given as text or Decimal, never as a binary float")
    try:
        amount = Decimal(str(value).strip().replace(",", "").removeprefix("£"))
    except InvalidOperation as exc:
        raise MoneyError(f"'{value}' is not an amount of money") from exc
    if not amount.is_finite():
        raise MoneyError(f"'{value}' is not an amount of money")
    if abs(amount) > LARGEST:
        raise MoneyError(f"{value} is too large: amounts are at most £{LARGEST:,.2f}")
    if amount != amount.quantize(PENNY):
        raise MoneyError(f"{value} has more than two decimal places: amounts are in pounds and pence")
    return Money(amount.quantize(PENNY), GBP)


def to_pence(money: Money) -> int:
    """Whole pence of a GBP amount; raises on another currency or a fraction of a penny."""
    if money.currency.code != GBP:
        raise MoneyError(f"only GBP is supported, not {money.currency.code}")
    pence = money.amount * 100
    if pence != pence.to_integral_value():
        raise MoneyError(f"{money.amount} has more than two decimal places: amounts are in pounds and pence")
    return int(pence)


def from_pence(pence: int) -> Money:
    """GBP money from whole pence."""
    return Money((Decimal(pence) / 100).quantize(PENNY), GBP)


ZERO = from_pence(0)


def total(amounts: Iterable[Money]) -> Money:
    """Sum of GBP amounts (``sum()`` would start from the integer 0)."""
    return from_pence(sum(to_pence(m) for m in amounts))


def allocate(whole: Money, weights: Sequence[int | Decimal]) -> list[Money]:
    """Split ``whole`` in proportion to ``weights`` so that the parts add up to it exactly.

    Each part first gets the whole pence of its exact share (rounded toward zero); the pennies left over go
    one each to the parts with the largest fractional remainder, earlier parts first on a tie. The result is
    deterministic, never loses or invents a penny, and each part differs from its exact share by less than
    one penny.
    """
    if not weights:
        raise MoneyError("cannot split money into no parts")
    if any(w < 0 for w in weights):
        raise MoneyError("weights must not be negative")
    weight_sum = sum(Decimal(w) for w in weights)
    if weight_sum == 0:
        raise MoneyError("weights must not all be zero")
    pence = to_pence(whole)
    sign = -1 if pence < 0 else 1
    magnitude = abs(pence)
    exact = [Decimal(magnitude) * Decimal(w) / weight_sum for w in weights]
    floors = [int(share) for share in exact]
    leftover = magnitude - sum(floors)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in by_remainder[:leftover]:
        floors[i] += 1
    return [from_pence(sign * p) for p in floors]


def format_gbp(money: Money | None) -> str:
    """'£1,234.56', with a real minus sign for negative amounts; an empty string for ``None``."""
    if money is None:
        return ""
    amount = money.amount.quantize(PENNY)
    text = f"£{abs(amount):,.2f}"
    return f"−{text}" if amount < 0 else text
