"""Admin, user and sub IDs of a registration (REG-8, ID-2 … ID-7)."""
import base64
import hashlib
import re
import secrets
from datetime import date, timedelta

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as DbSession

from services.identity.domain import (
    SERVICE,
    check_password_policy,
    generate_password,
    get_chamber,
    hash_password,
    sessions_changed,
    verify_password,
)
from services.identity.exceptions import (
    AccountNotFound,
    ActivationInvalid,
    LoginIdTaken,
    NotPermitted,
    PasswordUnchanged,
    RegistrationNotFound,
    SignerUnavailable,
    SubIdNotificationsUsedUp,
    SubIdNotNotified,
    WrongActivationPassword,
    WrongCurrentPassword,
)
from services.identity.models import Account, RateLimit, Registration, Session, SubIdActivation
from services.identity.schemas import LOGIN_ID_PATTERN
from tradecert import config, outbox, ratelimit
from tradecert.db import one_or_raise, utcnow
from tradecert.errors import Conflict
from tradecert.ratelimit import Limit

LOGIN_ID_PREFIX = {"admin": "A", "user": "U", "sub": "S"}
ACTIVATION_VALID = timedelta(days=14)
MAX_ACTIVATION_ATTEMPTS = 5
# ID-6.2 notifications, mails with the signer's own text (issue 9; LIMITS in config.yaml).
NOTIFICATIONS_PER_ID = Limit("sub_id_notifications_per_id", 10, 24 * 3600)
NOTIFICATIONS_PER_ADDRESS = Limit("sub_id_notifications_per_address", 30, 24 * 3600)


# --- IDs and passwords ---------------------------------------------------------------------

def new_login_id(session: DbSession, cci_code: str, kind: str) -> str:
    """A letter for the kind and 7 digits: easy to read out on the phone, unique per chamber."""
    for _ in range(20):
        candidate = f"{LOGIN_ID_PREFIX[kind]}{secrets.randbelow(10**7):07d}"
        if session.scalar(select(Account.id).where(Account.cci_code == cci_code,
                                                   Account.login_id == candidate)) is None:
            return candidate
    raise RuntimeError("no free login ID found")  # 10^7 per kind and chamber: not expected


def _vault() -> Fernet:
    digest = hashlib.sha256(f"{config.secret_key()}:identity-initial-passwords".encode())
    return Fernet(base64.urlsafe_b64encode(digest.digest()))


def seal(text: str) -> bytes:
    return _vault().encrypt(text.encode())


def unseal(sealed: bytes | None) -> str | None:
    try:
        return _vault().decrypt(sealed).decode() if sealed else None
    except InvalidToken:  # the installation's secret changed: the password is gone
        return None


def change_own_password(account: Account, current: str, new: str) -> None:
    """ID-2: current, new (policy), and the admin's forced first change is done."""
    if not verify_password(account.password_hash, current):
        raise WrongCurrentPassword(message="the current password is wrong",
                                   fields={"current_password": ["wrong_current_password"]})
    if new == current:
        raise PasswordUnchanged(message="the new password is the current one",
                                fields={"new_password": ["password_unchanged"]})
    check_password_policy(new, field="new_password")
    account.password_hash = hash_password(new)
    account.must_change_password = False
    account.initial_password_sealed = None


# --- a registration's accounts -------------------------------------------------------------

def create_registration_accounts(session: DbSession, data: dict) -> dict:
    """At approval (REG-8): the admin ID for the contact person and one user ID per signer,
    each with an initial password; each user's is kept sealed for its signer registration
    certificate (ID-3).

    Idempotent on (cci_code, trade_registration_number): registration commits the number
    before it asks and asks again after any failure (or twice at once), so a repeat answers
    the same IDs and the admin's same initial password, with the accounts brought in line
    with the data (a signer added or removed meanwhile). The admin's password is kept sealed
    until the trade registration certificate that prints it exists (`certificate_issued`);
    from then on the IDs are handed out and a repeat is refused (`registration_exists`)."""
    get_chamber(session, data["cci_code"])
    registration, created = _registration_locked(session, data)
    registration.company = data["company"]
    contact = data["contact"]
    if created:
        admin_password = generate_password()
        admin = Account(cci_code=data["cci_code"], kind="admin", registration_id=registration.id,
                        login_id=new_login_id(session, data["cci_code"], "admin"),
                        password_hash=hash_password(admin_password), must_change_password=True,
                        initial_password_sealed=seal(admin_password))
        session.add(admin)
    else:
        admin = session.scalar(select(Account).where(Account.registration_id == registration.id,
                                                     Account.kind == "admin"))
        admin_password = unseal(admin.initial_password_sealed) if admin else None
        if admin_password is None:
            raise Conflict(code="registration_exists",
                           message="this trade registration already has its IDs")
    admin.name, admin.email = contact["name"], contact["email"]
    users = _signers_accounts(session, registration, data["cci_code"], data["signers"])
    session.flush()
    if created:
        outbox.record(session, SERVICE, "registration_accounts_created", {
            "cci_code": data["cci_code"],
            "trade_registration_number": data["trade_registration_number"],
            "admin_login_id": admin.login_id, "users": users})
    return {"admin": {"login_id": admin.login_id, "initial_password": admin_password},
            "users": users}


def _registration_locked(session: DbSession, data: dict) -> tuple[Registration, bool]:
    """The registration of this number, locked until the caller commits, created when new;
    returns (registration, created). Of two calls at once, the second waits for the first."""
    query = select(Registration).where(
        Registration.cci_code == data["cci_code"],
        Registration.trade_registration_number == data["trade_registration_number"]) \
        .with_for_update().execution_options(populate_existing=True)
    registration = session.scalar(query)
    if registration is not None:
        return registration, False
    registration = Registration(cci_code=data["cci_code"],
                                trade_registration_number=data["trade_registration_number"],
                                company=data["company"])
    try:
        with session.begin_nested():
            session.add(registration)
    except IntegrityError:  # created meanwhile by a concurrent call, now committed
        return session.scalar(query), False
    return registration, True


def _signers_accounts(session: DbSession, registration: Registration, cci_code: str,
                      signers: list[dict]) -> list[dict]:
    """One user ID per signer (REG-5), matched by signer_id: kept with its login ID and sealed
    password when it exists, made when new, removed when its signer is gone. Nobody has
    logged in with them yet: the passwords are printed only after approval."""
    existing = {(user.signer or {}).get("signer_id"): user for user in session.scalars(
        select(Account).where(Account.registration_id == registration.id,
                              Account.kind == "user"))}
    users = []
    for signer in signers:
        user = existing.pop(signer["signer_id"], None)
        if user is None:
            password = generate_password()
            user = Account(cci_code=cci_code, kind="user", registration_id=registration.id,
                           login_id=new_login_id(session, cci_code, "user"),
                           password_hash=hash_password(password),
                           initial_password_sealed=seal(password))
            session.add(user)
        user.name, user.email = signer["name_ja"], signer["email"]
        user.signer = {k: signer[k] for k in ("signer_id", "name_ja", "name_en", "title_en")}
        user.signature_file_id = signer.get("signature_file_id")
        session.flush()  # the next new_login_id sees this one
        users.append({"signer_id": signer["signer_id"], "login_id": user.login_id})
    for gone in existing.values():
        session.delete(gone)
    return users


# --- change requests (変更申請) of an approved registration ---------------------------------

def _registration_by_number(session: DbSession, cci_code: str, number: str, *,
                            lock: bool = False) -> Registration:
    return one_or_raise(session, select(Registration).where(
        Registration.cci_code == cci_code, Registration.trade_registration_number == number),
        RegistrationNotFound(message=f"no trade registration {number}"), lock=lock)


def active_signers(session: DbSession, cci_code: str, number: str) -> list[dict]:
    """The registration's signers whose user IDs work: not retired by a change request (a
    locked one is still a registered signer)."""
    registration = _registration_by_number(session, cci_code, number)
    users = session.scalars(select(Account).where(
        Account.registration_id == registration.id, Account.kind == "user",
        Account.retired_at.is_(None)).order_by(Account.id))
    return [{**signer_view(user), "signer_id": (user.signer or {}).get("signer_id")}
            for user in users]


def apply_registration_change(session: DbSession, data: dict) -> dict:
    """An approved change request: the company's snapshot and the contact (the admin ID's
    name and address), a user ID for each added signer with a sealed initial password for
    its signer registration certificate (ID-3), and the removed signers' user IDs retired
    with every sub ID they made, their sessions ended at once.

    Idempotent on the change request: an added signer keeps the user ID made for its
    signer_id, a retired ID stays retired, so registration may ask again after any failure.
    The registration's row is locked, so two calls at once make one ID per signer."""
    registration = _registration_by_number(session, data["cci_code"],
                                           data["trade_registration_number"], lock=True)
    registration.company = data["company"]
    admin = session.scalar(select(Account).where(Account.registration_id == registration.id,
                                                 Account.kind == "admin"))
    if admin is not None:
        admin.name, admin.email = data["contact"]["name"], data["contact"]["email"]
    users = session.scalars(select(Account).where(Account.registration_id == registration.id,
                                                  Account.kind == "user")).all()
    by_signer = {(user.signer or {}).get("signer_id"): user for user in users}
    made = []
    for signer in data["signers_added"]:
        user = by_signer.get(signer["signer_id"])
        if user is None:
            password = generate_password()
            user = Account(cci_code=data["cci_code"], kind="user",
                           registration_id=registration.id,
                           login_id=new_login_id(session, data["cci_code"], "user"),
                           password_hash=hash_password(password),
                           initial_password_sealed=seal(password))
            session.add(user)
            user.name, user.email = signer["name_ja"], signer["email"]
            user.signer = {k: signer[k] for k in ("signer_id", "name_ja", "name_en", "title_en")}
            user.signature_file_id = signer["signature_file_id"]
            session.flush()  # the next new_login_id sees this one
        made.append({"signer_id": signer["signer_id"], "login_id": user.login_id})
    by_login = {user.login_id: user for user in users}
    for login_id in data["signers_removed"]:
        user = by_login.get(login_id)
        if user is not None:
            retire(session, user)
            for sub in subs_of(session, user):
                retire(session, sub)
    session.flush()
    return {"users": made}


def retire(session: DbSession, account: Account) -> None:
    """The ID stops working at once: login answers as for a wrong password, its sessions
    end (their next request is 401). The row stays."""
    if account.retired_at is None:
        account.retired_at = utcnow()
    end_sessions(session, account, reason="retired")


def certificate_issued(session: DbSession, cci_code: str, trade_registration_number: str) -> None:
    """REG-8: the trade registration certificate now prints the admin's initial password, so
    identity stops keeping it; the registration's IDs are handed out (no repeat any more)."""
    session.execute(update(Account).where(
        Account.kind == "admin", Account.registration_id.in_(select(Registration.id).where(
            Registration.cci_code == cci_code,
            Registration.trade_registration_number == trade_registration_number)))
        .values(initial_password_sealed=None))


def registration_of(session: DbSession, caller: dict) -> Registration:
    registration = session.get(Registration, caller.get("registration_id"))
    if registration is None:
        raise RegistrationNotFound(message="no registration")
    return registration


def member(session: DbSession, caller: dict, login_id: str, kind: str) -> Account:
    """An account of the caller's own registration, or 404 (ID-9: never another's). The
    login ID comes from a URL: one no account can have is not looked up (a NUL would
    make PostgreSQL fail)."""
    if not isinstance(login_id, str) or not re.fullmatch(LOGIN_ID_PATTERN, login_id):
        raise AccountNotFound(message="no such ID")
    account = session.scalar(select(Account).where(
        Account.cci_code == caller["cci_code"], Account.login_id == login_id,
        Account.kind == kind, Account.registration_id == caller["registration_id"],
        Account.retired_at.is_(None)))  # a retired ID is no one's to act on
    if account is None or caller["registration_id"] is None:
        raise AccountNotFound(message=f"no {kind} ID {login_id}")
    return account


def signers_with_sub_ids(session: DbSession, caller: dict) -> list[dict]:
    """ID-6.4: the admin sees every signer with the sub IDs each created."""
    users = session.scalars(select(Account).where(
        Account.registration_id == caller["registration_id"], Account.kind == "user",
        Account.retired_at.is_(None)).order_by(Account.id)).all()
    return [{**signer_view(user), "sub_ids": [sub_view(s) for s in subs_of(session, user)]}
            for user in users]


def applicant(session: DbSession, caller: dict) -> dict:
    """ISS-3: who applies and who signs. A user ID signs its own applications; a sub ID's
    are signed by the user ID that created it; the admin ID and staff do not apply (ID-7).
    Read afresh: a signer retired (変更申請) or locked since the caller's login signs
    nothing, nor does a caller that no longer works itself."""
    account = session.get(Account, caller.get("account_id")) \
        if caller.get("account_id") is not None else None
    if account is None or account.kind not in ("user", "sub") \
            or account.cci_code != caller.get("cci_code") \
            or (account.kind == "sub" and not working(account)):
        raise NotPermitted(message=f"{caller.get('kind')} IDs do not apply for certificates")
    signer = session.get(Account, account.creator_id) if account.kind == "sub" else account
    if signer is None or not working(signer):
        raise SignerUnavailable(message=f"the signer of {account.login_id} is unavailable",
                                params={"signer_login_id": signer.login_id if signer else None})
    registration = session.get(Registration, account.registration_id)
    view = signer_view(signer)
    return {"login_id": account.login_id, "kind": account.kind,
            "signer_login_id": signer.login_id,
            "signer": {k: view[k] for k in ("name_ja", "name_en", "title_en")},
            "signature_file_id": signer.signature_file_id,
            "trade_registration_number": registration.trade_registration_number,
            "cci_code": account.cci_code}


def working(account: Account) -> bool:
    """Neither retired by a change request nor locked by staff."""
    return account.retired_at is None and account.locked_at is None


def signer_view(user: Account) -> dict:
    signer = user.signer or {}
    return {"login_id": user.login_id, "name_ja": signer.get("name_ja", user.name),
            "name_en": signer.get("name_en"), "title_en": signer.get("title_en"),
            "email": user.email, "email_verified": user.email_verified_at is not None}


def signer_certificate_payload(session: DbSession, caller: dict, login_id: str,
                               today: date) -> dict:
    """ID-3: the payload of a signer registration certificate. The password is printed only
    on the calendar day (Japan time, `today`) of the first output; afterwards it is masked,
    and the sealed copy is dropped for good."""
    user = member(session, caller, login_id, "user")
    registration = registration_of(session, caller)
    chamber = get_chamber(session, caller["cci_code"])
    if user.certificate_first_output_on is None:
        user.certificate_first_output_on = today
    password = None
    if user.certificate_first_output_on == today:
        password = unseal(user.initial_password_sealed)
    else:
        user.initial_password_sealed = None
    signer = user.signer or {}
    return {
        "chamber": {"cci_code": chamber.cci_code, "name_ja": chamber.name_ja,
                    "name_en": chamber.name_en},
        "trade_registration_number": registration.trade_registration_number,
        "company": registration.company,
        "signer": {"name_ja": signer.get("name_ja", user.name),
                   "name_en": signer.get("name_en", ""), "title_en": signer.get("title_en")},
        "login_id": user.login_id, "password": password,
        "signature_file_id": user.signature_file_id, "issued_on": today.isoformat(),
    }


def set_password_by_admin(session: DbSession, caller: dict, login_id: str, kind: str,
                          new_password: str) -> Account:
    """ID-4 (a signer's) and ID-6.5 (a sub ID's, which cancels its notification)."""
    account = member(session, caller, login_id, kind)
    check_password_policy(new_password, field="new_password")
    account.password_hash = hash_password(new_password)
    account.initial_password_sealed = None
    end_sessions(session, account)
    if kind == "sub":
        cancel_notification(session, account)
    return account


def end_sessions(session: DbSession, account: Account, reason: str = "password_reset") -> None:
    session.execute(update(Session).where(Session.account_id == account.id,
                                          Session.ended_at.is_(None))
                    .values(ended_at=utcnow(), end_reason=reason))
    sessions_changed(session, account, reason)


# --- sub IDs (ID-6) --------------------------------------------------------------------------

def subs_of(session: DbSession, creator: Account) -> list[Account]:
    return session.scalars(select(Account).where(Account.creator_id == creator.id,
                                                 Account.kind == "sub")
                           .order_by(Account.id)).all()


def sub_view(sub: Account) -> dict:
    return {"login_id": sub.login_id, "name": sub.name, "email": sub.email, "phone": sub.phone,
            "notified": sub.notified_at is not None, "active": sub.activated_at is not None}


def own_sub(session: DbSession, caller: dict, login_id: str) -> Account:
    """A sub ID the calling signer created; anyone else's is not found."""
    sub = member(session, caller, login_id, "sub")
    if sub.creator_id != caller["account_id"]:
        raise AccountNotFound(message=f"no sub ID {login_id}")
    return sub


def create_sub_id(session: DbSession, caller: dict, data: dict,
                  idempotency_key: str | None = None) -> Account:
    """ID-6.1: name, password (set by the signer), e-mail, phone. The same `idempotency_key`
    from the same user ID answers the sub ID it created (issue 12: a retry after a timeout),
    also when both arrive at once."""
    if idempotency_key and (earlier := sub_by_idempotency_key(session, caller,
                                                               idempotency_key)):
        return earlier
    check_password_policy(data["password"])
    sub = Account(cci_code=caller["cci_code"], kind="sub",
                  registration_id=caller["registration_id"], creator_id=caller["account_id"],
                  login_id=new_login_id(session, caller["cci_code"], "sub"), name=data["name"],
                  email=data["email"], phone=data.get("phone"),
                  password_hash=hash_password(data["password"]),
                  idempotency_key=idempotency_key)
    try:
        with session.begin_nested():
            session.add(sub)
    except IntegrityError:
        earlier = idempotency_key and sub_by_idempotency_key(session, caller, idempotency_key)
        if earlier:
            return earlier
        raise LoginIdTaken(message="login id taken") from None
    return sub


def sub_by_idempotency_key(session: DbSession, caller: dict, key: str) -> Account | None:
    return session.scalar(select(Account).where(Account.creator_id == caller["account_id"],
                                                Account.kind == "sub",
                                                Account.idempotency_key == key))


def update_sub_id(session: DbSession, caller: dict, login_id: str, data: dict) -> Account:
    """ID-6.5: the signer edits a sub ID's name, e-mail, phone."""
    sub = own_sub(session, caller, login_id)
    for field in ("name", "email", "phone"):
        if field in data:
            setattr(sub, field, data[field])
    sessions_changed(session, sub, "updated")  # its callers carry its name
    return sub


def delete_sub_id(session: DbSession, caller: dict, login_id: str) -> None:
    """ID-6.6: final; its sessions and activation links go with it."""
    sub = own_sub(session, caller, login_id)
    sessions_changed(session, sub, "deleted")
    session.delete(sub)
    session.flush()


def notify_sub_id(session: DbSession, caller: dict, login_id: str, data: dict,
                  client_address: str | None = None) -> dict:
    """ID-6.2: mail the holder a single-use activation link, with the signer's subject and
    body. Recorded in the outbox with the change, so the mail cannot be lost. The signer's
    text goes to any address from the chamber's sender: a few a day per signer and per
    client address (issue 9), and the mail names the company that sent it (notify)."""
    sub = own_sub(session, caller, login_id)
    target = session.scalar(select(Registration).where(
        Registration.cci_code == caller["cci_code"],
        Registration.trade_registration_number == data["target_trade_registration_number"]))
    if target is None:
        raise RegistrationNotFound(
            message="no such trade registration in this chamber",
            fields={"target_trade_registration_number": ["registration_not_found"]})
    ratelimit.hit(session, RateLimit, NOTIFICATIONS_PER_ID, caller["account_id"],
                  SubIdNotificationsUsedUp)
    ratelimit.hit(session, RateLimit, NOTIFICATIONS_PER_ADDRESS, client_address,
                  SubIdNotificationsUsedUp)
    cancel_notification(session, sub)
    token = secrets.token_urlsafe(32)
    session.add(SubIdActivation(token_hash=hashlib.sha256(token.encode()).hexdigest(),
                                account_id=sub.id, expires_at=utcnow() + ACTIVATION_VALID))
    sub.notified_at = utcnow()
    outbox.record(session, SERVICE, "sub_id_notified", {
        "cci_code": sub.cci_code, "login_id": sub.login_id,
        "target_email": data["target_email"], "subject": data["subject"], "body": data["body"],
        "activation_token": token,
        "target_trade_registration_number": data["target_trade_registration_number"],
        "target_phone": data.get("target_phone"), "expires_in_days": ACTIVATION_VALID.days})
    return {"login_id": sub.login_id, "notified": True}


def cancel_notification(session: DbSession, sub: Account) -> None:
    """ID-6.5: after an admin password reset the sub ID must be notified (and activated)
    again; any link mailed before stops working."""
    session.execute(update(SubIdActivation).where(SubIdActivation.account_id == sub.id,
                                                  SubIdActivation.used_at.is_(None),
                                                  SubIdActivation.cancelled_at.is_(None))
                    .values(cancelled_at=utcnow()))
    sub.notified_at = None
    sub.activated_at = None


def open_activation(session: DbSession, token: str, lock: bool = False):
    """ID-6.3: (activation, sub ID) of a link that still works. A link that does not says
    why (`reason`: unknown, used, cancelled, expired) and, when known, for which chamber, so
    the page can say so when the link is opened and offer the login (issue 9)."""
    activation = session.get(SubIdActivation, hashlib.sha256(token.encode()).hexdigest(),
                             with_for_update=lock)
    if activation is None:
        raise ActivationInvalid(message="this activation link is not valid",
                                params={"reason": "unknown"})
    sub = session.get(Account, activation.account_id)
    reason = ("used" if activation.used_at else "cancelled" if activation.cancelled_at
              else "expired" if activation.expires_at < utcnow() else None)
    if reason:
        raise ActivationInvalid(message=f"this activation link is {reason}",
                                params={"reason": reason, "cci_code": sub.cci_code})
    if sub.notified_at is None:
        raise SubIdNotNotified(message="the sub ID has not been notified",
                               params={"cci_code": sub.cci_code})
    return activation, sub


def activate_sub_id(session: DbSession, token: str, password: str) -> Account:
    """ID-6.3: the holder opens the link and enters the password the signer set."""
    activation, sub = open_activation(session, token, lock=True)
    now = utcnow()
    if not verify_password(sub.password_hash, password):
        # A link is not for guessing: after a few wrong passwords it stops working and the
        # signer notifies again. (The caller commits this count; see the service.)
        activation.failed_attempts += 1
        if activation.failed_attempts >= MAX_ACTIVATION_ATTEMPTS:
            activation.cancelled_at = now
        raise WrongActivationPassword(message="not the password the signer set",
                                      fields={"password": ["wrong_activation_password"]},
                                      params={"attempts_left": max(
                                          0, MAX_ACTIVATION_ATTEMPTS - activation.failed_attempts)})
    activation.used_at = now
    sub.activated_at = now
    return sub
