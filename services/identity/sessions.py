"""Logging in and the one authorization path (ID-1, ID-2, ID-5, ID-7, ID-8, ID-9, ID-10).

A session is a random secret, stored only as its SHA-256. An API login gets a bearer token;
a page login gets another secret, its cookie credential, and no bearer token: the cookie
never carries what the API accepts as `Authorization: Bearer`, and a bearer token is no
cookie credential (`via` says which the gateway was given). Every tab of a browser shares
the one session cookie, so any number of tabs work; a newer login with the same ID ends the
older session, which is then answered `session_replaced` so its holder knows why.

A session ends after `SESSIONS.idle_timeout_min` without a request and, however busy,
`SESSIONS.max_age_h` after its login (`session_expired`). A locked ID (staff) cannot log in
(the same answer as a wrong password) and its sessions end at once.
"""
import functools
import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session as DbSession

from services.identity import permissions
from services.identity.domain import hash_password, verify_password
from services.identity.exceptions import (
    EmailVerificationRequired,
    InvalidCredentials,
    LoginThrottled,
    NotPermitted,
    PasswordChangeRequired,
    SessionEnded,
    SessionExpired,
    SessionReplaced,
)
from services.identity.models import Account, LoginThrottle, Registration, Session
from tradecert import clock, config
from tradecert.db import utcnow

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
IDLE_TIMEOUT = timedelta(hours=8)
MAX_AGE = timedelta(hours=12)
VIA = ("bearer", "cookie")


def idle_timeout() -> timedelta:
    minutes = config.section("SESSIONS").get("idle_timeout_min")
    return timedelta(minutes=float(minutes)) if minutes else IDLE_TIMEOUT


def max_age() -> timedelta:
    """The absolute lifetime of a session, however busy (config SESSIONS.max_age_h)."""
    hours = config.section("SESSIONS").get("max_age_h")
    return timedelta(hours=float(hours)) if hours else MAX_AGE


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def login(session: DbSession, cci_code: str, login_id: str, password: str,
          via: str = "bearer") -> tuple[str, Account]:
    """A new session's secret for the account (a bearer token, or with `via="cookie"` a page
    login's cookie credential), or InvalidCredentials (unknown ID, wrong password and a
    locked ID alike) or LoginThrottled after repeated failures."""
    now = utcnow()
    key = f"{cci_code}:{login_id.lower()}"
    throttle = session.get(LoginThrottle, key, with_for_update=True)
    if throttle and throttle.locked_until and throttle.locked_until > now:
        raise LoginThrottled(
            message="too many failed logins",
            params={"retry_after_s": int((throttle.locked_until - now).total_seconds()) + 1})
    account = session.scalar(select(Account).where(Account.cci_code == cci_code,
                                                   Account.login_id == login_id))
    usable = account is not None and (account.kind != "sub" or account.activated_at) \
        and account.locked_at is None  # locked by staff: answered as a wrong password
    # Verify against a real hash even for an unknown ID: the time taken tells nothing.
    if not verify_password(account.password_hash if account else dummy_hash(), password) \
            or not usable:
        _count_failure(session, key, throttle, now)
        raise InvalidCredentials(message="unknown ID or wrong password")
    if throttle is not None:
        session.delete(throttle)
    # ID-8: one session per ID; the older one learns why it ended.
    session.execute(update(Session).where(Session.account_id == account.id,
                                          Session.ended_at.is_(None))
                    .values(ended_at=now, end_reason="replaced"))
    token = secrets.token_urlsafe(32)
    if via == "cookie":  # no bearer token exists for a page login: a random one, never given
        row = Session(token_hash=token_hash(secrets.token_urlsafe(32)),
                      cookie_hash=token_hash(token))
    else:
        row = Session(token_hash=token_hash(token))
    moment = clock.now()
    row.account_id, row.created_at, row.last_seen_at = account.id, moment, moment
    session.add(row)
    session.flush()
    return token, account


def _count_failure(session, key, throttle, now) -> None:
    if throttle is None or now - throttle.window_started_at > FAILURE_WINDOW:
        if throttle is None:
            throttle = LoginThrottle(key=key, failures=0, window_started_at=now)
            session.add(throttle)
        throttle.failures, throttle.window_started_at, throttle.locked_until = 0, now, None
    throttle.failures += 1
    if throttle.failures >= MAX_FAILURES:
        throttle.locked_until = now + LOCKOUT
    session.flush()


def _hash_column(via: str):
    if via not in VIA:
        raise ValueError(f"via must be one of {VIA}")
    return Session.cookie_hash if via == "cookie" else Session.token_hash


def logout(session: DbSession, token: str, via: str = "bearer") -> None:
    session.execute(update(Session).where(_hash_column(via) == token_hash(token or ""),
                                          Session.ended_at.is_(None))
                    .values(ended_at=utcnow(), end_reason="logout"))


def current(session: DbSession, token: str | None,
            via: str = "bearer") -> tuple[Session, Account]:
    """The live session of a bearer token or cookie credential (`via`) and its account;
    SessionReplaced, SessionExpired or SessionEnded."""
    found = session.scalar(select(Session).where(_hash_column(via) == token_hash(token or "")))
    if found is None:
        raise SessionEnded(message="not logged in")
    now = clock.now()
    if found.ended_at is None and (now - found.last_seen_at > idle_timeout()
                                   or now - found.created_at > max_age()):
        found.ended_at, found.end_reason = now, "expired"
    if found.end_reason == "replaced":
        raise SessionReplaced(message="this ID logged in elsewhere; this session has ended")
    if found.end_reason == "expired":
        raise SessionExpired(message="session expired")
    if found.ended_at is not None:
        raise SessionEnded(message=f"session {found.end_reason}")
    if now - found.last_seen_at > timedelta(minutes=1):  # not a write on every request
        found.last_seen_at = now
    return found, session.get(Account, found.account_id)


def authorize(session: DbSession, token: str | None, action: str, via: str = "bearer") -> dict:
    """The one authorization path of every gateway route: who is calling, and may that kind
    of ID do `action` (ID-7)? Returns the caller's context for the services."""
    _, account = current(session, token, via)
    if account.locked_at is not None:  # its sessions ended at the lock; never let one by
        raise SessionEnded(message="session locked")
    if not permissions.allowed(account.kind, action):
        raise NotPermitted(message=f"{account.kind} IDs may not {action}",
                           params={"action": action})
    if account.must_change_password and action not in permissions.BEFORE_PASSWORD_CHANGE:
        raise PasswordChangeRequired(message="change the initial password first")
    if needs_email_verification(account) and action not in permissions.BEFORE_EMAIL_VERIFIED:
        raise EmailVerificationRequired(message="verify the e-mail address first")
    return caller_context(session, account)


def needs_email_verification(account: Account) -> bool:
    return account.kind == "user" and account.email_verified_at is None


def caller_context(session: DbSession, account: Account) -> dict:
    """What the services need to know about the caller: scope (chamber, registration) and,
    for a sub ID, the signer it acts for (ISS-3)."""
    registration = session.get(Registration, account.registration_id) \
        if account.registration_id else None
    creator = session.get(Account, account.creator_id) if account.creator_id else None
    return {
        "account_id": account.id, "login_id": account.login_id, "kind": account.kind,
        "name": account.name, "cci_code": account.cci_code,
        "registration_id": account.registration_id,
        "trade_registration_number": registration.trade_registration_number
        if registration else None,
        "signer_login_id": creator.login_id if creator else (
            account.login_id if account.kind == "user" else None),
        "must_change_password": account.must_change_password,
        "must_verify_email": needs_email_verification(account),
    }


@functools.cache
def dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(12))
