"""No self-granted access: nobody changes their own roles, and a role takes effect only when a second
administrator approves it; a new account's password is set by its owner from a one-time link."""

import pytest
from sqlalchemy import select

from phb.accounts.models import AccountSetup, User
from phb.accounts.rules import Role
from phb.accounts.services import actor_for, create_api_token, resolve_api_token, session_actor, start_session
from phb.accounts.staff import (
    complete_setup,
    decide_grant,
    invite_staff,
    issue_setup_link,
    pending_grants,
    request_roles,
)
from phb.config import Settings
from phb.errors import ForbiddenError, NotFoundError, ValidationFailedError
from tests.factories import make_person, make_user


def test_an_administrator_cannot_change_their_own_roles(db):
    admin = make_user(db, "admin", Role.ADMINISTRATOR)
    with pytest.raises(ForbiddenError):
        request_roles(db, actor_for(db, admin), admin, [Role.ADMINISTRATOR, Role.CHC_SERVICE_MANAGER])
    db.refresh(admin)
    assert admin.role_set == {Role.ADMINISTRATOR}
    assert pending_grants(db) == []


def test_a_role_for_someone_else_waits_for_a_second_administrator(db):
    first = make_user(db, "admin", Role.ADMINISTRATOR)
    second = make_user(db, "admin2", Role.ADMINISTRATOR)
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    (grant,) = request_roles(db, actor_for(db, first), casey, [Role.CASE_MANAGER, Role.CHC_SERVICE_MANAGER])
    assert casey.role_set == {Role.CASE_MANAGER}  # not yet
    with pytest.raises(ForbiddenError):
        decide_grant(db, actor_for(db, first), grant.id, approve=True)  # the one who asked cannot approve
    with pytest.raises(ForbiddenError):
        decide_grant(db, actor_for(db, casey), grant.id, approve=True)  # nor anyone but an administrator
    decide_grant(db, actor_for(db, second), grant.id, approve=True)
    db.refresh(casey)
    assert casey.role_set == {Role.CASE_MANAGER, Role.CHC_SERVICE_MANAGER}


def test_an_administrator_cannot_approve_a_role_for_their_own_account(db):
    first = make_user(db, "admin", Role.ADMINISTRATOR)
    second = make_user(db, "admin2", Role.ADMINISTRATOR)
    (grant,) = request_roles(db, actor_for(db, second), first, [Role.ADMINISTRATOR, Role.CHC_COMMISSIONER])
    with pytest.raises(ForbiddenError):
        decide_grant(db, actor_for(db, first), grant.id, approve=True)
    assert Role.CHC_COMMISSIONER not in first.role_set


def test_a_new_account_has_no_password_and_no_roles_until_its_owner_and_a_second_administrator_act(db):
    admin = make_user(db, "admin", Role.ADMINISTRATOR)
    second = make_user(db, "admin2", Role.ADMINISTRATOR)
    user, token = invite_staff(
        db, actor_for(db, admin), username="Sam", display_name="Sam Okoro", email=None, roles=[Role.CHC_COMMISSIONER]
    )
    assert user.username == "sam"
    assert user.role_set == frozenset()
    from phb.accounts.services import _verify  # noqa: PLC0415 - the private check is what login uses

    assert not _verify(user.password_hash, "")
    stored = db.scalar(select(AccountSetup).where(AccountSetup.user_id == user.id))
    assert stored is not None
    assert token not in stored.token_hash
    with pytest.raises(ValidationFailedError):
        complete_setup(db, token, password="short")
    complete_setup(db, token, password="an own long passphrase")
    assert _verify(user.password_hash, "an own long passphrase")
    with pytest.raises(NotFoundError):
        complete_setup(db, token, password="a second go at it now")  # one use
    (grant,) = pending_grants(db, user_id=user.id)
    decide_grant(db, actor_for(db, second), grant.id, approve=True)
    assert db.get(User, user.id).role_set == {Role.CHC_COMMISSIONER}


def test_portal_roles_come_only_from_an_invitation(db):
    admin = make_user(db, "admin", Role.ADMINISTRATOR)
    with pytest.raises(ValidationFailedError):
        invite_staff(db, actor_for(db, admin), username="p", display_name="P", email=None, roles=[Role.PERSON])


def test_setting_a_password_from_a_link_ends_every_session_and_token_of_the_account(db):
    admin = make_user(db, "admin", Role.ADMINISTRATOR)
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    session_token = start_session(db, casey, ip_address="192.0.2.1", user_agent="test")
    api_token = create_api_token(db, casey, name="script")
    link = issue_setup_link(db, casey, created_by=admin.id)
    complete_setup(db, link, password="a fresh long passphrase")
    assert session_actor(db, session_token, Settings(secret_key="x")) is None
    assert resolve_api_token(db, api_token) is None


def test_a_portal_account_cannot_be_given_staff_roles(db):
    admin = make_user(db, "admin", Role.ADMINISTRATOR)
    person = make_person(db, "Margaret", "Okafor")
    margaret = make_user(db, "margaret", Role.PERSON, person_id=person.id)
    with pytest.raises(ValidationFailedError):
        request_roles(db, actor_for(db, admin), margaret, [Role.CHC_SERVICE_MANAGER])
    assert margaret.role_set == {Role.PERSON}
    assert pending_grants(db) == []
