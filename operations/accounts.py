"""Chambers and staff accounts written straight into identity's database, with identity's
own domain code and in one transaction with its outbox, so this works whether or not the
services are running (the events are published when identity next runs). A chamber's
certificate fees are payment's: written the same way into payment's database.

Used by `tradecert chamber add` / `tradecert staff add` and by the supervisor's seeding.
"""
from contextlib import contextmanager

from sqlalchemy.orm import Session

from services.identity import domain
from services.identity.models import Chamber
from services.identity.schemas import (
    ChamberContactSchema,
    ChamberSchema,
    NewStaffSchema,
    RuleSchema,
)
from services.payment import domain as payment
from services.payment.dependencies import default_fees
from services.payment.models import FeeSchedule
from services.payment.schemas import FeeChangeSchema, FeeScheduleSchema
from tradecert import config
from tradecert.db import make_engine, upgrade
from tradecert.schemas import load


@contextmanager
def identity_transaction():
    """A session on identity's (migrated) database; commits when the block ends."""
    with transaction("identity") as session:
        yield session


@contextmanager
def transaction(service: str):
    """A session on the service's (migrated) database; commits when the block ends."""
    url = config.database_url(service)
    upgrade(service, url)
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            yield session
    finally:
        engine.dispose()


def add_chamber(cci_code: str, name_ja: str, name_en: str, fee_member: int = 0,
                fee_non_member: int = 0, validity_years: int = 2,
                if_absent: bool = False, rules: list | None = None) -> bool:
    """Add a chamber; False (and nothing written) when `if_absent` and it exists.
    Raises TradecertError (field-named) for bad input."""
    with identity_transaction() as session:
        if if_absent and session.get(Chamber, cci_code) is not None:
            return False
        data = load(ChamberSchema(), {
            "cci_code": cci_code, "name_ja": name_ja, "name_en": name_en,
            "registration_fee_jpy": {"member": fee_member, "non_member": fee_non_member},
            "registration_validity_years": validity_years, "rules": rules or []})
        domain.add_chamber(session, data)
    return True


def set_rules(cci_code: str, rules: list, if_empty: bool = False) -> bool:
    """The chamber's rule documents (title, English title, URL, kind: the guidance and the
    consent pages link them, issue 9); False (nothing written) when `if_empty` and it has
    some already. Raises TradecertError (field-named) for bad input or an unknown chamber."""
    data = load(RuleSchema(many=True), rules)
    with identity_transaction() as session:
        chamber = domain.get_chamber(session, cci_code)
        if if_empty and chamber.rules:
            return False
        chamber.rules = RuleSchema(many=True).dump(data)
    return True


def set_chamber_contact(cci_code: str, contact: dict, if_absent: bool = False) -> bool:
    """The chamber's contact for applicants (department, phone, e-mail, hours; ja and en);
    False (and nothing written) when `if_absent` and one is set. Raises TradecertError
    (field-named) for bad input or an unknown chamber."""
    with identity_transaction() as session:
        if if_absent and domain.get_chamber(session, cci_code).contact:
            return False
        domain.set_chamber_contact(session, cci_code, load(ChamberContactSchema(), contact))
    return True


def add_staff(cci_code: str, login_id: str, password: str | None = None, name: str = "",
              email: str | None = None, if_absent: bool = False) -> str | None:
    """Add a chamber staff account; returns its password (generated when not given), or
    None (and nothing written) when `if_absent` and the login ID exists in the chamber.
    Raises TradecertError (field-named) for bad input or an unknown chamber."""
    password = password or domain.generate_password()
    with identity_transaction() as session:
        if if_absent and domain.find_account(session, cci_code, login_id) is not None:
            return None
        data = load(NewStaffSchema(), {"cci_code": cci_code, "login_id": login_id,
                                       "password": password, "name": name, "email": email})
        domain.add_staff(session, data)
    return password


def chamber_fees(cci_code: str) -> dict:
    """ISS-11: {fees, updated_at, updated_by}: the chamber's certificate fees as payment's
    `fees` answers them, and who set them when (both None: the configured default, the
    chamber has set none). Raises TradecertError for an unknown chamber."""
    with identity_transaction() as session:
        domain.get_chamber(session, cci_code)
    with transaction("payment") as session:
        row = session.get(FeeSchedule, cci_code)
        return {"fees": payment.fees(session, cci_code, default_fees()),
                "updated_at": row.updated_at if row else None,
                "updated_by": row.updated_by if row else None}


def set_chamber_fees(cci_code: str, fees: dict, by: str) -> dict:
    """ISS-11: replace the chamber's certificate fees ({co, signature, copy}: {member,
    non_member}, yen, tax included), the change kept in payment's history as made by `by`.
    Raises TradecertError (field-named) for bad input or an unknown chamber."""
    change = load(FeeChangeSchema(), {"cci_code": cci_code, "by_login_id": by})
    data = load(FeeScheduleSchema(), fees)
    with identity_transaction() as session:
        domain.get_chamber(session, cci_code)
    with transaction("payment") as session:
        return payment.set_fees(session, change["cci_code"], data, change["by_login_id"],
                                default_fees())
