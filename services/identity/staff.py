"""What chamber staff do to a registration's IDs (issue 9): see them, lock a leaked one and
unlock it, and give a company that lost its admin password a new one.

Staff act only within their own chamber (ID-9): an ID of another chamber is not found, and
staff IDs are not a registration's IDs, so they are not found here either (404, never 409:
the lock is for a company's admin, user and sub IDs).

A new admin password is issued in two steps so that identity never has a password that no
certificate shows: `prepare_admin_password` keeps it sealed; registration renders the trade
registration certificate with it and commits the certificate, then says so
(`admin_password_certified`, an RPC and the event `admin_password_reissued` alike), and only
then the password takes effect: must be changed at the next login (ID-2), the admin's
sessions end. Of several issued, the last certified one wins; an older one arriving late
never replaces it.
"""
import re
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session as DbSession

from services.identity.accounts import end_sessions, seal, unseal
from services.identity.domain import SERVICE, generate_password, hash_password
from services.identity.exceptions import AccountNotFound, RegistrationNotFound
from services.identity.models import Account, AdminPasswordReset, Registration
from services.identity.schemas import LOGIN_ID_PATTERN
from tradecert import outbox
from tradecert.db import utcnow

REGISTRATION_KINDS = ("admin", "user", "sub")
KIND_ORDER = {kind: n for n, kind in enumerate(REGISTRATION_KINDS)}


def registration_in_chamber(session: DbSession, cci_code: str, number: str) -> Registration:
    registration = None
    if isinstance(number, str) and re.fullmatch(r"[0-9A-Za-z-]{1,40}", number):
        registration = session.scalar(select(Registration).where(
            Registration.cci_code == cci_code,
            Registration.trade_registration_number == number))
    if registration is None:
        raise RegistrationNotFound(message=f"no trade registration {number}")
    return registration


def registration_accounts(session: DbSession, caller: dict, number: str) -> dict:
    """A registration's admin, user and sub IDs with their locked state, for staff."""
    registration = registration_in_chamber(session, caller["cci_code"], number)
    found = session.scalars(select(Account).where(
        Account.registration_id == registration.id,
        Account.kind.in_(REGISTRATION_KINDS))).all()
    by_id = {account.id: account for account in found}
    ordered = sorted(found, key=lambda a: (KIND_ORDER[a.kind], a.creator_id or a.id, a.id))
    return {"trade_registration_number": registration.trade_registration_number,
            "company": registration.company,
            "accounts": [account_view(a, by_id.get(a.creator_id)) for a in ordered]}


def account_view(account: Account, creator: Account | None = None) -> dict:
    return {"login_id": account.login_id, "kind": account.kind, "name": account.name,
            "created_by": creator.login_id if creator else None,
            "locked": account.locked_at is not None, "locked_at": account.locked_at,
            "locked_by": account.locked_by, "unlocked_at": account.unlocked_at,
            "unlocked_by": account.unlocked_by, "retired_at": account.retired_at}


def chamber_account(session: DbSession, caller: dict, login_id: str) -> Account:
    """An admin, user or sub ID of the staff member's chamber; else not found."""
    if not isinstance(login_id, str) or not re.fullmatch(LOGIN_ID_PATTERN, login_id):
        raise AccountNotFound(message="no such ID")
    account = session.scalar(select(Account).where(
        Account.cci_code == caller["cci_code"], Account.login_id == login_id,
        Account.kind.in_(REGISTRATION_KINDS)).with_for_update())
    if account is None:
        raise AccountNotFound(message=f"no ID {login_id}")
    return account


def lock(session: DbSession, caller: dict, login_id: str) -> Account:
    """A leaked ID stops working at once: its sessions end and its logins are answered as
    a wrong password. Who and when are kept (and published: `account_locked`)."""
    account = chamber_account(session, caller, login_id)
    if account.locked_at is None:
        account.locked_at, account.locked_by = utcnow(), caller["login_id"]
        end_sessions(session, account, reason="locked")
        _record(session, "account_locked", account, caller)
    return account


def unlock(session: DbSession, caller: dict, login_id: str) -> Account:
    """The ID can log in again (its password unchanged)."""
    account = chamber_account(session, caller, login_id)
    if account.locked_at is not None:
        account.locked_at = account.locked_by = None
        account.unlocked_at, account.unlocked_by = utcnow(), caller["login_id"]
        _record(session, "account_unlocked", account, caller)
    return account


def _record(session: DbSession, event: str, account: Account, caller: dict) -> None:
    outbox.record(session, SERVICE, event, {
        "cci_code": account.cci_code, "login_id": account.login_id, "kind": account.kind,
        "by_login_id": caller["login_id"], "at": utcnow().isoformat()})


# --- a new admin password (for a company that lost it) ---------------------------------------

def prepare_admin_password(session: DbSession, caller: dict, number: str) -> dict:
    """A new generated admin password, kept sealed (not in effect yet): {admin_login_id,
    password, ref}. `ref` names it in `admin_password_certified`."""
    registration = registration_in_chamber(session, caller["cci_code"], number)
    admin = session.scalar(select(Account).where(Account.registration_id == registration.id,
                                                 Account.kind == "admin"))
    if admin is None:
        raise AccountNotFound(message=f"no admin ID for {number}")
    password, ref = generate_password(), secrets.token_hex(16)
    session.add(AdminPasswordReset(ref=ref, account_id=admin.id, password_sealed=seal(password),
                                   issued_by=caller["login_id"]))
    session.flush()
    return {"admin_login_id": admin.login_id, "password": password, "ref": ref}


def admin_password_certified(session: DbSession, cci_code: str, number: str,
                             ref: str) -> bool:
    """The certificate printing the password `ref` is kept: the password takes effect (a
    forced change at the next login, the admin's sessions end). Safe to repeat; an older
    password certified after a newer one took effect is dropped. True when it took effect
    now."""
    registration = registration_in_chamber(session, cci_code, number)
    reset = session.scalar(select(AdminPasswordReset).where(AdminPasswordReset.ref == ref)
                           .with_for_update())
    admin = session.get(Account, reset.account_id, with_for_update=True) if reset else None
    if admin is None or admin.registration_id != registration.id or reset.applied_at:
        return False
    newer = session.scalar(select(AdminPasswordReset.id).where(
        AdminPasswordReset.account_id == admin.id, AdminPasswordReset.id > reset.id,
        AdminPasswordReset.applied_at.is_not(None)))
    password = unseal(reset.password_sealed)
    if newer is not None or password is None:
        reset.password_sealed = None
        return False
    admin.password_hash = hash_password(password)
    admin.must_change_password = True  # ID-2, as with the first initial password
    admin.initial_password_sealed = None
    end_sessions(session, admin)
    reset.applied_at = utcnow()
    # Nothing sealed is kept once a password is in effect: this one, and any older.
    session.execute(update(AdminPasswordReset).where(
        AdminPasswordReset.account_id == admin.id, AdminPasswordReset.id <= reset.id)
        .values(password_sealed=None))
    return True
