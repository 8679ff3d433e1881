"""The importer caches exclusion checks by description with the parts that vary line by line masked.

The masking regular expression is written for speed; these tests hold it to the readable definition, because a
key that merged two descriptions the rules tell apart would give one of them the other's flag.
"""

import re

from hypothesis import given
from hypothesis import strategies as st

from phb.spending.linechecks import VARYING as _VARYING
from phb.spending.linechecks import _masked

READABLE = re.compile(r"\d{4,}|\b\d{1,2}[-/.]\d{1,2}(?:[-/.]\d{2,4})?\b|\b\d{2}[A-Z]{3}\d{2}\b")

statement_text = st.text(alphabet="0123456789-/. ABCMARZx", max_size=30)


@given(statement_text)
def test_the_fast_mask_masks_exactly_what_the_readable_one_does(description):
    assert _VARYING.sub("#", description) == READABLE.sub("#", description)


def test_store_numbers_and_dates_are_masked_but_short_numbers_in_payee_names_are_not():
    assert _VARYING.sub("#", "CARD PAYMENT TO SHELL 2681 ON 03-01") == "CARD PAYMENT TO SHELL # ON #"
    assert _VARYING.sub("#", "POS 12MAR26 BET365 NHS 111") == "POS # BET365 NHS 111"
    assert _VARYING.sub("#", "GP24 ON 24/7") == "GP24 ON #"


@given(st.lists(st.text(alphabet="0123456789-/. ABCMARZx\x00\n", max_size=20), max_size=8))
def test_masking_a_batch_at_once_masks_each_description_as_alone(descriptions):
    """The importer masks a batch's descriptions joined by NUL in one pass; a NUL in a description is allowed."""
    assert _masked(descriptions) == [READABLE.sub("#", d) for d in descriptions]
