"""People and representatives: invited by their care coordinator, they see their own records and nobody else's."""

import datetime as dt
import re

from freezegun import freeze_time
from litestar.testing import TestClient
from sqlalchemy import select

from phb.access.services import represented_people
from phb.accounts.models import User
from phb.accounts.rules import Role
from phb.accounts.services import create_api_token
from phb.people.models import Supporter
from tests.factories import make_person, make_user
from tests.web.helpers import csrf, login, page_forms, post_form, submit_form


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


def _link_from(page):
    assert page.status_code == 201
    return re.search(r'<code id="invitation-link">https?://[^/]+(/invite/[\w-]+)</code>', page.text).group(1)


def _accept(client, link, username, password="my garden has roses"):  # noqa: S107 - a test password
    fill = {"username": username, "password": password, "confirm_password": password}
    return submit_form(client, link, fill, follow_redirects=False)


def test_a_signed_in_member_of_staff_cannot_take_an_invitation_for_themself(client, db):
    nina = make_user(db, "nina", Role.CARE_COORDINATOR)
    margaret = make_person(db, "Margaret", "Okafor", case_manager=nina)
    login(client, "nina")
    link = _link_from(submit_form(client, f"/people/{margaret.id}", action=f"/people/{margaret.id}/invitations"))
    page = client.get(link)
    assert "Sign out to use this link" in page.text
    assert 'name="password"' not in page.text
    # The attack: the form a signed-out browser is given, sent from the signed-in staff session.
    with TestClient(client.app, base_url="https://testserver.local") as anonymous:
        (form,) = [f for f in page_forms(anonymous.get(link).text) if f["action"] == link]
    fields = {
        **form["fields"],
        "username": "margaret",
        "password": "nina's own pass",
        "confirm_password": "nina's own pass",
    }
    refused = client.post(link, data=fields)
    assert refused.status_code == 403
    assert db.scalar(select(User).where(User.username == "margaret")) is None
    _sign_out(client)
    assert _accept(client, link, "margaret").status_code == 303  # the person herself, signed out


def test_one_live_invitation_per_person_and_relationship(client, db):
    nina = make_user(db, "nina", Role.CARE_COORDINATOR)
    margaret = make_person(db, "Margaret", "Okafor", case_manager=nina)
    login(client, "nina")
    invite = {"action": f"/people/{margaret.id}/invitations"}
    first = _link_from(submit_form(client, f"/people/{margaret.id}", **invite))
    second = _link_from(submit_form(client, f"/people/{margaret.id}", **invite))
    assert client.get(f"/people/{margaret.id}").text.count("Cancel the link") == 1
    _sign_out(client)
    assert client.get(first).status_code == 404  # the new link ended the old one
    assert _accept(client, second, "margaret").status_code == 303
    assert db.scalars(select(User.id).where(User.person_id == margaret.id)).all() != []
    assert len(db.scalars(select(User.id).where(User.person_id == margaret.id)).all()) == 1


def test_portal_accounts_are_listed_on_the_persons_page_and_revoked_there(client, db):
    nina = make_user(db, "nina", Role.CARE_COORDINATOR)
    make_user(db, "pat", Role.PEER_REVIEWER)
    margaret = make_person(db, "Margaret", "Okafor", case_manager=nina)
    login(client, "nina")
    link = _link_from(submit_form(client, f"/people/{margaret.id}", action=f"/people/{margaret.id}/invitations"))
    _sign_out(client)
    with TestClient(client.app, base_url="https://testserver.local") as her_phone:
        assert _accept(her_phone, link, "margaret").status_code == 303
        login(her_phone, "margaret", "my garden has roses")
        assert her_phone.get(f"/my/{margaret.id}").status_code == 200

        login(client, "pat")  # a peer reviewer reads the record but may not change it
        page = client.get(f"/people/{margaret.id}").text
        assert "margaret" in page
        assert "/portal-accounts/" not in page
        account = db.scalar(select(User).where(User.username == "margaret"))
        forged = post_form(client, f"/people/{margaret.id}/portal-accounts/{account.id}/revoke", {})
        assert forged.status_code == 403
        _sign_out(client)

        login(client, "nina")
        revoke = f"/people/{margaret.id}/portal-accounts/{account.id}/revoke"
        assert submit_form(client, f"/people/{margaret.id}", action=revoke).status_code == 200
        assert "Nobody has an account that can see Margaret" in client.get(f"/people/{margaret.id}").text
        assert her_phone.get(f"/my/{margaret.id}", follow_redirects=False).status_code in {302, 303, 401}
    assert login(client, "margaret", "my garden has roses").status_code != 303


def test_a_revoked_representative_no_longer_sees_the_person(client, db):
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
    _accept(client, link, "martin", "deputy for my mother")
    martin = db.scalar(select(User).where(User.username == "martin"))
    login(client, "nina")
    revoke = f"/people/{elsie.id}/portal-accounts/{martin.id}/revoke"
    assert submit_form(client, f"/people/{elsie.id}", action=revoke).status_code == 200
    _sign_out(client)
    db.refresh(supporter)
    assert supporter.user_id is None
    assert represented_people(db, martin.id) == frozenset()
    db.refresh(martin)
    assert not martin.is_active  # he acted for nobody else, so his account is closed
    assert login(client, "martin", "deputy for my mother").status_code == 400


def test_staff_invite_the_person_or_a_representative_through_the_api(client, db):
    nina = make_user(db, "nina", Role.CARE_COORDINATOR)
    margaret = make_person(db, "Margaret", "Okafor", case_manager=nina)
    token = create_api_token(db, nina, name="t", scope="write")
    auth = {"Authorization": f"Bearer {token}"}
    made = client.post(f"/api/v1/people/{margaret.id}/invitations", json={}, headers=auth)
    assert made.status_code == 201
    first = made.json()["link"].removeprefix("https://testserver.local")
    assert made.json()["expires_at"].startswith(str(dt.datetime.now(dt.UTC).date() + dt.timedelta(days=7)))
    again = client.post(f"/api/v1/people/{margaret.id}/invitations", json={}, headers=auth)
    second = again.json()["link"].removeprefix("https://testserver.local")
    assert client.get(first).status_code == 404
    assert "Set up your account" in client.get(second).text
    stranger = client.post(f"/api/v1/people/{margaret.id}/invitations", json={"supporter_id": 999}, headers=auth)
    assert stranger.status_code == 422
