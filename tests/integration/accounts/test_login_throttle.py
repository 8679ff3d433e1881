"""Sign-in: the same answer after the same work whatever the account, and delays an attacker cannot turn into a
lock-out of staff."""

import datetime as dt

import pytest
from freezegun import freeze_time

from phb.accounts import services
from phb.accounts.models import LoginAttempt
from phb.accounts.rules import Role
from phb.accounts.services import GENERIC_FAILURE, actor_for, authenticate, disable_user
from phb.accounts.staff import invite_staff
from phb.config import Settings
from tests.factories import PASSWORD, make_user

SETTINGS = Settings(secret_key="x")
START = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def verifications(monkeypatch):
    calls = []
    real = services._verify

    def counting(password_hash, password):
        if password_hash.startswith("$argon2id$"):  # real work: a hash that argon2 computes against
            calls.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(services, "_verify", counting)
    return calls


def _try(db, username, password="a wrong password", ip="192.0.2.10"):  # noqa: S107 - a test guess
    result = authenticate(db, username=username, password=password, ip_address=ip, settings=SETTINGS)
    db.flush()
    return result


def test_every_kind_of_account_gets_the_same_answer_after_one_argon2_check(db, verifications):
    make_user(db, "casey", Role.CASE_MANAGER)
    disabled = make_user(db, "dora", Role.CASE_MANAGER)
    disable_user(db, disabled, reason="left")
    admin = make_user(db, "admin", Role.ADMINISTRATOR)
    invite_staff(db, actor_for(db, admin), username="newbie", display_name="N", email=None, roles=[Role.CASE_MANAGER])
    with freeze_time(START) as frozen:
        answers = {}
        for name in ["casey", "nobody", "dora", "newbie"]:
            verifications.clear()
            result = _try(db, name, ip=f"198.51.100.{len(answers) + 1}")
            answers[name] = (result.user, result.message, result.throttled, len(verifications))
            frozen.tick(dt.timedelta(seconds=1))
    assert set(answers.values()) == {(None, GENERIC_FAILURE, False, 1)}


def test_after_five_failures_a_real_and_an_unknown_account_are_slowed_down_alike(db, verifications):
    make_user(db, "casey", Role.CASE_MANAGER)
    with freeze_time(START):
        seen = {}
        for name in ["casey", "nobody"]:
            answers = [_try(db, name) for _ in range(5)]
            verifications.clear()
            # The right password for casey: it is not even checked while the delay runs, for either account.
            answers.append(_try(db, name, PASSWORD))
            seen[name] = [(a.user, a.message, a.throttled) for a in answers], len(verifications)
            db.execute(LoginAttempt.__table__.delete())  # the second account starts from the same place
    assert seen["casey"] == seen["nobody"]
    answers, checks = seen["casey"]
    assert checks == 0
    assert answers[-1] == (None, "Too many failed sign-in attempts. Wait 1 second and try again.", True)


def test_an_attacker_cannot_lock_a_member_of_staff_out(db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    office = "192.0.2.10"
    with freeze_time(START) as frozen:
        # An hour of wrong guesses at casey from a botnet, a new address each time.
        for n in range(600):
            _try(db, "casey", ip=f"203.0.{n // 200}.{n % 200}")
            frozen.tick(dt.timedelta(seconds=6))
        # The member of staff, from their own address, waits half a minute at most, then signs in.
        first = _try(db, "casey", PASSWORD, ip=office)
        if first.user is None:
            assert first.throttled
            frozen.tick(dt.timedelta(seconds=SETTINGS.login_account_max_delay_seconds))
        assert _try(db, "casey", PASSWORD, ip=office).user == casey


def test_guessing_from_one_address_soon_waits_a_quarter_of_an_hour_a_guess(db):
    make_user(db, "casey", Role.CASE_MANAGER)
    with freeze_time(START) as frozen:
        guesses = 0
        for _ in range(600):  # an hour, trying every 6 seconds
            guesses += not _try(db, "casey", ip="203.0.113.66").throttled
            frozen.tick(dt.timedelta(seconds=6))
    assert guesses < 25


def test_guessing_from_many_addresses_is_slowed_to_a_few_guesses_a_minute(db):
    make_user(db, "casey", Role.CASE_MANAGER)
    with freeze_time(START) as frozen:
        guesses = 0
        for n in range(300):  # five minutes, a new address every second
            guesses += not _try(db, "casey", ip=f"10.0.{n // 250}.{n % 250}").throttled
            frozen.tick(dt.timedelta(seconds=1))
    assert guesses <= 5 + 5 * 60 // 16 + 1


def test_an_administrator_clears_the_delays(db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    with freeze_time(START):
        for _ in range(6):
            _try(db, "casey")
        assert _try(db, "casey", PASSWORD).throttled
        services.unlock(db, casey, SETTINGS)
        assert _try(db, "casey", PASSWORD).user == casey
