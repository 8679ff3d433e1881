"""Pure rules about risk: the NHS 5 x 5 matrix, rating bands, the summary that drives review and escalation.

Positive risk enablement (001 Annex F 10.4): a rating tells the framework how carefully, and at which level, a
decision is taken. Nothing here turns a risk into a refusal: there is no "refused" outcome, only the agreed
approach (eliminate, reduce, manage, accept) and the level of the decision.

Stdlib only, so it is tested without a database and imported by the governance rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

MIN_SCORE = 1
MAX_SCORE = 5

# Every rating the 5 x 5 matrix can produce (likelihood x impact); 7, 11, 13, 14 and 17-24 cannot occur.
POSSIBLE_RATINGS = frozenset(likelihood * impact for likelihood in range(1, 6) for impact in range(1, 6))

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class Band(StrEnum):
    """The rating band of the NHS 5 x 5 risk matrix."""

    LOW = "low"  # 1-3
    MODERATE = "moderate"  # 4-6
    HIGH = "high"  # 8-12
    EXTREME = "extreme"  # 15-25

    @property
    def label(self) -> str:
        """The band in words for pages."""
        return self.value.capitalize()


# Upper bound of each band, checked in order. The bands are the matrix's own: low 1-3, moderate 4-6, high 8-12,
# extreme 15-25 (the gaps 7, 13 and 14 are ratings the matrix cannot produce).
_BAND_CEILINGS = ((3, Band.LOW), (6, Band.MODERATE), (12, Band.HIGH), (25, Band.EXTREME))


class Category(StrEnum):
    """Annex F 10.2 names three categories; the summary in DOMAIN.md adds personal risk to the person."""

    CLINICAL = "clinical"
    FINANCIAL = "financial"
    REPUTATIONAL = "reputational"
    PERSONAL = "personal"

    @property
    def label(self) -> str:
        """The category in words."""
        return {
            Category.CLINICAL: "Clinical (health and wellbeing)",
            Category.FINANCIAL: "Financial (use of the money)",
            Category.REPUTATIONAL: "Reputational (the NHS or council)",
            Category.PERSONAL: "Personal (to the person)",
        }[self]


class Approach(StrEnum):
    """The agreed way to handle a risk (10.4.2): each keeps the person's outcome in view."""

    ELIMINATE = "eliminate"
    REDUCE = "reduce"
    MANAGE = "manage"
    ACCEPT = "accept"

    @property
    def label(self) -> str:
        """The approach in words."""
        return {
            Approach.ELIMINATE: "Eliminate: remove the cause",
            Approach.REDUCE: "Reduce: make it less likely or less harmful",
            Approach.MANAGE: "Manage: agreed actions, watched and reviewed",
            Approach.ACCEPT: "Accept: the person chooses to take this risk, knowing it",
        }[self]


class RiskStatus(StrEnum):
    """Open risks count towards the summary; a closed risk keeps its history."""

    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        """The status in words."""
        return {RiskStatus.OPEN: "Open", RiskStatus.CLOSED: "Closed"}[self]


class CapacityOutcome(StrEnum):
    """The outcome of a decision-specific capacity assessment (Mental Capacity Act 2005)."""

    HAS_CAPACITY = "has_capacity"
    LACKS_CAPACITY = "lacks_capacity"

    @property
    def label(self) -> str:
        """The outcome in words."""
        return {
            CapacityOutcome.HAS_CAPACITY: "Has capacity to make this decision",
            CapacityOutcome.LACKS_CAPACITY: "Lacks capacity to make this decision",
        }[self]


class ConcernStatus(StrEnum):
    """Where a safeguarding concern has got to."""

    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        """The status in words."""
        return {ConcernStatus.OPEN: "Open", ConcernStatus.CLOSED: "Closed"}[self]


LIKELIHOOD_LABELS = {1: "Rare", 2: "Unlikely", 3: "Possible", 4: "Likely", 5: "Almost certain"}
IMPACT_LABELS = {1: "Negligible", 2: "Minor", 3: "Moderate", 4: "Major", 5: "Catastrophic"}


def score_problem(value: object, what: str) -> str | None:
    """Why ``value`` is not a likelihood or impact score from 1 to 5, in words naming ``what``; None if it is."""
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_SCORE <= value <= MAX_SCORE:
        return f"{what.capitalize()} must be a whole number from 1 to 5"
    return None


def rating(likelihood: int, impact: int) -> int:
    """Likelihood x impact on the 5 x 5 matrix; each score must be 1-5."""
    for value, what in ((likelihood, "likelihood"), (impact, "impact")):
        problem = score_problem(value, what)
        if problem:
            raise ValueError(problem)
    return likelihood * impact


def band_for(value: int) -> Band:
    """The band of a rating: low 1-3, moderate 4-6, high 8-12, extreme 15-25.

    Only ratings the matrix can produce are accepted: a 7 or a 14 means a calculation went wrong somewhere.
    """
    if value not in POSSIBLE_RATINGS:
        raise ValueError(f"{value} is not a rating the 5 x 5 matrix can produce")
    return next(band for ceiling, band in _BAND_CEILINGS if value <= ceiling)


def date_words(value: dt.date) -> str:
    """'23 November 2026', for reasons read by people."""
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


@dataclass(frozen=True)
class RiskFacts:
    """What the summary needs to know about one open risk."""

    title: str
    residual_likelihood: int
    residual_impact: int
    review_on: dt.date

    @property
    def residual_rating(self) -> int:
        """Residual likelihood x residual impact."""
        return rating(self.residual_likelihood, self.residual_impact)


@dataclass(frozen=True)
class RiskSummary:
    """A person's risk position, for the caseload and for the governance rules choosing a decision level.

    ``highest_residual_rating``/``highest_residual_band`` are over open risks (None when there are none);
    ``overdue_reviews`` counts open risks whose review date has passed; ``next_review`` is the earliest review
    date of an open risk (in the past when one is overdue); ``reasons`` say why, in words.
    """

    highest_residual_rating: int | None = None
    highest_residual_band: str | None = None
    overdue_reviews: int = 0
    next_review: dt.date | None = None
    reasons: tuple[str, ...] = ()


EMPTY_SUMMARY = RiskSummary()


def summarise(risks: Iterable[RiskFacts], today: dt.date) -> RiskSummary:
    """Summarise a person's open risks as of ``today``."""
    rated = [(r.residual_rating, r) for r in risks]  # each rating worked out (and checked) once
    if not rated:
        return EMPTY_SUMMARY
    open_risks = [r for _rating, r in rated]
    highest = max(value for value, _risk in rated)
    band = band_for(highest)
    reasons = [
        f"residual rating {highest} ({band.value}) for '{title}'"
        for title in sorted(r.title for value, r in rated if value == highest)
    ]
    overdue = sorted((r for r in open_risks if r.review_on < today), key=lambda r: (r.review_on, r.title))
    reasons += [f"review of '{r.title}' overdue since {date_words(r.review_on)}" for r in overdue]
    return RiskSummary(
        highest_residual_rating=highest,
        highest_residual_band=band.value,
        overdue_reviews=len(overdue),
        next_review=min(r.review_on for r in open_risks),
        reasons=tuple(reasons),
    )


@dataclass(frozen=True)
class HeatCell:
    """One square of the heat-map: its scores, rating, band and the risks in it."""

    likelihood: int
    impact: int
    titles: tuple[str, ...]

    @property
    def rating(self) -> int:
        """Likelihood x impact."""
        return self.likelihood * self.impact

    @property
    def band(self) -> Band:
        """The square's band (its colour on the map)."""
        return band_for(self.rating)


def heat_map(positions: Iterable[tuple[str, int, int]]) -> list[list[HeatCell]]:
    """Rows of the 5 x 5 map, likelihood 5 at the top, impact 1-5 left to right; ``positions`` are (title, l, i)."""
    titles: dict[tuple[int, int], list[str]] = {}
    for title, likelihood, impact in positions:
        rating(likelihood, impact)  # refuse a position off the map
        titles.setdefault((likelihood, impact), []).append(title)
    return [
        [HeatCell(likelihood, impact, tuple(sorted(titles.get((likelihood, impact), [])))) for impact in range(1, 6)]
        for likelihood in range(5, 0, -1)
    ]


def is_overdue(review_on: dt.date | None, today: dt.date) -> bool:
    """A review (of a risk, a competency, a restraint procedure) is overdue once its date has passed."""
    return review_on is not None and review_on < today
