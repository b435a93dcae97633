"""identity's chamber and staff RPCs, and its errors crossing RPC as themselves."""
import pytest

from services.identity.exceptions import (
    ChamberExists,
    ChamberNotFound,
    LoginIdTaken,
    PasswordPolicyViolated,
)
from services.identity.models import Account
from services.identity.service import IdentityService
from tradecert.errors import ValidationFailed
from tradecert.outbox import OutboxEvent

SAITAMA = {"cci_code": "1504", "name_ja": "さいたま商工会議所", "name_en": "Saitama CCI",
           "registration_fee_jpy": {"member": 0, "non_member": 16200}}


@pytest.fixture
def identity(runner_factory, rpc_client):
    runner_factory(IdentityService).start()
    return rpc_client.identity


def test_add_and_get_chamber(identity):
    added = identity.add_chamber(SAITAMA)

    assert added == identity.get_chamber("1504")
    assert added["registration_fee_jpy"] == {"member": 0, "non_member": 16200}
    assert added["registration_validity_years"] == 2  # REG-9
    assert identity.list_chambers() == [added]


def test_unknown_chamber_is_chamber_not_found(identity):
    with pytest.raises(ChamberNotFound) as caught:
        identity.get_chamber("9999")
    assert caught.value.status == 404


def test_second_chamber_with_same_code_is_refused(identity):
    identity.add_chamber(SAITAMA)
    with pytest.raises(ChamberExists):
        identity.add_chamber({**SAITAMA, "name_ja": "別"})


def test_invalid_chamber_names_each_field(identity):
    with pytest.raises(ValidationFailed) as caught:
        identity.add_chamber({"cci_code": "15", "name_en": ""})
    assert set(caught.value.fields) == {"cci_code", "name_ja", "name_en"}


def test_staff_account_stores_an_argon2id_hash_and_records_an_event(identity, db_session):
    identity.add_chamber(SAITAMA)
    account = identity.add_staff({"cci_code": "1504", "login_id": "staff01",
                                  "password": "Passw0rdX", "email": "staff@example.jp"})

    assert account == {"login_id": "staff01", "kind": "staff", "name": "staff01",
                       "cci_code": "1504", "email": "staff@example.jp"}
    session = db_session("identity")
    stored = session.query(Account).one()
    assert stored.password_hash.startswith("$argon2id$")
    events = [e.event_type for e in session.query(OutboxEvent).order_by(OutboxEvent.id)]
    assert events == ["chamber_added", "account_created"]


def test_staff_password_policy_and_duplicate_ids(identity, db_session):
    identity.add_chamber(SAITAMA)
    with pytest.raises(PasswordPolicyViolated) as caught:
        identity.add_staff({"cci_code": "1504", "login_id": "staff01", "password": "short1"})
    assert caught.value.fields == {"password": ["password_policy"]}

    identity.add_staff({"cci_code": "1504", "login_id": "staff01", "password": "Passw0rdX"})
    with pytest.raises(LoginIdTaken):
        identity.add_staff({"cci_code": "1504", "login_id": "staff01", "password": "Passw0rdY"})
    assert db_session("identity").query(Account).count() == 1  # nothing half-written
