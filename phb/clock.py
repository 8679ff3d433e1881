"""The one clock: the date and time in England, and calendar arithmetic on it.

Business dates (a decision's day, a finding's due date, a review's deadline) are days in England: a decision
taken at 00:30 BST is dated that day, not the day before as UTC would have it. Times are stored in UTC
(:func:`now`); everything that needs a *day* asks :func:`today` or :func:`england_date`. Python's clock is
the source, so freezegun controls it in tests. Pure: imports neither the database nor pydantic.
"""

from __future__ import annotations

import calendar
import datetime as dt
from zoneinfo import ZoneInfo

ENGLAND = ZoneInfo("Europe/London")
_LAST_SHARED_DAY = 28  # every month has a 28th (and monthrange is the slow part)


def now() -> dt.datetime:
    """The current moment, in UTC (how times are stored)."""
    return dt.datetime.now(dt.UTC)


def today() -> dt.date:
    """Today's date in England."""
    return dt.datetime.now(ENGLAND).date()


def england_date(moment: dt.datetime) -> dt.date:
    """The day a moment fell on in England (a naive moment is taken as UTC, as the database returns it)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(ENGLAND).date()


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the month's last day when it is shorter (31 Jan + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    if day.day <= _LAST_SHARED_DAY:
        return dt.date(year, month, day.day)
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
