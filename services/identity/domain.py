"""identity's rules, free of Nameko: the service, the CLI and the tests call these."""
import functools
import re
import secrets
import string

import eventlet
import eventlet.tpool
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.identity.exceptions import (
    AccountNotFound,
    ChamberExists,
    ChamberNotFound,
    LoginIdTaken,
    PasswordPolicyViolated,
)
from services.identity.interfaces import SERVICE  # registers the events recorded here
from services.identity.models import Account, Chamber, Registration
from tradecert import config, outbox

ACCOUNT_KINDS = ("admin", "user", "sub", "staff")

# ID-2: half-width letters and digits only, both present, 8–16 characters.
PASSWORD_PATTERN = re.compile(r"^(?=.*[A-Za-z])(?=.*\d)[A-Za-z\d]{8,16}$")


def _hasher() -> PasswordHasher:
    """argon2id with config.yaml's PASSWORDS costs (argon2-cffi's own by default)."""
    costs = config.section("PASSWORDS")
    return _hasher_with(int(costs.get("time_cost", 3)),
                        int(costs.get("memory_cost_kib", 65536)),
                        int(costs.get("parallelism", 4)))


@functools.cache
def _hasher_with(time_cost: int, memory_cost_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost_kib,
                          parallelism=parallelism)


def sessions_changed(session: Session, account: Account, reason: str) -> None:
    """Issue 12: the gateway remembers, for a few seconds, whom a session's credential
    stands for; this tells it (every gateway process, through the outbox) to forget the
    ID's at once. `reason` as SessionsChanged in interfaces.py lists."""
    outbox.record(session, SERVICE, "sessions_changed", {
        "cci_code": account.cci_code, "login_id": account.login_id, "reason": reason})


def check_password_policy(password: str, field: str = "password") -> None:
    if not PASSWORD_PATTERN.match(password or ""):
        raise PasswordPolicyViolated(
            message="password must be 8-16 half-width letters and digits, both present",
            fields={field: ["password_policy"]})


# Generated passwords are typed from paper (the certificates, ID-3, REG-8): no characters
# that look alike in print (0/O/o, 1/l/I).
LOOK_ALIKES = frozenset("0Oo1lI")
PASSWORD_ALPHABET = "".join(c for c in string.ascii_letters + string.digits
                            if c not in LOOK_ALIKES)


def generate_password(length: int = 12) -> str:
    """Letters and digits, both present (ID-2), none that look alike on paper."""
    alphabet = PASSWORD_ALPHABET
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(length))
        if PASSWORD_PATTERN.match(password):
            return password


def off_the_hub(fn, *args):
    """Issue 12: argon2id takes a core for over half a second on the 2-core machine, in C
    that lets go of the GIL. Run on the eventlet hub it stopped every other call of the
    process meanwhile (each `authorize` in the system waited behind a login): in a process
    that eventlet patched, it runs in eventlet's thread pool, the hub free; elsewhere (the
    command line) as it is."""
    if eventlet.patcher.is_monkey_patched("thread"):
        return eventlet.tpool.execute(fn, *args)
    return fn(*args)


def hash_password(password: str) -> str:
    return off_the_hub(_hasher().hash, password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return off_the_hub(_hasher().verify, password_hash, password or "")
    except (VerifyMismatchError, InvalidHashError):
        return False


def chamber_as_dict(chamber: Chamber) -> dict:
    return {
        "cci_code": chamber.cci_code,
        "name_ja": chamber.name_ja,
        "name_en": chamber.name_en,
        "registration_fee_jpy": {"member": chamber.registration_fee_member_jpy,
                                 "non_member": chamber.registration_fee_non_member_jpy},
        "registration_validity_years": chamber.registration_validity_years,
        "rules": list(chamber.rules or []),
        "contact": dict(chamber.contact) if chamber.contact else None,
    }


def get_chamber(session: Session, cci_code: str) -> Chamber:
    chamber = session.get(Chamber, cci_code)
    if chamber is None:
        raise ChamberNotFound(message=f"no chamber {cci_code}", params={"cci_code": cci_code})
    return chamber


def list_chambers(session: Session) -> list[Chamber]:
    return list(session.scalars(select(Chamber).order_by(Chamber.cci_code)))


def add_chamber(session: Session, data: dict) -> Chamber:
    """Add a tenant. `data` is a loaded ChamberSchema."""
    if session.get(Chamber, data["cci_code"]) is not None:
        raise ChamberExists(message=f"chamber {data['cci_code']} exists",
                            fields={"cci_code": ["chamber_exists"]})
    fee = data["registration_fee_jpy"]
    chamber = Chamber(
        cci_code=data["cci_code"], name_ja=data["name_ja"], name_en=data["name_en"],
        registration_fee_member_jpy=fee["member"],
        registration_fee_non_member_jpy=fee["non_member"],
        registration_validity_years=data["registration_validity_years"],
        rules=data["rules"], contact=data.get("contact"),
    )
    session.add(chamber)
    session.flush()
    added = chamber_as_dict(chamber)
    added.pop("contact")  # `chamber_added` is as it was; the contact is asked (get_chamber)
    outbox.record(session, SERVICE, "chamber_added", added)
    return chamber


def set_chamber_contact(session: Session, cci_code: str, contact: dict) -> Chamber:
    """The chamber's contact for applicants (a loaded ChamberContactSchema)."""
    chamber = get_chamber(session, cci_code)
    chamber.contact = dict(contact)
    session.flush()
    return chamber


def add_staff(session: Session, data: dict) -> Account:
    """Add a chamber staff account. `data` is a loaded NewStaffSchema."""
    get_chamber(session, data["cci_code"])
    check_password_policy(data["password"])
    exists = session.scalar(select(Account.id).where(
        Account.cci_code == data["cci_code"], Account.login_id == data["login_id"]))
    if exists:
        raise LoginIdTaken(message="login id taken", fields={"login_id": ["login_id_taken"]})
    account = Account(cci_code=data["cci_code"], kind="staff", login_id=data["login_id"],
                      name=data["name"] or data["login_id"], email=data["email"],
                      password_hash=hash_password(data["password"]))
    session.add(account)
    try:
        session.flush()
    except IntegrityError:  # a concurrent insert of the same ID won the race
        raise LoginIdTaken(message="login id taken",
                           fields={"login_id": ["login_id_taken"]}) from None
    outbox.record(session, SERVICE, "account_created", {
        "account_id": account.id, "cci_code": account.cci_code, "kind": account.kind,
        "login_id": account.login_id})
    return account


def account_as_dict(account: Account) -> dict:
    return {"account_id": account.id, "cci_code": account.cci_code, "kind": account.kind,
            "login_id": account.login_id, "name": account.name, "email": account.email}


def find_account(session: Session, cci_code: str, login_id: str) -> Account | None:
    return session.scalar(select(Account).where(Account.cci_code == cci_code,
                                                Account.login_id == login_id))


def account_contact(session: Session, cci_code: str, login_id: str) -> dict:
    """Who an account is and where it is mailed: what notify asks for an event's mail."""
    account = find_account(session, cci_code, login_id)
    if account is None:
        raise AccountNotFound(message=f"no ID {login_id}")
    registration = session.get(Registration, account.registration_id) \
        if account.registration_id else None
    # The company an ID belongs to: mails a user sends through the system name it (issue 9).
    company = {"trade_registration_number": registration.trade_registration_number,
               "name_ja": registration.company.get("name_ja"),
               "name_en": registration.company.get("name_en")} if registration else None
    return {**account_as_dict(account), "company": company}
