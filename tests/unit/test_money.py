from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from moneyed import Money

from phb.money import MoneyError, allocate, format_gbp, from_pence, gbp, to_pence, total


def test_gbp_is_exact_to_the_penny():
    assert gbp("13.50") == Money(Decimal("13.50"), "GBP")
    assert gbp("£1,234.5") == Money(Decimal("1234.50"), "GBP")


@pytest.mark.parametrize("bad", ["1.005", "abc", "NaN", "Infinity", "-9406193236767489314890509850850.29"])
def test_gbp_rejects_fractions_of_a_penny_and_nonsense(bad):
    with pytest.raises(MoneyError):
        gbp(bad)


def test_gbp_rejects_binary_floats():
    with pytest.raises(MoneyError, match="never as a binary float"):
        gbp(0.1)  # type: ignore[arg-type]


def test_to_pence_refuses_other_currencies():
    with pytest.raises(MoneyError, match="only GBP"):
        to_pence(Money("10", "EUR"))


def test_format_uses_a_real_minus_sign():
    assert format_gbp(gbp("-12")) == "−£12.00"
    assert format_gbp(gbp("1234567.8")) == "£1,234,567.80"


def test_allocate_hands_out_odd_pennies_deterministically():
    assert allocate(gbp("100.00"), [1, 1, 1]) == [gbp("33.34"), gbp("33.33"), gbp("33.33")]
    assert allocate(gbp("-0.05"), [1, 1]) == [gbp("-0.03"), gbp("-0.02")]


@given(
    pence=st.integers(min_value=-(10**12), max_value=10**12),
    weights=st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=60).filter(any),
)
def test_allocate_parts_add_up_exactly_and_stay_within_a_penny(pence, weights):
    whole = from_pence(pence)
    parts = allocate(whole, weights)
    assert total(parts) == whole
    weight_sum = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        exact = Decimal(pence) * weight / weight_sum
        assert abs(Decimal(to_pence(part)) - exact) < 1
