"""One clock (issue 20/23): the date is the date in England, whatever UTC says."""

import datetime as dt

from freezegun import freeze_time

from phb import clock
from phb.budgets import services as budgets
from phb.plans import services as plans
from phb.spending import findings


@freeze_time("2026-07-01 23:30:00")  # 00:30 BST on Thursday 2 July
def test_just_after_midnight_bst_it_is_already_tomorrow_in_england():
    assert clock.today() == dt.date(2026, 7, 2)
    assert clock.england_date(clock.now()) == dt.date(2026, 7, 2)
    # every area reads the same clock
    assert budgets.today() == plans.today() == findings.today() == dt.date(2026, 7, 2)


@freeze_time("2026-12-31 23:30:00")  # 23:30 GMT: England and UTC agree in winter
def test_in_winter_england_keeps_utc_time():
    assert clock.today() == dt.date(2026, 12, 31)


def test_a_naive_moment_from_the_database_is_read_as_utc():
    assert clock.england_date(dt.datetime(2026, 7, 1, 23, 30)) == dt.date(2026, 7, 2)  # noqa: DTZ001


def test_month_arithmetic_keeps_the_day_or_takes_the_last_day_of_a_shorter_month():
    assert clock.add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert clock.add_months(dt.date(2028, 1, 31), 1) == dt.date(2028, 2, 29)
    assert clock.add_months(dt.date(2026, 11, 15), 3) == dt.date(2027, 2, 15)
    assert clock.add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
