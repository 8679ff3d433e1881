"""Sign in, sign out, sessions, lockout and CSRF, as a browser sees them."""

import datetime as dt

from freezegun import freeze_time
from sqlalchemy import select

from phb.accounts.models import LoginAttempt, WebSession
from phb.accounts.rules import Role
from phb.accounts.services import disable_user
from tests.factories import make_user
from tests.web.helpers import SESSION_COOKIE, csrf, login


def test_anonymous_pages_redirect_to_sign_in_and_api_says_401(client):
    page = client.get("/", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=%2F"
    api = client.get("/api/v1/people")
    assert api.status_code == 401
    assert api.headers["content-type"].startswith("application/problem+json")
    assert "items" not in api.text


def test_sign_in_sets_a_host_only_secure_session_cookie_and_shows_the_caseload(client, db):
    make_user(db, "casey", Role.CASE_MANAGER)
    response = login(client, "casey")
    assert response.status_code == 303
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE))
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "Path=/" in cookie
    assert "Domain" not in cookie
    home = client.get("/")
    assert home.status_code == 200
    assert "Your caseload" in home.text


def test_wrong_password_gives_the_same_message_as_unknown_user_and_is_recorded(client, db):
    make_user(db, "casey", Role.CASE_MANAGER)
    wrong = login(client, "casey", "not the password")
    unknown = login(client, "nobody", "not the password")
    assert wrong.status_code == unknown.status_code == 400
    assert "Enter a correct username and password" in wrong.text
    assert "Enter a correct username and password" in unknown.text
    reasons = db.scalars(select(LoginAttempt.reason).order_by(LoginAttempt.id)).all()
    assert reasons[-2:] == ["bad_password", "unknown_user"]


def test_after_five_failures_sign_in_is_delayed_not_locked_and_says_the_same_for_an_unknown_account(client, db):
    make_user(db, "casey", Role.CASE_MANAGER)
    with freeze_time("2026-12-01 09:00") as frozen:
        for _ in range(5):
            login(client, "casey", "wrong password here")
            login(client, "nobody", "wrong password here")
        slowed = login(client, "casey")  # the right password, during the delay
        unknown = login(client, "nobody")
        assert slowed.status_code == unknown.status_code == 429
        message = "Too many failed sign-in attempts. Wait 1 second and try again."
        assert message in slowed.text
        assert message in unknown.text
        assert "locked" not in slowed.text
        frozen.tick(dt.timedelta(seconds=60))
        assert login(client, "casey").status_code == 303  # a delay, not a lock


def test_post_without_csrf_token_is_refused_and_changes_nothing(client, db):
    make_user(db, "casey", Role.CASE_MANAGER)
    login(client, "casey")
    response = client.post(
        "/people",
        data={"nhs_number": "9434765919", "given_name": "A", "family_name": "B", "date_of_birth": "1950-01-01"},
    )
    assert response.status_code == 403
    assert "form expired" in response.text
    wrong = client.post("/people", data={"_csrf_token": "x" * 43, "nhs_number": "9434765919"})
    assert wrong.status_code == 403
    htmx_ok = client.post(
        "/people",
        headers={"X-CSRF-Token": csrf(client), "HX-Request": "true", "HX-Target": "person-form"},
        data={"given_name": ""},
    )
    assert htmx_ok.status_code == 422  # past CSRF, stopped by validation


def test_logout_ends_the_session_server_side(client, db):
    make_user(db, "casey", Role.CASE_MANAGER)
    login(client, "casey")
    token = client.cookies.get(SESSION_COOKIE)
    client.post("/logout", data={"_csrf_token": csrf(client)})
    client.cookies.set(SESSION_COOKIE, token, domain="testserver.local")  # replaying the old cookie
    assert client.get("/", follow_redirects=False).status_code == 303
    ended = db.scalars(select(WebSession.ended_reason)).all()
    assert "logout" in ended


def test_idle_session_expires_after_thirty_minutes(client, db):
    make_user(db, "casey", Role.CASE_MANAGER)
    start = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    with freeze_time(start) as frozen:
        login(client, "casey")
        frozen.tick(dt.timedelta(minutes=29))
        assert client.get("/", follow_redirects=False).status_code == 200
        frozen.tick(dt.timedelta(minutes=31))
        assert client.get("/", follow_redirects=False).status_code == 303
    assert "idle_timeout" in db.scalars(select(WebSession.ended_reason)).all()


def test_using_a_session_keeps_it_alive(client, db):
    """Idle means unused: a request at 20 minutes moves the clock, so 40 minutes after sign-in is 20 idle."""
    make_user(db, "casey", Role.CASE_MANAGER)
    with freeze_time(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)) as frozen:
        login(client, "casey")
        frozen.tick(dt.timedelta(minutes=20))
        assert client.get("/", follow_redirects=False).status_code == 200
        frozen.tick(dt.timedelta(minutes=20))
        assert client.get("/", follow_redirects=False).status_code == 200
    assert db.scalars(select(WebSession.ended_reason)).all() == [None]


def test_disabling_an_account_ends_its_sessions(client, db):
    user = make_user(db, "casey", Role.CASE_MANAGER)
    login(client, "casey")
    db.refresh(user)  # the login changed the row (last_login_at, version)
    disable_user(db, user, reason="left the organisation")
    assert client.get("/", follow_redirects=False).status_code == 303


def test_next_parameter_cannot_send_the_user_off_site(client, db):
    make_user(db, "casey", Role.CASE_MANAGER)
    response = client.post(
        "/login",
        data={
            "username": "casey",
            "password": "correct horse battery staple",
            "_csrf_token": csrf(client),
            "next": "//evil.example",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/login")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    assert "<script>" not in response.text


def test_pages_tell_the_browser_the_idle_limit_and_keepalive_extends_the_session(client, db):
    make_user(db, "casey", Role.CASE_MANAGER)
    start = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    with freeze_time(start) as frozen:
        login(client, "casey")
        assert '<meta name="phb-session-idle-seconds" content="1800">' in client.get("/").text
        frozen.tick(dt.timedelta(minutes=28))  # the warning shows at 28 minutes; the person clicks "Stay signed in"
        assert client.post("/session/keepalive", headers={"X-CSRF-Token": csrf(client)}).status_code == 204
        frozen.tick(dt.timedelta(minutes=22))  # 50 minutes after sign-in, 22 after the keepalive
        assert client.get("/", follow_redirects=False).status_code == 200


def test_absolute_timeout_ends_even_an_active_session_after_twelve_hours(client, db):
    make_user(db, "casey", Role.CASE_MANAGER)
    with freeze_time(dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)) as frozen:
        login(client, "casey")
        for _ in range(25):  # busy all day: a request every 29 minutes, 12 h 5 min in all
            frozen.tick(dt.timedelta(minutes=29))
            client.get("/")
        assert client.get("/", follow_redirects=False).status_code == 303
    assert "absolute_timeout" in db.scalars(select(WebSession.ended_reason)).all()


def test_signing_in_again_ends_the_previous_session(client, db):
    make_user(db, "casey", Role.CASE_MANAGER)
    login(client, "casey")
    first = client.cookies.get(SESSION_COOKIE)
    login(client, "casey")
    second = client.cookies.get(SESSION_COOKIE)
    assert first != second
    client.cookies.set(SESSION_COOKIE, first, domain="testserver.local")  # replaying the earlier cookie
    assert client.get("/", follow_redirects=False).status_code == 303
    assert "replaced" in db.scalars(select(WebSession.ended_reason)).all()


def test_logout_deletes_the_host_cookie_with_the_attributes_the_browser_needs(client, db):
    make_user(db, "casey", Role.CASE_MANAGER)
    login(client, "casey")
    response = client.post("/logout", data={"_csrf_token": csrf(client)}, follow_redirects=False)
    (deletion,) = [c for c in response.headers.get_list("set-cookie") if c.startswith(f"{SESSION_COOKIE}=")]
    attributes = {part.strip().split("=")[0].lower() for part in deletion.split(";")}
    # A browser refuses (and so ignores) a __Host- cookie set without Secure, deletions included.
    assert {"secure", "path", "max-age"} <= attributes
    assert "max-age=0" in deletion.lower().replace(" ", "")
    assert "domain" not in attributes
