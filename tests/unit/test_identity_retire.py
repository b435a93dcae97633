"""An approved change request (変更申請) in identity: new signers get user IDs (idempotent on
the change request, each with its sealed initial password for ID-3's certificate), removed
signers' user IDs and their sub IDs stop working at once: login answers as for a wrong
password, open sessions are refused, the rows stay."""
import pytest

from services.identity import accounts, sessions
from services.identity.exceptions import InvalidCredentials, SessionEnded
from services.identity.models import Account
from tests.helpers.identity import Registered, add_test_chamber


@pytest.fixture
def identity(domain_session):
    session = domain_session("identity")
    add_test_chamber(session)
    return session


def change(**data) -> dict:
    return {"cci_code": "1504", "trade_registration_number": "1504-000001",
            "change_request_id": "C1504-2026-00001",
            "company": {"name_ja": "さくら貿易", "name_en": "SAKURA INTERNATIONAL"},
            "contact": {"name": "鈴木 一郎", "email": "i.suzuki@sakura.example.jp"},
            "signers_added": [{"signer_id": "new-1", "name_ja": "新 署名者",
                               "name_en": "NEW SIGNER", "title_en": "MANAGER",
                               "email": "new@sakura.example.jp",
                               "signature_file_id": "c" * 64}],
            "signers_removed": [], **data}


def test_a_new_signer_gets_one_user_id_however_often_asked(identity):
    registered = Registered(identity)
    first = accounts.apply_registration_change(identity, change())
    again = accounts.apply_registration_change(identity, change())
    assert first == again and len(first["users"]) == 1
    user = identity.query(Account).filter_by(login_id=first["users"][0]["login_id"]).one()
    assert user.kind == "user" and accounts.unseal(user.initial_password_sealed)
    assert user.registration_id == registered.admin.registration_id
    active = accounts.active_signers(identity, "1504", "1504-000001")
    assert [s["name_en"] for s in active] == ["SIGNER 1", "SIGNER 2", "NEW SIGNER"]


def test_a_removed_signer_and_its_sub_ids_stop_working_at_once(identity):
    registered = Registered(identity)
    user, password = registered.users[1], registered.user_passwords[1]
    token, _ = sessions.login(identity, "1504", user.login_id, password)
    sub = accounts.create_sub_id(identity, registered.caller(user), {
        "name": "サブ", "password": "SubPass2026", "email": "sub@sakura.example.jp"})
    sub.activated_at = sub.created_at
    sub_token, _ = sessions.login(identity, "1504", sub.login_id, "SubPass2026")

    accounts.apply_registration_change(identity, change(signers_added=[],
                                                        signers_removed=[user.login_id]))
    for retired, retired_token, retired_password in ((user, token, password),
                                                     (sub, sub_token, "SubPass2026")):
        assert retired.retired_at is not None  # the row stays
        with pytest.raises(SessionEnded):
            sessions.authorize(identity, retired_token, "me.view")
        with pytest.raises(InvalidCredentials):
            sessions.login(identity, "1504", retired.login_id, retired_password)
    assert [s["login_id"] for s in accounts.active_signers(identity, "1504", "1504-000001")] \
        == [registered.users[0].login_id]
    caller = registered.caller(registered.admin)
    assert [s["login_id"] for s in accounts.signers_with_sub_ids(identity, caller)] == [
        registered.users[0].login_id]
    # the other signer is untouched
    sessions.login(identity, "1504", registered.users[0].login_id, registered.user_passwords[0])
