"""People and representatives: invited by their care coordinator, they see their own records and nobody else's."""

import datetime as dt
import re

from freezegun import freeze_time
from sqlalchemy import select

from phb.accounts.models import User
from phb.accounts.rules import Role
from phb.people.models import Supporter
from tests.factories import make_person, make_user
from tests.web.helpers import csrf, login, post_form, submit_form


def _invite(client, person_id, supporter_id=None):
    data = {"supporter_id": str(supporter_id)} if supporter_id else {}
    page = post_form(client, f"/people/{person_id}/invitations", data)
    assert page.status_code == 201
    link = re.search(r'<code id="invitation-link">https?://[^/]+(/invite/[\w-]+)</code>', page.text)
    assert link is not None
    return link.group(1)


def _sign_out(client):
    client.post("/logout", data={"_csrf_token": csrf(client)})


def test_person_sets_up_their_account_from_the_link_and_sees_only_their_own_record(client, db):
    nina = make_user(db, "nina", Role.CARE_COORDINATOR)
    margaret = make_person(db, "Margaret", "Okafor", case_manager=nina)
    other = make_person(db, "Secret", "Zanzibar", case_manager=nina)
    login(client, "nina")
    link = _invite(client, margaret.id)
    _sign_out(client)

    assert "Set up your account" in client.get(link).text
    mismatch = post_form(
        client, link, {"username": "margaret", "password": "my garden has roses", "confirm_password": "different"}
    )
    assert mismatch.status_code == 422
    assert "not the same" in mismatch.text
    done = post_form(
        client,
        link,
        {"username": "margaret", "password": "my garden has roses", "confirm_password": "my garden has roses"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert client.get(link).status_code == 404  # one use only

    signed_in = login(client, "margaret", "my garden has roses")
    assert signed_in.headers["location"] == "/my"
    home = client.get("/my")
    assert "Your personal health budget" in home.text
    assert client.get(f"/my/{other.id}").status_code == 404
    assert "Zanzibar" not in client.get(f"/my/{other.id}").text
    assert client.get(f"/people/{margaret.id}").status_code == 403  # the staff pages are for staff
    user = db.scalar(select(User).where(User.username == "margaret"))
    assert user is not None
    assert user.person_id == margaret.id
    assert user.role_set == {Role.PERSON}


def test_representative_sees_the_people_they_act_for(client, db):
    nina = make_user(db, "nina", Role.CARE_COORDINATOR)
    elsie = make_person(db, "Elsie", "Grant", case_manager=nina)
    supporter = Supporter(
        person_id=elsie.id,
        kind="representative",
        name="Martin Grant",
        legal_basis="court_appointed_deputy",
        started_on=dt.date(2026, 1, 1),
    )
    db.add(supporter)
    db.flush()
    login(client, "nina")
    link = _invite(client, elsie.id, supporter.id)
    _sign_out(client)
    post_form(
        client,
        link,
        {"username": "martin", "password": "deputy for my mother", "confirm_password": "deputy for my mother"},
    )
    login(client, "martin", "deputy for my mother")
    page = client.get("/my")
    assert "Elsie Grant’s personal health budget" in page.text


def test_invitation_links_expire_after_seven_days(client, db):
    nina = make_user(db, "nina", Role.CARE_COORDINATOR)
    person = make_person(db, "Tom", "Price", case_manager=nina)
    with freeze_time(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)) as frozen:
        login(client, "nina")
        link = _invite(client, person.id)
        frozen.tick(dt.timedelta(days=7, minutes=1))
        assert client.get(link).status_code == 404


def test_only_staff_who_may_change_the_record_can_invite(client, db):
    nina = make_user(db, "nina", Role.CARE_COORDINATOR)
    make_user(db, "dana", Role.DIRECT_PAYMENTS_OFFICER)
    person = make_person(db, "Tom", "Price", case_manager=nina)
    login(client, "dana")
    assert post_form(client, f"/people/{person.id}/invitations", {}).status_code == 403


def test_the_invitation_form_does_not_say_a_username_is_taken(client, db):
    nina = make_user(db, "nina", Role.CARE_COORDINATOR)
    margaret = make_person(db, "Margaret", "Okafor", case_manager=nina)
    login(client, "nina")
    link = _invite(client, margaret.id)
    _sign_out(client)
    fill = {"username": "nina", "password": "my garden has roses", "confirm_password": "my garden has roses"}
    taken = submit_form(client, link, fill)
    assert taken.status_code == 422
    assert "taken" not in taken.text
    assert "already" not in taken.text
    assert "Choose a different username" in taken.text
