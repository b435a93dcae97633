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
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session as DbSession

from services.identity import permissions
from services.identity.domain import hash_password, sessions_changed, verify_password
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
from services.identity.models import Account, Chamber, RateLimit, Registration, Session
from tradecert import clock, config, ratelimit
from tradecert.db import utcnow
from tradecert.ratelimit import Limit

IDLE_TIMEOUT = timedelta(hours=8)
# ID-1 throttling (issue 9). What gets refused is an address: one that keeps failing across
# IDs, or on one ID. Failures on an ID from anywhere only slow that ID's logins down, so
# strangers alone can never lock its owner out. LIMITS in config.yaml changes each.
FAILURES_PER_ADDRESS = Limit("login_failures_per_address", 20, 15 * 60)
FAILURES_PER_ADDRESS_AND_ID = Limit("login_failures_per_address_and_id", 5, 15 * 60)
FAILURES_PER_ID = Limit("login_failures_per_id", 3, 15 * 60)  # free ones, then the delay
DELAY_BASE_S, DELAY_MAX_S = 0.25, 3.0
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
          client_address: str | None = None, via: str = "bearer") -> tuple[str, Account]:
    """A new session's secret for the account (a bearer token, or with `via="cookie"` a page
    login's cookie credential), or InvalidCredentials (unknown ID, wrong password, a locked
    or retired ID alike) or LoginThrottled when this address failed too often."""
    now = utcnow()
    with password_attempt(session, cci_code, login_id, client_address, InvalidCredentials):
        account = session.scalar(select(Account).where(Account.cci_code == cci_code,
                                                       Account.login_id == login_id))
        # A retired ID (a signer removed by a change request, or its sub IDs) and an ID
        # locked by staff answer as a wrong password does.
        usable = account is not None and account.retired_at is None \
            and account.locked_at is None and (account.kind != "sub" or account.activated_at)
        # Verify against a real hash even for an unknown ID: the time taken tells nothing.
        if not verify_password(account.password_hash if account else dummy_hash(), password) \
                or not usable:
            raise InvalidCredentials(message="unknown ID or wrong password")
    # ID-8: one session per ID; the older one learns why it ended.
    replaced = session.execute(update(Session).where(Session.account_id == account.id,
                                                     Session.ended_at.is_(None))
                               .values(ended_at=now, end_reason="replaced")).rowcount
    if replaced:
        sessions_changed(session, account, "replaced")
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


@contextmanager
def password_attempt(session: DbSession, cci_code: str, login_id: str,
                     client_address: str | None, failure: type[Exception]):
    """A password typed for an ID (a login, the current password of a change): refused with
    LoginThrottled when this address failed too often, across IDs or on this one; a
    `failure` raised inside is counted for the address, the address and ID, and the ID. A
    right password forgets the failures on the ID (the address's own count stays)."""
    pair = (client_address, cci_code, login_id)
    ratelimit.check(session, RateLimit, FAILURES_PER_ADDRESS, client_address, LoginThrottled)
    ratelimit.check(session, RateLimit, FAILURES_PER_ADDRESS_AND_ID, pair, LoginThrottled)
    try:
        yield
    except failure:
        ratelimit.count(session, RateLimit, FAILURES_PER_ADDRESS, client_address)
        ratelimit.count(session, RateLimit, FAILURES_PER_ADDRESS_AND_ID, pair)
        ratelimit.count(session, RateLimit, FAILURES_PER_ID, (cci_code, login_id))
        raise
    ratelimit.forget(session, RateLimit, FAILURES_PER_ADDRESS_AND_ID, pair)
    ratelimit.forget(session, RateLimit, FAILURES_PER_ID, (cci_code, login_id))


def login_delay(session: DbSession, cci_code: str, login_id: str) -> float:
    """Seconds to wait before checking a password for this ID: none for its first few
    failures (from any address), then doubling up to a few seconds. It slows guessing down
    without ever refusing the owner."""
    failures = ratelimit.hits(session, RateLimit, FAILURES_PER_ID, (cci_code, login_id))
    return delay_after(failures, FAILURES_PER_ID.configured.count)


def delay_after(failures: int, free: int) -> float:
    if failures < free:
        return 0.0
    settings = config.section("LIMITS").get("login_delay") or {}
    base = float(settings.get("base_s", DELAY_BASE_S))
    return min(float(settings.get("max_s", DELAY_MAX_S)),
               base * 2 ** min(failures - free, 30))  # past 2**30 the cap has long won


def _hash_column(via: str):
    if via not in VIA:
        raise ValueError(f"via must be one of {VIA}")
    return Session.cookie_hash if via == "cookie" else Session.token_hash


def logout(session: DbSession, token: str, via: str = "bearer") -> None:
    ended = session.scalars(update(Session).where(_hash_column(via) == token_hash(token or ""),
                                                  Session.ended_at.is_(None))
                            .values(ended_at=utcnow(), end_reason="logout")
                            .returning(Session.account_id)).all()
    for account_id in ended:
        sessions_changed(session, session.get(Account, account_id), "logout")


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
    account = session.get(Account, found.account_id)
    if account.retired_at is not None:  # retired by a change request: at once
        found.ended_at, found.end_reason = now, "retired"
        raise SessionEnded(message="session retired")
    if now - found.last_seen_at > timedelta(minutes=1):  # not a write on every request
        found.last_seen_at = now
    return found, account


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
    chamber = session.get(Chamber, account.cci_code)
    return {
        "account_id": account.id, "login_id": account.login_id, "kind": account.kind,
        "name": account.name, "cci_code": account.cci_code,
        # every page's header names the chamber (issue 9)
        "chamber_name_ja": chamber.name_ja, "chamber_name_en": chamber.name_en,
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
