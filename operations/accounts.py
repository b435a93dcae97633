"""Chambers and staff accounts written straight into identity's database, with identity's
own domain code and in one transaction with its outbox, so this works whether or not the
services are running (the events are published when identity next runs).

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
from tradecert import config
from tradecert.db import make_engine, upgrade
from tradecert.schemas import load


@contextmanager
def identity_transaction():
    """A session on identity's (migrated) database; commits when the block ends."""
    url = config.database_url("identity")
    upgrade("identity", url)
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
