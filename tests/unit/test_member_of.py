"""``member_of``: ``IN (subquery)`` everywhere, written ``= ANY(ARRAY(subquery))`` for PostgreSQL.

PostgreSQL planned a caseload's ``people.id IN (50 ids from a subquery)`` as a hash join over every person (a
sequential scan growing with the table); the array form probes the primary key for each id instead.
"""

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from phb.db import member_of
from phb.people.models import CaseloadAssignment, Person

CASELOAD = select(CaseloadAssignment.person_id).where(CaseloadAssignment.user_id == 7)


def test_postgresql_gets_the_array_form_and_sqlite_plain_in():
    query = select(func.count()).where(member_of(Person.id, CASELOAD))
    pg = str(query.compile(dialect=postgresql.dialect()))
    lite = str(query.compile(dialect=sqlite.dialect()))
    assert "FROM people" in pg
    assert "people.id = ANY(ARRAY(SELECT caseload_assignments.person_id" in pg
    assert "people.id IN (SELECT caseload_assignments.person_id" in lite
    assert not lite.rstrip().endswith("= 1")  # a condition in its own right, not a boolean column


def test_the_condition_takes_part_in_statement_caching():
    first = select(Person.id).where(member_of(Person.id, CASELOAD))
    same = select(Person.id).where(member_of(Person.id, CASELOAD))
    other = select(Person.id).where(
        member_of(Person.id, select(CaseloadAssignment.person_id).where(CaseloadAssignment.person_id > 1))
    )
    assert first._generate_cache_key() == same._generate_cache_key()
    assert first._generate_cache_key() != other._generate_cache_key()
