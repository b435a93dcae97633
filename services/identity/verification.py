"""ID-5: a user ID proves its e-mail address with a 6-digit code sent by mail."""
import contextlib
import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy.orm import Session as DbSession

from services.identity.domain import SERVICE, sessions_changed
from services.identity.exceptions import (
    VerificationCodeInvalid,
    VerificationCodesUsedUp,
    WrongCodesUsedUp,
)
from services.identity.models import Account, EmailVerification, RateLimit
from tradecert import clock, config, outbox, ratelimit
from tradecert.errors import TooManyAttempts
from tradecert.ratelimit import Limit

CODE_VALID = timedelta(minutes=30)
MAX_ATTEMPTS = 5  # wrong codes per code
RESEND_AFTER = timedelta(seconds=60)
# Per ID whatever the address (issue 9: alternating two addresses skipped the wait and
# started the count again), and per client address. LIMITS in config.yaml changes them.
CODES_PER_ID = Limit("verification_codes_per_id", 5, 24 * 3600)
WRONG_CODES_PER_ID = Limit("verification_wrong_codes_per_id", 10, 24 * 3600)
CODES_PER_ADDRESS = Limit("verification_codes_per_address", 20, 3600)


def _code_hash(account_id: int, code: str) -> str:
    key = f"{config.secret_key()}:email-verification".encode()
    return hmac.new(key, f"{account_id}:{code}".encode(), hashlib.sha256).hexdigest()


def request_code(session: DbSession, account: Account, email: str | None = None,
                 client_address: str | None = None) -> dict:
    """Mail a new code (the old one stops working). `email` first changes the address on file,
    for when the mail did not arrive. For the ID, whatever the address: a new code at most
    once a minute and a few a day; a client address gets a few more an hour."""
    now = clock.now()
    current = session.get(EmailVerification, account.id, with_for_update=True)
    if current is not None and now - current.created_at < RESEND_AFTER:
        wait = RESEND_AFTER - (now - current.created_at)
        raise TooManyAttempts(code="verification_resend_too_soon",
                              message="a code was sent less than a minute ago",
                              params={"retry_after_s": int(wait.total_seconds()) + 1})
    ratelimit.hit(session, RateLimit, CODES_PER_ID, account.id, VerificationCodesUsedUp)
    ratelimit.hit(session, RateLimit, CODES_PER_ADDRESS, client_address,
                  VerificationCodesUsedUp)
    if email is not None and email != account.email:
        account.email = email
        account.email_verified_at = None
    code = f"{secrets.randbelow(10**6):06d}"
    if current is None:
        current = EmailVerification(account_id=account.id, attempts=0)
        session.add(current)
    current.email, current.code_hash = account.email, _code_hash(account.id, code)
    current.expires_at, current.attempts, current.created_at = now + CODE_VALID, 0, now
    session.flush()
    outbox.record(session, SERVICE, "verification_requested", {
        "cci_code": account.cci_code, "login_id": account.login_id, "email": account.email,
        "code": code, "valid_minutes": int(CODE_VALID.total_seconds() // 60)})
    return {"email": account.email, "expires_at": current.expires_at.isoformat()}


def code_at_login(session: DbSession, account: Account) -> None:
    """ID-5: the first login mails a code, unless one is still valid; when the ID has used
    up today's codes, the login still succeeds and the page says so when asked for one."""
    if has_live_code(session, account):
        return
    with contextlib.suppress(TooManyAttempts):
        request_code(session, account)


def confirm_code(session: DbSession, account: Account, code: str) -> None:
    """The code mailed last; wrong codes count per code and per ID for the day."""
    ratelimit.check(session, RateLimit, WRONG_CODES_PER_ID, account.id, WrongCodesUsedUp)
    current = session.get(EmailVerification, account.id, with_for_update=True)
    now = clock.now()
    reason = None
    if current is None:
        reason = "no_code"
    elif current.expires_at < now:
        reason = "expired"
    elif current.attempts >= MAX_ATTEMPTS:
        reason = "too_many_attempts"
    elif not hmac.compare_digest(current.code_hash, _code_hash(account.id, code or "")):
        current.attempts += 1
        ratelimit.count(session, RateLimit, WRONG_CODES_PER_ID, account.id)
        reason = "wrong_code"
    if reason:
        session.flush()
        raise VerificationCodeInvalid(message=f"verification code: {reason}",
                                      fields={"code": [f"verification_{reason}"]},
                                      params={"reason": reason})
    account.email_verified_at = now
    session.delete(current)
    sessions_changed(session, account, "email_verified")  # its callers say must_verify_email


def has_live_code(session: DbSession, account: Account) -> bool:
    current = session.get(EmailVerification, account.id)
    return current is not None and current.expires_at > clock.now()
