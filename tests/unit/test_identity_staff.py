"""Issue 9 at the domain level (services/identity/staff.py, sessions.py): staff lock and
unlock a company's IDs in their own chamber; a new admin password takes effect only once the
certificate printing it is kept, and never an older one after a newer; page sessions have
their own cookie credential; an absolute lifetime besides the idle one (ID-8)."""
from datetime import timedelta

import pytest

from services.identity import sessions, staff
from services.identity.accounts import change_own_password
from services.identity.domain import add_staff
from services.identity.exceptions import (
    AccountNotFound,
    InvalidCredentials,
    RegistrationNotFound,
    SessionEnded,
    SessionExpired,
)
from services.identity.models import AdminPasswordReset, Session
from tests.helpers.identity import add_test_chamber
from tradecert import clock
from tradecert.outbox import OutboxEvent

NUMBER = "1504-000001"


@pytest.fixture
def staff_caller(identity, chamber):
    account = add_staff(identity, {"cci_code": "1504", "login_id": "staff01",
                                   "password": "Staff2026x", "name": "", "email": None})
    return sessions.caller_context(identity, account)


def admin_ready(registered) -> str:
    change_own_password(registered.admin, registered.admin_password, "Admin12345")
    return "Admin12345"


def test_a_locked_id_cannot_log_in_and_its_session_ends_at_once(identity, registered,
                                                                staff_caller):
    password = admin_ready(registered)
    login_id = registered.admin.login_id
    token, _ = sessions.login(identity, "1504", login_id, password)

    staff.lock(identity, staff_caller, login_id)

    with pytest.raises(SessionEnded):
        sessions.authorize(identity, token, "me.view")
    with pytest.raises(InvalidCredentials):  # as for a wrong password
        sessions.login(identity, "1504", login_id, password)
    assert registered.admin.locked_by == "staff01" and registered.admin.locked_at
    staff.unlock(identity, staff_caller, login_id)
    assert registered.admin.locked_at is None and registered.admin.unlocked_by == "staff01"
    token, _ = sessions.login(identity, "1504", login_id, password)
    assert sessions.authorize(identity, token, "me.view")["login_id"] == login_id
    assert [e.event_type for e in identity.query(OutboxEvent).order_by(OutboxEvent.id)
            if e.event_type.startswith("account_")][-2:] == ["account_locked",
                                                             "account_unlocked"]


def test_staff_lock_only_a_companys_ids_of_their_own_chamber(identity, registered,
                                                             staff_caller):
    add_test_chamber(identity, "1301", "Tokyo CCI")
    tokyo = add_staff(identity, {"cci_code": "1301", "login_id": "tokyo01",
                                 "password": "Staff2026x", "name": "", "email": None})
    tokyo_caller = sessions.caller_context(identity, tokyo)
    for caller, login_id in ((tokyo_caller, registered.admin.login_id),
                             (staff_caller, "staff01"), (staff_caller, "A0000000"),
                             (staff_caller, "bad\x00id")):
        with pytest.raises(AccountNotFound):
            staff.lock(identity, caller, login_id)
    with pytest.raises(RegistrationNotFound):
        staff.registration_accounts(identity, tokyo_caller, NUMBER)
    ids = staff.registration_accounts(identity, staff_caller, NUMBER)
    assert [a["kind"] for a in ids["accounts"]] == ["admin", "user", "user"]


def test_a_new_admin_password_takes_effect_only_when_certified(identity, registered,
                                                               staff_caller):
    old = admin_ready(registered)
    token, _ = sessions.login(identity, "1504", registered.admin.login_id, old)
    issued = staff.prepare_admin_password(identity, staff_caller, NUMBER)
    # kept sealed, not in effect: the old password still works, its session too
    assert sessions.authorize(identity, token, "me.view")
    sessions.login(identity, "1504", registered.admin.login_id, old)

    assert staff.admin_password_certified(identity, "1504", NUMBER, issued["ref"]) is True
    assert staff.admin_password_certified(identity, "1504", NUMBER, issued["ref"]) is False
    with pytest.raises(InvalidCredentials):
        sessions.login(identity, "1504", registered.admin.login_id, old)
    _, admin = sessions.login(identity, "1504", registered.admin.login_id, issued["password"])
    assert admin.must_change_password is True
    assert identity.query(AdminPasswordReset).one().password_sealed is None


def test_an_older_admin_password_certified_late_never_replaces_a_newer(identity, registered,
                                                                      staff_caller):
    first = staff.prepare_admin_password(identity, staff_caller, NUMBER)
    second = staff.prepare_admin_password(identity, staff_caller, NUMBER)
    assert staff.admin_password_certified(identity, "1504", NUMBER, second["ref"])
    assert not staff.admin_password_certified(identity, "1504", NUMBER, first["ref"])
    sessions.login(identity, "1504", registered.admin.login_id, second["password"])
    with pytest.raises(InvalidCredentials):
        sessions.login(identity, "1504", registered.admin.login_id, first["password"])
    # another chamber's number or an unknown ref changes nothing
    assert not staff.admin_password_certified(identity, "1504", NUMBER, "0" * 32)


# --- sessions -----------------------------------------------------------------------------------

def test_a_page_login_gets_a_cookie_credential_that_is_no_bearer_token(identity, registered):
    password = admin_ready(registered)
    cookie, _ = sessions.login(identity, "1504", registered.admin.login_id, password,
                               via="cookie")
    assert sessions.authorize(identity, cookie, "me.view", via="cookie")
    with pytest.raises(SessionEnded):
        sessions.authorize(identity, cookie, "me.view")  # as a bearer token
    token, _ = sessions.login(identity, "1504", registered.users[0].login_id,
                              registered.user_passwords[0])
    with pytest.raises(SessionEnded):
        sessions.current(identity, token, via="cookie")
    row = identity.query(Session).filter_by(cookie_hash=sessions.token_hash(cookie)).one()
    assert row.token_hash != sessions.token_hash(cookie)
    sessions.logout(identity, cookie, via="cookie")
    with pytest.raises(SessionEnded):
        sessions.current(identity, cookie, via="cookie")


def test_a_session_ends_at_its_absolute_lifetime_however_busy(identity, registered):
    password = admin_ready(registered)
    start = clock.now()
    with clock.frozen(start):
        token, _ = sessions.login(identity, "1504", registered.admin.login_id, password)
    for hours in (4, 8, 11.5):
        with clock.frozen(start + timedelta(hours=hours)):
            sessions.current(identity, token)
    with clock.frozen(start + sessions.max_age() + timedelta(seconds=1)), \
            pytest.raises(SessionExpired) as expired:
        sessions.current(identity, token)
    assert expired.value.code == "session_expired"
    assert sessions.max_age() == timedelta(hours=12)  # config.yaml SESSIONS.max_age_h
