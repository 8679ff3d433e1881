import pytest

from phb.people.rules import NhsNumberError, format_nhs_number, normalise_nhs_number


def test_valid_number_with_spaces_is_normalised():
    assert normalise_nhs_number("943 476 5919") == "9434765919"
    assert format_nhs_number("9434765919") == "943 476 5919"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "Enter an NHS number"),
        ("943-476-591", "must be 10 digits; this has 9"),
        ("94347659AB", "only digits"),
        ("9434765918", "check digit"),
    ],
)
def test_invalid_numbers_name_the_reason(raw, reason):
    with pytest.raises(NhsNumberError, match=reason):
        normalise_nhs_number(raw)
