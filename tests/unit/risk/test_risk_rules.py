"""The NHS 5 x 5 matrix, its bands exactly at each boundary, and the summary used for escalation."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phb.risk.rules import (
    POSSIBLE_RATINGS,
    Band,
    RiskFacts,
    RiskSummary,
    band_for,
    heat_map,
    is_overdue,
    rating,
    summarise,
)

scores = st.integers(min_value=1, max_value=5)
TODAY = dt.date(2026, 11, 23)


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (1, Band.LOW),
        (3, Band.LOW),  # top of low
        (4, Band.MODERATE),  # bottom of moderate
        (6, Band.MODERATE),  # top of moderate
        (8, Band.HIGH),  # bottom of high
        (12, Band.HIGH),  # top of high
        (15, Band.EXTREME),  # bottom of extreme
        (25, Band.EXTREME),
    ],
)
def test_band_exactly_at_each_boundary(value, band):
    assert band_for(value) is band


@pytest.mark.parametrize(
    ("likelihood", "impact", "expected"),
    [
        (1, 3, Band.LOW),
        (2, 2, Band.MODERATE),
        (2, 3, Band.MODERATE),
        (2, 4, Band.HIGH),
        (3, 4, Band.HIGH),
        (3, 5, Band.EXTREME),
    ],
)
def test_boundaries_reached_from_the_matrix(likelihood, impact, expected):
    assert band_for(rating(likelihood, impact)) is expected


@pytest.mark.parametrize("impossible", [0, 7, 11, 13, 14, 17, 24, 26])
def test_ratings_the_matrix_cannot_produce_are_refused(impossible):
    with pytest.raises(ValueError, match="is not a rating the 5 x 5 matrix can produce"):
        band_for(impossible)


@pytest.mark.parametrize(("likelihood", "impact"), [(0, 3), (6, 1), (3, 0), (3, 6), (-1, 2)])
def test_scores_outside_1_to_5_are_refused_naming_the_score(likelihood, impact):
    with pytest.raises(ValueError, match="must be a whole number from 1 to 5"):
        rating(likelihood, impact)


def test_booleans_are_not_scores():
    with pytest.raises(ValueError, match="Likelihood"):
        rating(True, 3)  # noqa: FBT003


@given(scores, scores)
def test_every_cell_of_the_matrix_has_a_band_and_bands_never_fall_as_scores_rise(likelihood, impact):
    band = band_for(rating(likelihood, impact))
    order = list(Band)
    if likelihood < 5:
        assert order.index(band_for(rating(likelihood + 1, impact))) >= order.index(band)
    if impact < 5:
        assert order.index(band_for(rating(likelihood, impact + 1))) >= order.index(band)


def test_possible_ratings_are_the_fourteen_products():
    assert sorted(POSSIBLE_RATINGS) == [1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 15, 16, 20, 25]


def test_summary_of_nobody_is_empty():
    assert summarise([], TODAY) == RiskSummary()


def test_summary_picks_the_highest_residual_and_the_earliest_review_and_says_why():
    risks = [
        RiskFacts("swimming alone", 3, 5, TODAY + dt.timedelta(days=30)),
        RiskFacts("running out of money", 2, 2, TODAY - dt.timedelta(days=3)),
        RiskFacts("travel on the bus", 1, 3, TODAY),  # due today: not overdue yet
    ]
    summary = summarise(risks, TODAY)
    assert summary.highest_residual_rating == 15
    assert summary.highest_residual_band == "extreme"
    assert summary.overdue_reviews == 1
    assert summary.next_review == TODAY - dt.timedelta(days=3)
    assert summary.reasons == (
        "residual rating 15 (extreme) for 'swimming alone'",
        "review of 'running out of money' overdue since 20 November 2026",
    )


def test_summary_is_frozen():
    with pytest.raises(AttributeError):
        RiskSummary().overdue_reviews = 3  # type: ignore[misc]


def test_heat_map_is_five_by_five_with_likelihood_five_on_top():
    grid = heat_map([("swimming alone", 3, 5), ("falls", 3, 5), ("money", 1, 1)])
    assert [len(row) for row in grid] == [5] * 5
    assert [row[0].likelihood for row in grid] == [5, 4, 3, 2, 1]
    assert grid[2][4].titles == ("falls", "swimming alone")
    assert grid[2][4].band is Band.EXTREME
    assert grid[4][0].titles == ("money",)
    assert grid[0][0].band is Band.MODERATE  # 5 x 1
    with pytest.raises(ValueError, match="Impact"):
        heat_map([("off the map", 3, 6)])


def test_overdue_only_after_the_date():
    assert is_overdue(TODAY - dt.timedelta(days=1), TODAY)
    assert not is_overdue(TODAY, TODAY)
    assert not is_overdue(None, TODAY)
