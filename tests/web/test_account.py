"""Your account (API tokens, password) and administrators managing accounts."""

import re

from sqlalchemy import select

from phb.accounts.models import ApiToken, User
from phb.accounts.rules import Role
from tests.factories import make_user
from tests.web.helpers import login, post_form


def test_make_use_and_revoke_an_api_token_from_the_account_page(client, db):
    make_user(db, "casey", Role.CASE_MANAGER)
    login(client, "casey")
    page = post_form(client, "/account/tokens", {"name": "monthly report"})
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


def test_administrator_creates_a_user_with_roles_and_unlocks_a_locked_one(client, db):
    make_user(db, "admin", Role.ADMINISTRATOR)
    locked = make_user(db, "casey", Role.CASE_MANAGER)
    for _ in range(5):
        login(client, "casey", "wrong password again")
    login(client, "admin")
    assert "Locked until" in client.get("/admin/users").text
    post_form(client, f"/admin/users/{locked.id}/unlock", {})
    created = post_form(
        client,
        "/admin/users",
        {
            "username": "Sam",
            "display_name": "Sam Okoro",
            "password": "service manager pass",
            "roles": ["chc_service_manager", "peer_reviewer"],
        },
    )
    assert created.status_code == 200
    sam = db.scalar(select(User).where(User.username == "sam"))
    assert sam is not None
    assert sam.role_set == {Role.CHC_SERVICE_MANAGER, Role.PEER_REVIEWER}
    client.post("/logout", data={"_csrf_token": client.cookies.get("__Host-phb_csrf")})
    assert login(client, "casey").status_code == 303  # unlocked


def test_only_administrators_manage_users(client, db):
    make_user(db, "casey", Role.CASE_MANAGER)
    login(client, "casey")
    assert client.get("/admin/users").status_code == 403
    response = post_form(
        client,
        "/admin/users",
        {"username": "mallory", "display_name": "M", "password": "long enough password", "roles": "administrator"},
    )
    assert response.status_code == 403
    assert db.scalar(select(User).where(User.username == "mallory")) is None
