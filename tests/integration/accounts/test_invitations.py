"""Two links for one person, however they came about, never make two accounts."""

import pytest
from sqlalchemy import select

from phb.accounts import invitations
from phb.accounts.models import Invitation
from phb.accounts.rules import Role
from phb.accounts.services import actor_for
from phb.errors import NotFoundError
from tests.factories import make_person, make_user


def test_a_second_live_link_for_the_same_person_cannot_make_a_second_account(db):
    nina = make_user(db, "nina", Role.CARE_COORDINATOR)
    margaret = make_person(db, "Margaret", "Okafor", case_manager=nina)
    first = invitations.invite(db, actor_for(db, nina), margaret.id)
    # A link made before links replaced each other: both are live.
    second = invitations.invite(db, actor_for(db, nina), margaret.id)
    still_live = invitations.open_invitation(db, second).expires_at
    for invitation in db.scalars(select(Invitation).where(Invitation.person_id == margaret.id)):
        invitation.expires_at = still_live
    db.flush()
    invitations.accept(db, first, username="margaret", password="my garden has roses")
    with pytest.raises(NotFoundError):
        invitations.accept(db, second, username="margaret2", password="my garden has roses")
