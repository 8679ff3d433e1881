"""Your account (API tokens, password) and administrators managing accounts."""

import datetime as dt
import re

from freezegun import freeze_time
from litestar.testing import TestClient
from sqlalchemy import select

from phb.accounts.models import ApiToken, RoleGrant, User
from phb.accounts.rules import Role
from phb.accounts.services import NO_PASSWORD
from tests.factories import make_person, make_user
from tests.web.helpers import login, page_forms, post_form, submit_form


def test_make_use_and_revoke_an_api_token_from_the_account_page(client, db):
    make_user(db, "casey", Role.CASE_MANAGER)
    login(client, "casey")
    page = submit_form(client, "/account", {"name": "monthly report"}, action="/account/tokens")
    assert page.status_code == 201
    token = re.search(r'<code id="new-token">(phb_[\w-]+)</code>', page.text)
    assert token is not None
    stored = db.scalar(select(ApiToken).where(ApiToken.name == "monthly report"))
    assert stored is not None
    assert token.group(1) not in stored.token_hash  # only the hash is kept
    bearer = {"Authorization": f"Bearer {token.group(1)}"}
    assert client.get("/api/v1/me", headers=bearer).status_code == 200
    post_form(client, f"/account/tokens/{stored.id}/revoke", {})
    assert client.get("/api/v1/me", headers=bearer).status_code == 401
    assert token.group(1) not in client.get("/account").text  # never shown again


def test_change_password_checks_the_current_one_and_the_policy(client, db):
    make_user(db, "casey", Role.CASE_MANAGER)
    login(client, "casey")
    wrong = post_form(client, "/account/password", {"current_password": "nope", "new_password": "short"})
    assert wrong.status_code == 422
    assert "current password is not right" in wrong.text
    assert "at least 12 characters" in wrong.text
    ok = post_form(
        client,
        "/account/password",
        {"current_password": "correct horse battery staple", "new_password": "a much longer new passphrase"},
    )
    assert ok.status_code == 200
    assert "Your password has been changed" in ok.text


def test_administrator_clears_the_sign_in_delays_of_an_account(client, db):
    make_user(db, "admin", Role.ADMINISTRATOR)
    slowed = make_user(db, "casey", Role.CASE_MANAGER)
    with freeze_time("2026-12-01 09:00"):
        for _ in range(5):
            login(client, "casey", "wrong password again")
        login(client, "admin")
        assert "5 failed sign-ins lately" in client.get("/admin/users").text
        submit_form(client, "/admin/users", action=f"/admin/users/{slowed.id}/unlock")
        assert "failed sign-ins lately" not in client.get("/admin/users").text
        client.post("/logout", data={"_csrf_token": client.cookies.get("__Host-phb_csrf")})
        assert login(client, "casey").status_code == 303  # no wait left


def _setup_link(page_text):
    match = re.search(r'<code id="setup-link">https://testserver.local(/setup/[\w-]+)</code>', page_text)
    assert match is not None
    return match.group(1)


def test_a_new_account_sets_its_own_password_and_its_roles_wait_for_a_second_administrator(client, db):
    make_user(db, "admin", Role.ADMINISTRATOR)
    make_user(db, "admin2", Role.ADMINISTRATOR)
    login(client, "admin")
    page = client.get("/admin/users")
    assert 'name="password"' not in page.text  # an administrator never chooses someone's password
    created = submit_form(
        client,
        "/admin/users",
        {"username": "Sam", "display_name": "Sam Okoro", "roles": ["chc_service_manager", "peer_reviewer"]},
        action="/admin/users",
    )
    assert created.status_code == 201
    link = _setup_link(created.text)
    assert link not in client.get("/admin/users").text  # shown once
    sam = db.scalar(select(User).where(User.username == "sam"))
    assert sam is not None
    assert sam.role_set == frozenset()
    grants = db.scalars(select(RoleGrant).where(RoleGrant.user_id == sam.id)).all()
    # The administrator who asked is offered no approve button for their own requests.
    assert not any(f["action"].endswith("/approve") for f in page_forms(client.get("/admin/users").text))
    client.post("/logout", data={"_csrf_token": client.cookies.get("__Host-phb_csrf")})

    set_up = submit_form(
        client, link, {"password": "chosen by the owner alone", "confirm_password": "chosen by the owner alone"}
    )
    assert set_up.status_code == 200
    assert client.get(link).status_code == 404  # one use
    login(client, "admin2")
    for grant in grants:
        submit_form(client, "/admin/users", action=f"/admin/users/grants/{grant.id}/approve")
    db.refresh(sam)
    assert sam.role_set == {Role.CHC_SERVICE_MANAGER, Role.PEER_REVIEWER}
    client.post("/logout", data={"_csrf_token": client.cookies.get("__Host-phb_csrf")})
    assert login(client, "sam", "chosen by the owner alone").status_code == 303


def test_a_set_up_link_cannot_be_used_from_a_signed_in_session(client, db):
    make_user(db, "admin", Role.ADMINISTRATOR)
    login(client, "admin")
    made = submit_form(
        client,
        "/admin/users",
        {"username": "sam", "display_name": "Sam", "roles": "peer_reviewer"},
        action="/admin/users",
    )
    link = _setup_link(made.text)
    assert "Sign out to use this link" in client.get(link).text
    with TestClient(client.app, base_url="https://testserver.local") as signed_out:
        (form,) = [f for f in page_forms(signed_out.get(link).text) if f["action"] == link]
    chosen = {**form["fields"], "password": "the administrator's pick", "confirm_password": "the administrator's pick"}
    assert client.post(link, data=chosen).status_code == 403
    sam = db.scalar(select(User).where(User.username == "sam"))
    assert sam.password_hash == NO_PASSWORD


def test_an_administrator_cannot_give_themself_access_to_health_records(client, db):
    admin = make_user(db, "admin", Role.ADMINISTRATOR)
    other = make_user(db, "casey", Role.CASE_MANAGER)
    make_person(db, "Secret", "Zanzibar")
    login(client, "admin")
    page = client.get("/admin/users").text
    assert f'action="/admin/users/{admin.id}/roles"' not in page  # no form for one's own roles
    # The attack: the roles form the page renders for someone else, sent for one's own account.
    (form,) = [f for f in page_forms(page) if f["action"] == f"/admin/users/{other.id}/roles"]
    forged = {**form["fields"], "roles": ["administrator", "chc_service_manager"]}
    response = client.post(f"/admin/users/{admin.id}/roles", data=forged)
    assert response.status_code == 403
    db.refresh(admin)
    assert admin.role_set == {Role.ADMINISTRATOR}
    assert db.scalar(select(RoleGrant.id).where(RoleGrant.user_id == admin.id)) is None
    assert "Zanzibar" not in client.get("/people").text


def test_only_administrators_manage_users(client, db):
    make_user(db, "casey", Role.CASE_MANAGER)
    login(client, "casey")
    assert client.get("/admin/users").status_code == 403
    response = post_form(
        client,
        "/admin/users",
        {"username": "mallory", "display_name": "M", "roles": "administrator"},
    )
    assert response.status_code == 403
    assert db.scalar(select(User).where(User.username == "mallory")) is None


def test_changing_the_password_ends_every_other_session_and_every_api_token(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    make_person(db, "Mine", "Okafor", case_manager=casey)
    other_device = TestClient(client.app, base_url="https://testserver.local")
    with other_device:
        assert login(other_device, "casey").status_code == 303
        assert other_device.get("/people").status_code == 200
        login(client, "casey")
        made = submit_form(client, "/account", {"name": "script"}, action="/account/tokens")
        token = re.search(r'<code id="new-token">(phb_[\w-]+)</code>', made.text).group(1)
        bearer = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/me", headers=bearer).status_code == 200

        changed = submit_form(
            client,
            "/account",
            {"current_password": "correct horse battery staple", "new_password": "a much longer new passphrase"},
            action="/account/password",
        )
        assert changed.status_code == 200
        assert "You have been signed out everywhere else, and your API tokens no longer work" in changed.text
        assert client.get("/people").status_code == 200  # this session carries on
        assert other_device.get("/people", follow_redirects=False).status_code in {302, 303}
        assert client.get("/api/v1/me", headers=bearer).status_code == 401
    stored = db.scalar(select(ApiToken).where(ApiToken.user_id == casey.id))
    assert stored.revoked_at is not None


def _make_token(client, **fill):
    made = submit_form(client, "/account", {"name": "script", **fill}, action="/account/tokens")
    assert made.status_code == 201
    token = re.search(r'<code id="new-token">(phb_[\w-]+)</code>', made.text).group(1)
    return {"Authorization": f"Bearer {token}"}


def test_an_api_token_opens_the_api_and_nothing_else(client, db):
    make_user(db, "casey", Role.CASE_MANAGER)
    login(client, "casey")
    bearer = _make_token(client, scope="write")
    client.post("/logout", data={"_csrf_token": client.cookies.get("__Host-phb_csrf")})
    client.cookies.clear()
    assert client.get("/api/v1/me", headers=bearer).status_code == 200
    assert client.get("/people", headers=bearer, follow_redirects=False).status_code in {302, 303, 401}
    assert client.get("/account", headers=bearer, follow_redirects=False).status_code in {302, 303, 401}
    # The attack: a token makes a second token (which would outlive its revocation) and changes the password.
    minted = client.post("/account/tokens", headers=bearer, data={"name": "spare", "scope": "write", "days": "365"})
    assert minted.status_code in {401, 403}
    changed = client.post(
        "/account/password",
        headers=bearer,
        data={"current_password": "correct horse battery staple", "new_password": "taken over by a script"},
    )
    assert changed.status_code in {401, 403}
    assert db.scalars(select(ApiToken.name)).all() == ["script"]
    assert login(client, "casey").status_code == 303  # the password is unchanged


def test_a_read_only_token_cannot_change_records(client, db):
    make_user(db, "casey", Role.CHC_SERVICE_MANAGER, Role.CASE_MANAGER)
    login(client, "casey")
    reader = _make_token(client)  # read only is the default
    writer = _make_token(client, scope="write")
    person = {"nhs_number": "9434765919", "given_name": "Ada", "family_name": "Byron", "date_of_birth": "1950-01-01"}
    refused = client.post("/api/v1/people", headers=reader, json=person)
    assert refused.status_code == 403
    assert "may only read" in refused.json()["detail"]
    assert refused.headers["x-content-type-options"] == "nosniff"  # hardened like every other response
    assert client.get("/api/v1/people", headers=reader).status_code == 200
    assert client.post("/api/v1/people", headers=writer, json=person).status_code == 201
    page = client.get("/account").text
    assert "Read only" in page
    assert "Read and write" in page


def test_tokens_expire_and_their_last_use_is_recorded_and_shown(client, db):
    make_user(db, "casey", Role.CASE_MANAGER)
    with freeze_time("2026-12-01 09:00"):
        login(client, "casey")
        bearer = _make_token(client, days="30")
        stored = db.scalar(select(ApiToken).where(ApiToken.name == "script"))
        assert stored.last_used_at is None
        assert "Never" in client.get("/account").text
    with freeze_time("2026-12-20 14:30"):
        assert client.get("/api/v1/me", headers=bearer).status_code == 200
        db.refresh(stored)
        assert stored.last_used_at is not None
        assert stored.expires_at.date().isoformat() == "2026-12-31"
        login(client, "casey")
        assert f'id="token-{stored.id}-last-used">20 December 2026' in client.get("/account").text
    with freeze_time("2027-01-01 09:01"):
        assert client.get("/api/v1/me", headers=bearer).status_code == 401


def test_the_current_password_check_is_throttled_like_signing_in(client, db):
    make_user(db, "casey", Role.CASE_MANAGER)
    right = {"current_password": "correct horse battery staple", "new_password": "a much longer new passphrase"}
    with freeze_time("2026-12-01 09:00") as frozen:
        login(client, "casey")
        for n in range(5):
            guess = {**right, "current_password": f"guess number {n}"}
            assert submit_form(client, "/account", guess, action="/account/password").status_code == 422
        slowed = submit_form(client, "/account", right, action="/account/password")
        assert slowed.status_code == 429
        assert "Too many failed sign-in attempts" in slowed.text
        frozen.tick(dt.timedelta(seconds=2))
        assert submit_form(client, "/account", right, action="/account/password").status_code == 200
