"""Pure rules about people: NHS numbers, legal bases, contact and format choices."""

from __future__ import annotations

import re
from enum import StrEnum

from nhs_number import is_valid as nhs_number_is_valid  # type: ignore[attr-defined]


class NhsNumberError(ValueError):
    """An NHS number that is not valid, with the reason in words."""


def normalise_nhs_number(raw: str) -> str:
    """The ten digits of an NHS number written with or without spaces or dashes, validated.

    The check digit test is the ``nhs-number`` package's; we only add the reason a person can act on.
    """
    digits = re.sub(r"[\s-]", "", raw or "")
    if not digits:
        raise NhsNumberError("Enter an NHS number")
    if not digits.isdigit():
        raise NhsNumberError("NHS number must contain only digits, spaces or dashes")
    if len(digits) != 10:  # noqa: PLR2004
        raise NhsNumberError(f"NHS number must be 10 digits; this has {len(digits)}")
    if not nhs_number_is_valid(digits):
        raise NhsNumberError("NHS number is not valid: the last digit (the check digit) does not match the first nine")
    return digits


def format_nhs_number(digits: str) -> str:
    """'943 476 5919': the 3-3-4 grouping people read NHS numbers in."""
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


class SupporterKind(StrEnum):
    """Who acts for a person: a representative decides for someone lacking capacity; a nominee manages the money."""

    REPRESENTATIVE = "representative"
    NOMINEE = "nominee"


class LegalBasis(StrEnum):
    """Why a representative or nominee may act."""

    LPA_HEALTH_AND_WELFARE = "lpa_health_and_welfare"
    LPA_PROPERTY_AND_FINANCIAL = "lpa_property_and_financial"
    COURT_APPOINTED_DEPUTY = "court_appointed_deputy"
    NOMINATED_BY_PERSON = "nominated_by_person"

    @property
    def label(self) -> str:
        """Words for pages and notices."""
        return {
            LegalBasis.LPA_HEALTH_AND_WELFARE: "Lasting power of attorney (health and welfare)",
            LegalBasis.LPA_PROPERTY_AND_FINANCIAL: "Lasting power of attorney (property and financial affairs)",
            LegalBasis.COURT_APPOINTED_DEPUTY: "Deputy appointed by the Court of Protection",
            LegalBasis.NOMINATED_BY_PERSON: "Nominated by the person",
        }[self]


class ContactMethod(StrEnum):
    """How the person prefers to be contacted."""

    EMAIL = "email"
    PHONE = "phone"
    LETTER = "letter"
    TEXT_MESSAGE = "text_message"


class AccessibleFormat(StrEnum):
    """The format the person needs information in (Accessible Information Standard)."""

    STANDARD = "standard"
    LARGE_PRINT = "large_print"
    EASY_READ = "easy_read"
    BRAILLE = "braille"
    AUDIO = "audio"
    BSL = "bsl"
    OTHER = "other"


LABELS: dict[str, str] = {
    "email": "Email",
    "phone": "Phone",
    "letter": "Letter",
    "text_message": "Text message",
    "standard": "Standard print",
    "large_print": "Large print",
    "easy_read": "Easy read",
    "braille": "Braille",
    "audio": "Audio",
    "bsl": "British Sign Language",
    "other": "Other (see notes)",
    "representative": "Representative",
    "nominee": "Nominee",
}
