import pytest

from phb.access.rules import Actor, Permission, Relationship, decide
from phb.accounts.rules import Role


def actor(*roles: Role, person_id: int | None = None, represents: frozenset[int] = frozenset()) -> Actor:
    return Actor(
        user_id=1, username="u", display_name="U", roles=frozenset(roles), person_id=person_id, represents=represents
    )


def test_case_manager_sees_only_their_caseload_and_others_are_hidden():
    cm = actor(Role.CASE_MANAGER)
    assert decide(cm, Permission.PERSON_READ, Relationship(on_caseload=True)).allowed
    refused = decide(cm, Permission.PERSON_READ, Relationship())
    assert not refused.allowed
    assert refused.hide  # answered as "not found": being a CHC patient is private
    assert "caseload" in refused.reason


def test_org_wide_roles_read_but_only_editors_change():
    commissioner = actor(Role.CHC_COMMISSIONER)
    assert decide(commissioner, Permission.PERSON_READ, Relationship()).allowed
    refused = decide(commissioner, Permission.PERSON_UPDATE, Relationship())
    assert not refused.allowed
    assert not refused.hide  # they may see it, so it is a 403, not a 404


def test_person_and_representative_see_only_their_own():
    person = actor(Role.PERSON, person_id=7)
    assert decide(person, Permission.PERSON_READ, Relationship(is_self=True)).allowed
    assert not decide(person, Permission.PERSON_READ, Relationship()).allowed
    rep = actor(Role.REPRESENTATIVE, represents=frozenset({7}))
    assert decide(rep, Permission.PERSON_READ, Relationship(represents=True)).allowed
    assert not decide(rep, Permission.PERSON_UPDATE, Relationship(represents=True)).allowed


def test_administrators_manage_users_but_cannot_read_health_records():
    admin = actor(Role.ADMINISTRATOR)
    assert decide(admin, Permission.USER_ADMIN).allowed
    assert not decide(admin, Permission.PERSON_READ, Relationship()).allowed


@pytest.mark.parametrize("role", [Role.CASE_MANAGER, Role.NURSE_ASSESSOR, Role.CHC_SERVICE_MANAGER])
def test_who_may_add_people(role):
    assert decide(actor(role), Permission.PERSON_CREATE).allowed
    assert not decide(actor(Role.DIRECT_PAYMENTS_OFFICER), Permission.PERSON_CREATE).allowed
