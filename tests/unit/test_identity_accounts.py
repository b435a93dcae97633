"""identity's accounts at the domain level (REG-1, REG-8, ID-2 … ID-6, ID-9):
services/identity/accounts.py and domain.py on a real PostgreSQL session
(tests/unit/conftest.py: `identity`, `chamber`, `registered`), with no broker. Events are
checked by type only."""
import hashlib
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from services.identity import accounts, sessions
from services.identity.accounts import unseal
from services.identity.domain import (
    chamber_as_dict,
    find_account,
    get_chamber,
    verify_password,
)
from services.identity.exceptions import (
    AccountNotFound,
    ActivationInvalid,
    ChamberNotFound,
    InvalidCredentials,
    PasswordPolicyViolated,
    PasswordUnchanged,
    RegistrationNotFound,
    SessionEnded,
    WrongActivationPassword,
    WrongCurrentPassword,
)
from services.identity.models import Account, SubIdActivation
from tests.helpers.databases import plan_without_table_scans
from tests.helpers.identity import Registered, add_test_chamber
from tradecert.outbox import OutboxEvent

SUB = {"name": "派遣 花子", "password": "Sub12345x", "email": "sub@forwarder.example.jp",
       "phone": "03-1234-5678"}


def events(session, event_type: str) -> list[dict]:
    session.flush()
    return [e.payload["data"] for e in session.scalars(
        select(OutboxEvent).where(OutboxEvent.event_type == event_type))]


def notify(session, caller, sub, target: str = "1504-000001") -> str:
    """ID-6.2, and a token that opens the link mailed (the real one travels only in the
    mail, so the test gives the activation one it knows)."""
    accounts.notify_sub_id(session, caller, sub.login_id, {
        "target_trade_registration_number": target, "target_email": "sub@forwarder.example.jp",
        "subject": "サブID付与のお知らせ", "body": "本文"})
    activation = session.scalar(select(SubIdActivation).where(
        SubIdActivation.account_id == sub.id, SubIdActivation.used_at.is_(None),
        SubIdActivation.cancelled_at.is_(None)))
    token = f"activation-{sub.id}-{activation.expires_at.timestamp()}"
    activation.token_hash = hashlib.sha256(token.encode()).hexdigest()
    session.flush()
    return token


# --- REG-1: the chamber's guidance ----------------------------------------------------------

def test_a_chamber_gives_its_guidance_data(identity, chamber):
    # REG-1: the guidance page per chamber shows its fee and rules; REG-9: 2 years by default.
    data = chamber_as_dict(get_chamber(identity, "1504"))
    assert data["registration_fee_jpy"] == {"member": 5500, "non_member": 11000}
    assert data["registration_validity_years"] == 2
    assert data["rules"] == []
    with pytest.raises(ChamberNotFound):
        get_chamber(identity, "9999")


# --- REG-8: the IDs of an approved registration -----------------------------------------------

def test_approval_creates_the_admin_and_one_user_id_per_signer(identity, registered):
    # REG-8, ID-7: one admin ID for the contact, one user ID per signer, made by the system.
    admin, users = registered.admin, registered.users
    assert admin.kind == "admin" and admin.name == "鈴木 一郎"
    assert re.fullmatch(r"A\d{7}", admin.login_id)
    assert [u.kind for u in users] == ["user", "user"]
    assert all(re.fullmatch(r"U\d{7}", u.login_id) for u in users)
    assert [u.signer["signer_id"] for u in users] == ["signer-1", "signer-2"]
    assert users[0].signature_file_id == f"{1:064x}"  # REG-7: the registered signature
    assert len(events(identity, "registration_accounts_created")) == 1


def test_the_admins_initial_password_is_kept_until_the_certificate_and_must_be_changed(
        identity, registered):
    # REG-8: the certificate carries the initial password; ID-2: changed at first login.
    admin = registered.admin
    assert admin.must_change_password
    # kept sealed until the certificate exists, so a repeated approval prints the same one
    assert unseal(admin.initial_password_sealed) == registered.admin_password
    accounts.certificate_issued(identity, registered.cci_code, "1504-000001")
    identity.refresh(admin)
    assert admin.initial_password_sealed is None  # then printed on the certificate only
    assert verify_password(admin.password_hash, registered.admin_password)
    accounts.check_password_policy(registered.admin_password)


# --- ID-2: passwords ------------------------------------------------------------------------

def test_changing_the_own_password_needs_the_current_one_and_the_policy(registered):
    # ID-2: current, new, and the admin's forced first change is then done.
    admin = registered.admin
    with pytest.raises(WrongCurrentPassword) as caught:
        accounts.change_own_password(admin, "Wrong12345", "NewPass123")
    assert caught.value.fields == {"current_password": ["wrong_current_password"]}
    with pytest.raises(PasswordPolicyViolated) as caught:
        accounts.change_own_password(admin, registered.admin_password, "short1")
    assert caught.value.fields == {"new_password": ["password_policy"]}
    # ID-2: the forced first change cannot keep the initial password printed on paper
    with pytest.raises(PasswordUnchanged) as caught:
        accounts.change_own_password(admin, registered.admin_password, registered.admin_password)
    assert caught.value.fields == {"new_password": ["password_unchanged"]}
    assert admin.must_change_password
    accounts.change_own_password(admin, registered.admin_password, "NewPass123")
    assert not admin.must_change_password
    assert verify_password(admin.password_hash, "NewPass123")


# --- ID-3: signer registration certificates -------------------------------------------------

def test_a_signer_certificate_shows_the_password_only_on_the_first_day(identity, registered):
    # ID-3: the password is shown only on the day the file is first generated; afterwards
    # it is masked, for good.
    caller = registered.caller(registered.admin)
    login_id, password = registered.users[0].login_id, registered.user_passwords[0]
    day = date(2026, 12, 2)
    first = accounts.signer_certificate_payload(identity, caller, login_id, day)
    assert first["password"] == password and first["login_id"] == login_id
    assert first["trade_registration_number"] == "1504-000001"
    assert first["signature_file_id"] == f"{1:064x}"
    again = accounts.signer_certificate_payload(identity, caller, login_id, day)
    assert again["password"] == password  # the same day: still shown
    later = accounts.signer_certificate_payload(identity, caller, login_id,
                                                day + timedelta(days=1))
    assert later["password"] is None
    assert registered.users[0].initial_password_sealed is None
    assert accounts.signer_certificate_payload(identity, caller, login_id, day)["password"] \
        is None  # never shown again, whatever day is asked


# --- ID-4: the admin sets a signer's password -------------------------------------------------

def test_the_admin_sets_a_signers_password_and_ends_its_sessions(identity, registered):
    # ID-4: a lost password: the admin sets a new one; the signer's open session ends.
    user, old = registered.users[0], registered.user_passwords[0]
    token, _ = sessions.login(identity, "1504", user.login_id, old)
    caller = registered.caller(registered.admin)
    with pytest.raises(PasswordPolicyViolated):
        accounts.set_password_by_admin(identity, caller, user.login_id, "user", "abcdefgh")
    accounts.set_password_by_admin(identity, caller, user.login_id, "user", "Reset1234")
    with pytest.raises(SessionEnded):
        sessions.current(identity, token)
    with pytest.raises(InvalidCredentials):
        sessions.login(identity, "1504", user.login_id, old)
    sessions.login(identity, "1504", user.login_id, "Reset1234")
    assert user.initial_password_sealed is None  # ID-3: the old one is never printed


# --- ID-6: sub IDs ----------------------------------------------------------------------------

def test_a_signer_creates_a_sub_id_with_the_password_it_sets(identity, registered):
    # ID-6.1: name, password (set by the signer, ID-2 policy), e-mail, phone.
    signer = registered.caller(registered.users[0])
    with pytest.raises(PasswordPolicyViolated):
        accounts.create_sub_id(identity, signer, {**SUB, "password": "password"})
    sub = accounts.create_sub_id(identity, signer, SUB)
    assert sub.kind == "sub" and re.fullmatch(r"S\d{7}", sub.login_id)
    assert sub.creator_id == registered.users[0].id
    assert sub.registration_id == registered.admin.registration_id
    assert sub.notified_at is None and sub.activated_at is None
    assert verify_password(sub.password_hash, SUB["password"])


def test_notifying_a_sub_id_needs_a_trade_registration_of_the_chamber(identity, registered):
    # ID-6.2: the target trade registration number (the agent's or the own), phone, e-mail,
    # subject and body; the mail is recorded with the change.
    signer = registered.caller(registered.users[0])
    sub = accounts.create_sub_id(identity, signer, SUB)
    with pytest.raises(RegistrationNotFound) as caught:
        notify(identity, signer, sub, target="1504-999999")
    assert caught.value.fields == {
        "target_trade_registration_number": ["registration_not_found"]}
    notify(identity, signer, sub)
    assert sub.notified_at is not None
    assert len(events(identity, "sub_id_notified")) == 1
    assert accounts.sub_view(sub)["notified"] and not accounts.sub_view(sub)["active"]


def test_a_sub_id_is_activated_from_its_link_with_the_password_the_signer_set(identity,
                                                                              registered):
    # ID-6.3: the holder opens the link and enters the password; the link is single-use.
    # ID-6.2: an un-notified sub ID cannot be activated, nor log in.
    signer = registered.caller(registered.users[0])
    sub = accounts.create_sub_id(identity, signer, SUB)
    with pytest.raises(InvalidCredentials):
        sessions.login(identity, "1504", sub.login_id, SUB["password"])
    token = notify(identity, signer, sub)
    with pytest.raises(WrongActivationPassword) as wrong:  # issue 9: no "current" password
        accounts.activate_sub_id(identity, token, "Wrong1234")
    assert wrong.value.fields == {"password": ["wrong_activation_password"]}
    assert accounts.open_activation(identity, token)[1] is sub  # still good
    accounts.activate_sub_id(identity, token, SUB["password"])
    assert sub.activated_at is not None
    with pytest.raises(ActivationInvalid) as used:
        accounts.activate_sub_id(identity, token, SUB["password"])
    # issue 9: the page can say the link was used, and offer the chamber's login
    assert used.value.params == {"reason": "used", "cci_code": "1504"}
    with pytest.raises(ActivationInvalid) as opened:
        accounts.open_activation(identity, token)
    assert opened.value.params == {"reason": "used", "cci_code": "1504"}
    with pytest.raises(ActivationInvalid) as unknown:
        accounts.open_activation(identity, "not-a-token-at-all")
    assert unknown.value.params == {"reason": "unknown"}
    sessions.login(identity, "1504", sub.login_id, SUB["password"])


def test_a_link_stops_working_after_five_wrong_passwords(identity, registered):
    # ID-6.3: a link is not for guessing; the signer notifies again.
    signer = registered.caller(registered.users[0])
    sub = accounts.create_sub_id(identity, signer, SUB)
    token = notify(identity, signer, sub)
    for left in (4, 3, 2, 1, 0):
        with pytest.raises(WrongActivationPassword) as caught:
            accounts.activate_sub_id(identity, token, "Wrong1234")
        assert caught.value.params == {"attempts_left": left}
    with pytest.raises(ActivationInvalid) as stopped:
        accounts.activate_sub_id(identity, token, SUB["password"])
    assert stopped.value.params["reason"] == "cancelled"


def test_the_admin_sees_every_signer_with_the_sub_ids_each_created(identity, registered):
    # ID-6.4
    first, second = (registered.caller(u) for u in registered.users)
    accounts.create_sub_id(identity, first, SUB)
    accounts.create_sub_id(identity, first, {**SUB, "name": "二人目"})
    listed = accounts.signers_with_sub_ids(identity, registered.caller(registered.admin))
    assert [s["login_id"] for s in listed] == [u.login_id for u in registered.users]
    assert [sub["name"] for sub in listed[0]["sub_ids"]] == ["派遣 花子", "二人目"]
    assert listed[1]["sub_ids"] == []
    assert second["login_id"] == listed[1]["login_id"]


def test_a_sub_id_created_again_with_the_same_idempotency_key_is_the_same(identity,
                                                                          registered):
    """Issue 12: a create that timed out is repeated with the same key: the sub ID it made,
    nothing created twice; another signer's same key is its own."""
    first, second = (registered.caller(u) for u in registered.users)
    sub = accounts.create_sub_id(identity, first, SUB, "retry-1")
    again = accounts.create_sub_id(identity, first, {**SUB, "name": "別名"}, "retry-1")
    others = accounts.create_sub_id(identity, second, SUB, "retry-1")
    without = accounts.create_sub_id(identity, first, SUB)

    assert again.login_id == sub.login_id and again.name == SUB["name"]
    assert others.login_id not in (sub.login_id, without.login_id)
    listed = accounts.signers_with_sub_ids(identity, registered.caller(registered.admin))
    assert [len(s["sub_ids"]) for s in listed] == [2, 1]


def test_only_its_creator_edits_a_sub_id(identity, registered):
    # ID-6.5: the signer edits a sub ID's name, e-mail, phone; another signer cannot.
    first, second = (registered.caller(u) for u in registered.users)
    sub = accounts.create_sub_id(identity, first, SUB)
    accounts.update_sub_id(identity, first, sub.login_id, {"name": "改名", "phone": None})
    assert sub.name == "改名" and sub.phone is None and sub.email == SUB["email"]
    with pytest.raises(AccountNotFound):
        accounts.update_sub_id(identity, second, sub.login_id, {"name": "他人"})


def test_an_admin_password_reset_cancels_the_notification(identity, registered):
    # ID-6.5: the admin resets a sub ID's password; it must be notified again, and the link
    # mailed before stops working.
    signer = registered.caller(registered.users[0])
    sub = accounts.create_sub_id(identity, signer, SUB)
    token = notify(identity, signer, sub)
    accounts.activate_sub_id(identity, token, SUB["password"])
    accounts.set_password_by_admin(identity, registered.caller(registered.admin),
                                   sub.login_id, "sub", "Reset1234")
    assert sub.notified_at is None and sub.activated_at is None
    with pytest.raises(InvalidCredentials):
        sessions.login(identity, "1504", sub.login_id, "Reset1234")
    again = notify(identity, signer, sub)
    accounts.activate_sub_id(identity, again, "Reset1234")
    sessions.login(identity, "1504", sub.login_id, "Reset1234")


def test_deleting_a_sub_id_is_final(identity, registered):
    # ID-6.6
    signer = registered.caller(registered.users[0])
    sub = accounts.create_sub_id(identity, signer, SUB)
    login_id = sub.login_id
    accounts.delete_sub_id(identity, signer, login_id)
    assert find_account(identity, "1504", login_id) is None
    with pytest.raises(AccountNotFound):
        accounts.delete_sub_id(identity, signer, login_id)


# --- ID-9: a chamber code scopes every ID -----------------------------------------------------

def test_no_one_reaches_another_registrations_or_chambers_ids(identity, registered):
    # ID-9: an admin finds only its own registration's IDs, never another chamber's.
    add_test_chamber(identity, "1301", "Tokyo CCI")
    tokyo = Registered(identity, "1301", "1301-000001")
    other_saitama = Registered(identity, "1504", "1504-000002")
    admin = registered.caller(registered.admin)
    accounts.member(identity, admin, registered.users[0].login_id, "user")
    for user in (tokyo.users[0], other_saitama.users[0]):
        with pytest.raises(AccountNotFound):
            accounts.member(identity, admin, user.login_id, "user")
        with pytest.raises(AccountNotFound):
            accounts.set_password_by_admin(identity, admin, user.login_id, "user", "Reset1234")
    assert accounts.registration_of(identity, admin).trade_registration_number == "1504-000001"


@pytest.mark.parametrize(("where", "index"), [
    ((Account.registration_id == 1, Account.kind == "user"),  # a registration's IDs
     "ix_accounts_registration_id"),
    ((Account.creator_id == 1, Account.kind == "sub"),  # a user ID's sub IDs (ID-6.4)
     "ix_accounts_creator_id"),
], ids=["registration", "creator"])
def test_a_registrations_ids_and_a_users_sub_ids_are_found_by_index(identity, where, index):
    """Issue 13: among 500,000 IDs of 265 chambers, the signers' list with their sub IDs
    and a registration's IDs read an index, not every account."""
    plan = plan_without_table_scans(identity, select(Account).where(*where))
    assert f"Index Scan using {index}" in plan, plan
