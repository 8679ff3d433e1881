"""Login, sessions and tokens.

Passwords are hashed with argon2id at no less than OWASP's floor. Sessions live in the database (the app is
stateless, so several processes can serve one database); the browser holds only a random token. Logins are
slowed by progressive delays per account, per account and address, and per address (never a hard lock an
attacker could hold over staff), worked out from the attempts alone so unknown usernames behave like real ones.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from phb.access.rules import Actor
from phb.access.services import represented_people
from phb.accounts.models import ApiToken, LoginAttempt, User, UserRole, WebSession
from phb.accounts.rules import Role, password_problems
from phb.audit.services import record
from phb.config import Settings
from phb.db import utcnow
from phb.errors import NotFoundError, ValidationFailedError

# argon2id, 19 MiB, 2 iterations, 1 lane: the OWASP Password Storage Cheat Sheet minimum.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verified when the username is unknown, so a wrong username takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


# Stored instead of a hash for an account whose owner has not yet set a password: it is not a valid argon2 hash,
# so no password matches it.
NO_PASSWORD = "!"  # noqa: S105 - a marker, not a secret


USERNAME_UNAVAILABLE = "Choose a different username, for example with your surname or a number added"


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def token_digest(token: str) -> str:
    """SHA-256 of a random token: tokens have 256 bits of entropy, so a fast hash is safe here."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    session: Session,
    *,
    username: str,
    display_name: str,
    password: str | None,
    roles: list[Role],
    email: str | None = None,
    person_id: int | None = None,
    require_roles: bool = True,
) -> User:
    """Create an account; the password must meet the policy and the username be free.

    ``password=None`` makes an account nobody can sign in to until its owner sets a password from a one-time
    link (:func:`phb.accounts.staff.invite_staff`): no one else ever chooses it.
    """
    username = username.strip().lower()
    errors: dict[str, str] = {}
    if not username:
        errors["username"] = "Enter a username"
    elif session.scalar(select(User.id).where(User.username == username)) is not None:
        # Said neutrally, not "already taken": the invitation form is open to anyone holding a link.
        errors["username"] = USERNAME_UNAVAILABLE
    if password is not None and (problems := password_problems(password, username=username)):
        errors["password"] = "; ".join(problems)
    if require_roles and not roles:
        errors["roles"] = "Choose at least one role"
    if errors:
        raise ValidationFailedError(errors)
    user = User(
        username=username,
        display_name=display_name.strip() or username,
        email=email,
        password_hash=NO_PASSWORD if password is None else hash_password(password),
        person_id=person_id,
        roles=[UserRole(role=str(r)) for r in sorted(set(roles))],
    )
    session.add(user)
    session.flush()
    return user


def actor_for(session: Session, user: User) -> Actor:
    """The policy's view of a user."""
    return _actor(session, user.id, user.username, user.display_name, user.role_set, user.person_id)


def _actor(
    session: Session, user_id: int, username: str, display_name: str, roles: frozenset[Role], person_id: int | None
) -> Actor:
    """An Actor from a user's columns; a representative's people are looked up."""
    represents = represented_people(session, user_id) if Role.REPRESENTATIVE in roles else frozenset()
    return Actor(
        user_id=user_id,
        username=username,
        display_name=display_name,
        roles=roles,
        person_id=person_id,
        represents=represents,
    )


@dataclass(frozen=True)
class LoginResult:
    """The outcome of a login attempt; ``message`` is safe to show (it never says which part was wrong)."""

    user: User | None
    message: str = ""
    throttled: bool = False


GENERIC_FAILURE = "Enter a correct username and password"


class ThrottledError(ValidationFailedError):
    """Too many failed password checks: wait (the message says how long)."""

    def __init__(self, message: str) -> None:
        super().__init__({"current_password": message})


# Attempts refused without checking a password; they do not make the delay longer.
THROTTLED = "throttled"
# A row that starts an account's count afresh: a successful sign-in, or an administrator clearing the delays.
CLEARED = "cleared"
RESET_REASONS = frozenset({"ok", CLEARED})


def _delay(failures: int, free: int, cap: dt.timedelta) -> dt.timedelta:
    """No wait for the first ``free`` failures, then 1, 2, 4, 8 ... seconds, never more than ``cap``."""
    if failures < free:
        return dt.timedelta(0)
    return min(cap, dt.timedelta(seconds=2 ** min(failures - free, 20)))


def account_failures(session: Session, username: str, settings: Settings) -> list[LoginAttempt]:
    """Failed attempts at ``username`` in the window since its last successful sign-in (or clearing), oldest first.

    Counted from the attempts alone, so an unknown username is treated exactly like a real one.
    """
    since = utcnow() - dt.timedelta(minutes=settings.login_failure_window_minutes)
    rows = list(
        session.scalars(
            select(LoginAttempt)
            .where(LoginAttempt.username == username, LoginAttempt.attempted_at >= since)
            .order_by(LoginAttempt.attempted_at, LoginAttempt.id)
        )
    )
    resets = [i for i, row in enumerate(rows) if row.reason in RESET_REASONS]
    rows = rows[resets[-1] + 1 :] if resets else rows
    return [row for row in rows if not row.succeeded and row.reason != THROTTLED]


def login_wait(session: Session, *, username: str, ip_address: str, settings: Settings) -> dt.timedelta:
    """How long this username from this address must wait before a password is checked again.

    Progressive delays, never a hard lock an attacker could hold over a member of staff:

    * per account *and* address: after ``login_max_failures`` failures, 1, 2, 4 ... seconds up to
      ``login_lockout_minutes`` (someone guessing from one place soon waits a quarter of an hour a guess);
    * per account from anywhere: the same steps, but capped at ``login_account_max_delay_seconds``, so guessing
      from many addresses is slowed to a few guesses a minute while the real user waits at most that long;
    * per address, whatever the account: after ``login_ip_max_failures`` failures in the window, the same steps
      up to ``login_lockout_minutes`` (an attacker slows only their own address).
    """
    now = utcnow()
    cap = dt.timedelta(minutes=settings.login_lockout_minutes)
    waits = [dt.timedelta(0)]
    failures = account_failures(session, username, settings)
    if failures:
        free = settings.login_max_failures
        account_cap = dt.timedelta(seconds=settings.login_account_max_delay_seconds)
        waits.append(failures[-1].attempted_at + _delay(len(failures), free, account_cap) - now)
        pair = [row for row in failures if row.ip_address == ip_address]
        if pair:
            waits.append(pair[-1].attempted_at + _delay(len(pair), free, cap) - now)
    since = now - dt.timedelta(minutes=settings.login_ip_window_minutes)
    count, last = session.execute(
        select(func.count(), func.max(LoginAttempt.attempted_at)).where(
            LoginAttempt.ip_address == ip_address,
            LoginAttempt.attempted_at >= since,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.reason.not_in((THROTTLED, CLEARED)),
        )
    ).one()
    if count and last is not None:
        waits.append(last + _delay(count, settings.login_ip_max_failures, cap) - now)
    return max(waits)


def _wait_message(wait: dt.timedelta) -> str:
    seconds = max(1, int(wait.total_seconds() + 0.999))
    if seconds < 120:  # noqa: PLR2004 - two minutes
        amount = "1 second" if seconds == 1 else f"{seconds} seconds"
    else:
        amount = f"{(seconds + 59) // 60} minutes"
    return f"Too many failed sign-in attempts. Wait {amount} and try again."


def authenticate(session: Session, *, username: str, password: str, ip_address: str, settings: Settings) -> LoginResult:
    """Check a username and password, with progressive delays per account, per account and address, and per address.

    Whatever the account (unknown, disabled, not yet set up, waiting out a delay, or real with a wrong password)
    the answer is the same message after the same work: one argon2 verification, or none while a delay runs for
    everyone alike. So neither the words nor the time tell an attacker which usernames exist (ASVS 5.0 V6.3.8).
    """
    username = username.strip().lower()
    wait = login_wait(session, username=username, ip_address=ip_address, settings=settings)
    if wait > dt.timedelta(0):
        session.add(LoginAttempt(username=username, ip_address=ip_address, succeeded=False, reason=THROTTLED))
        return LoginResult(None, _wait_message(wait), throttled=True)
    user = session.scalar(select(User).where(User.username == username))
    usable = user is not None and user.password_hash != NO_PASSWORD
    matches = _verify(user.password_hash if user is not None and usable else _DUMMY_HASH, password) and usable
    if user is None or not matches or not user.is_active:
        reason = "unknown_user" if user is None else ("bad_password" if not matches else "inactive")
        session.add(LoginAttempt(username=username, ip_address=ip_address, succeeded=False, reason=reason))
        return LoginResult(None, GENERIC_FAILURE)
    # Sign-in bookkeeping is written with atomic UPDATEs, not through the versioned ORM object: the same account
    # signing in from two tabs at once must not fail with an edit conflict.
    values: dict[str, object] = {"last_login_at": utcnow()}
    if _hasher.check_needs_rehash(user.password_hash):
        values["password_hash"] = hash_password(password)
    session.execute(update(User).where(User.id == user.id).values(**values))
    session.add(LoginAttempt(username=username, ip_address=ip_address, succeeded=True, reason="ok"))
    return LoginResult(user)


def unlock(session: Session, user: User, settings: Settings) -> None:
    """An administrator clears an account's sign-in delays (audited: it changes who may try to sign in)."""
    failures = account_failures(session, user.username, settings)
    record(
        session,
        action="user.unlocked",
        entity_type="users",
        entity_id=user.id,
        before={"recent_failed_sign_ins": len(failures)},
    )
    session.add(LoginAttempt(username=user.username, ip_address="-", succeeded=False, reason=CLEARED))
    session.flush()


def failed_sign_ins(session: Session, usernames: list[str], settings: Settings) -> dict[str, int]:
    """Recent failed sign-ins (since the last success or clearing) of the accounts that have any."""
    since = utcnow() - dt.timedelta(minutes=settings.login_failure_window_minutes)
    candidates = session.scalars(
        select(LoginAttempt.username)
        .where(
            LoginAttempt.username.in_(usernames),
            LoginAttempt.attempted_at >= since,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.reason.not_in((THROTTLED, CLEARED)),
        )
        .distinct()
    ).all()
    counts = {name: len(account_failures(session, name, settings)) for name in candidates}
    return {name: count for name, count in counts.items() if count}


def start_session(session: Session, user: User, *, ip_address: str | None, user_agent: str | None) -> str:
    """A new session (a new id at every login, against fixation); returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            token_hash=token_digest(token),
            user_id=user.id,
            ip_address=ip_address,
            user_agent=(user_agent or "")[:300],
        )
    )
    record(session, action="session.started", entity_type="users", entity_id=user.id)
    session.flush()
    return token


def _ended_reason(
    now: dt.datetime, created_at: dt.datetime, last_seen_at: dt.datetime, active_user: bool, settings: Settings
) -> str | None:
    """Why a session that has not been ended must end now, if it must."""
    if not active_user:
        return "account_disabled"
    if now - last_seen_at > dt.timedelta(minutes=settings.session_idle_minutes):
        return "idle_timeout"
    if now - created_at > dt.timedelta(hours=settings.session_absolute_hours):
        return "absolute_timeout"
    return None


# The session, its user and the user's roles as plain rows (one per role): no ORM objects to build, because this
# runs before every signed-in request. Built once; the token's digest is the only parameter.
_SESSION_ACTOR = (
    select(
        WebSession.user_id,
        WebSession.created_at,
        WebSession.last_seen_at,
        WebSession.ended_at,
        User.username,
        User.display_name,
        User.person_id,
        User.is_active,
        UserRole.role,
    )
    .outerjoin(User, User.id == WebSession.user_id)
    .outerjoin(UserRole, UserRole.user_id == User.id)
    .where(WebSession.token_hash == bindparam("digest"))
)
_END_SESSION = (
    update(WebSession)
    .where(WebSession.token_hash == bindparam("digest"))
    .values(ended_at=bindparam("now"), ended_reason=bindparam("reason"))
)
_SEEN_SESSION = (
    update(WebSession).where(WebSession.token_hash == bindparam("digest")).values(last_seen_at=bindparam("now"))
)


def session_actor(session: Session, token: str, settings: Settings) -> Actor | None:
    """The :class:`Actor` behind a session token, or None if it is unknown, ended, idle too long or too old.

    An idle, too old or disabled session is ended now. ``last_seen_at`` is refreshed at most once a minute so that
    reads do not each cost a write. The session, its user and the user's roles come in one statement.
    """
    digest = token_digest(token)
    rows = session.execute(_SESSION_ACTOR, {"digest": digest}).all()
    if not rows or rows[0].ended_at is not None:
        return None
    first, now = rows[0], utcnow()
    active = first.username is not None and bool(first.is_active)
    ended_reason = _ended_reason(now, first.created_at, first.last_seen_at, active, settings)
    if ended_reason:
        session.execute(_END_SESSION, {"digest": digest, "now": now, "reason": ended_reason})
        return None
    if now - first.last_seen_at > dt.timedelta(minutes=1):
        session.execute(_SEEN_SESSION, {"digest": digest, "now": now})
    roles = frozenset(Role(row.role) for row in rows if row.role is not None)
    return _actor(session, first.user_id, first.username, first.display_name, roles, first.person_id)


def end_session(session: Session, token: str, *, reason: str = "logout") -> None:
    """End a session (logout)."""
    web_session = session.get(WebSession, token_digest(token))
    if web_session is not None and web_session.ended_at is None:
        web_session.ended_at, web_session.ended_reason = utcnow(), reason
        record(session, action="session.ended", entity_type="users", entity_id=web_session.user_id, reason=reason)


def disable_user(session: Session, user: User, *, reason: str) -> None:
    """Disable an account and end every session it has."""
    user.is_active = False
    session.execute(
        update(WebSession)
        .where(WebSession.user_id == user.id, WebSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_reason="account_disabled")
    )
    record(session, action="user.disabled", entity_type="users", entity_id=user.id, reason=reason)
    session.flush()


TOKEN_SCOPES = ("read", "write")
TOKEN_DAYS = (30, 90, 365)
# Tokens made before every token had an expiry stop this long after they were made.
LEGACY_TOKEN_DAYS = 90


def create_api_token(session: Session, user: User, *, name: str, days: int = 90, scope: str = "read") -> str:
    """A new API token for ``user``; the returned text is shown once and never stored.

    Every token expires (at most a year) and is either ``read`` (safe methods only) or ``write``.
    """
    errors: dict[str, str] = {}
    if scope not in TOKEN_SCOPES:
        errors["scope"] = "Choose read only, or read and write"
    if days not in TOKEN_DAYS:
        errors["days"] = "Choose when the token expires"
    if errors:
        raise ValidationFailedError(errors)
    token = "phb_" + secrets.token_urlsafe(32)
    expires = utcnow() + dt.timedelta(days=days)
    session.add(ApiToken(user_id=user.id, name=name, token_hash=token_digest(token), expires_at=expires, scope=scope))
    session.flush()
    return token


@dataclass(frozen=True)
class TokenUse:
    """The account behind a live API token, and what the token allows."""

    user: User
    scope: str


def resolve_api_token(session: Session, token: str) -> TokenUse | None:
    """The active user behind a live API token; its last use is recorded (at most once a minute)."""
    api_token = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
    now = utcnow()
    if api_token is None or api_token.revoked_at is not None:
        return None
    expires_at = api_token.expires_at or api_token.created_at + dt.timedelta(days=LEGACY_TOKEN_DAYS)
    if expires_at <= now:
        return None
    user = session.get(User, api_token.user_id)
    if user is None or not user.is_active:
        return None
    if api_token.last_used_at is None or now - api_token.last_used_at > dt.timedelta(minutes=1):
        # A plain UPDATE: a token's use is not an audited change of the token.
        session.execute(update(ApiToken).where(ApiToken.id == api_token.id).values(last_used_at=now))
    return TokenUse(user, api_token.scope)


def end_all_access(session: Session, user_id: int, *, reason: str, keep_session: str | None = None) -> None:
    """End every session of the user but ``keep_session`` and revoke every API token.

    After a password change or reset, whoever knew the old password is out (ASVS 5.0 V7.4.3); ``keep_session`` is
    the token of the session making the change.
    """
    now = utcnow()
    ended = update(WebSession).where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
    if keep_session is not None:
        ended = ended.where(WebSession.token_hash != token_digest(keep_session))
    session.execute(ended.values(ended_at=now, ended_reason=reason))
    for token in session.scalars(
        select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    ):  # through the ORM, so each revocation is audited
        token.revoked_at = now
    record(session, action="user.access_ended", entity_type="users", entity_id=user_id, reason=reason)
    session.flush()


def change_password(
    session: Session,
    user: User,
    *,
    current: str,
    new: str,
    settings: Settings,
    keep_session: str | None = None,
    ip_address: str = "unknown",
) -> None:
    """Change one's own password: the current one must be right and the new one meet the policy.

    The current-password check is throttled like signing in, and its failures count towards the same delays: a
    stolen session cannot be used to guess the password. Every other session of the user ends and every API
    token is revoked; ``keep_session`` (the session making the change) stays signed in.
    """
    errors: dict[str, str] = {}
    wait = login_wait(session, username=user.username, ip_address=ip_address, settings=settings)
    if wait > dt.timedelta(0):
        session.add(LoginAttempt(username=user.username, ip_address=ip_address, succeeded=False, reason=THROTTLED))
        raise ThrottledError(_wait_message(wait))
    if not _verify(user.password_hash, current):
        session.add(
            LoginAttempt(username=user.username, ip_address=ip_address, succeeded=False, reason="bad_current_password")
        )
        errors["current_password"] = "Your current password is not right"  # noqa: S105 - a message
    if problems := password_problems(new, username=user.username):
        errors["new_password"] = "; ".join(problems)
    if errors:
        raise ValidationFailedError(errors)
    user.password_hash = hash_password(new)
    end_all_access(session, user.id, reason="password_changed", keep_session=keep_session)


def list_api_tokens(session: Session, user_id: int) -> list[ApiToken]:
    """A user's API tokens, newest first (only names and dates: the tokens themselves are not kept)."""
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())))


def revoke_api_token(session: Session, user_id: int, token_id: int) -> None:
    """Revoke one of the user's own tokens (someone else's token looks like a missing one)."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user_id:
        raise NotFoundError("API token", token_id)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()


def enable_user(session: Session, user: User) -> None:
    """Re-enable a disabled account (its old sessions stay ended)."""
    user.is_active = True
    session.flush()
