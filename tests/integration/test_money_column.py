"""The shared money column keeps pounds and pence exactly, and refuses what it cannot store exactly."""

from decimal import Decimal

import pytest
from moneyed import Money
from sqlalchemy import BigInteger, Column, Integer, MetaData, Table, insert, select
from sqlalchemy.exc import StatementError

from phb.db import MoneyType
from phb.money import MoneyError

metadata = MetaData()
amounts = Table("money_roundtrip", metadata, Column("id", Integer, primary_key=True), Column("amount", MoneyType))


@pytest.fixture
def table(connection):
    metadata.create_all(connection)
    return amounts


@pytest.mark.parametrize("value", ["0.01", "13.50", "-0.99", "62400.00", "92233720368547758.07"])
def test_round_trip_is_exact(connection, table, value):
    # Money built directly: the column must hold any BIGINT of pence, beyond what gbp() accepts from people.
    connection.execute(insert(table).values(id=1, amount=Money(Decimal(value), "GBP")))
    stored = connection.execute(select(table.c.amount)).scalar_one()
    assert stored == Money(Decimal(value), "GBP")
    assert str(stored.amount) == str(Decimal(value))
    raw = connection.execute(select(table.c.amount.cast(BigInteger))).scalar_one()
    assert raw == int(Decimal(value) * 100)


@pytest.mark.parametrize(
    ("value", "message"), [(Money("1.005", "GBP"), "two decimal places"), (Money("5", "EUR"), "only GBP")]
)
def test_inexact_or_foreign_money_is_refused_not_rounded(connection, table, value, message):
    with pytest.raises(StatementError) as info:
        connection.execute(insert(table).values(id=2, amount=value))
    assert isinstance(info.value.orig, MoneyError)
    assert message in str(info.value.orig)
