"""The facts issuance asks for over RPC (issue 10, ISS-3), through real RabbitMQ: the
registration's box 1 and validity (REG-9), and who applies and signs (identity), with their
errors crossing RPC as themselves."""
from datetime import datetime

import pytest

from services.identity.exceptions import NotPermitted, SignerUnavailable
from services.identity.models import Account
from services.identity.service import IdentityService
from services.registration import domain
from services.registration.exceptions import RegistrationNotFound
from services.registration.service import RegistrationService
from tests.helpers.identity import add_test_chamber
from tests.helpers.registration import approve, company, signer, start
from tradecert.clock import JAPAN, frozen


def test_registration_answers_the_exporter_and_its_validity(runner_factory, rpc_client,
                                                             db_session):
    runner_factory(RegistrationService).start()
    session = db_session("registration")
    application, _ = start(session)
    domain.save_company(session, application, company(extra_addresses=[
        {"address_ja": "横浜市中区山下町1", "address_en": "1 Yamashitacho, Naka-ku, Yokohama"}]))
    domain.add_signer(session, application, signer(1)).signature_file_id = "1" * 64
    domain.submit(session, application)
    number = approve(session, application).trade_registration_number
    session.commit()

    with frozen(datetime(2028, 11, 30, 23, tzinfo=JAPAN)):
        answer = rpc_client.registration.exporter("1504", number)
    assert answer["address_en_lines"] == [
        "1-2-3 Sakuragicho, Omiya-ku, Saitama 330-0854, Japan",
        "1 Yamashitacho, Naka-ku, Yokohama"]
    assert (answer["name_en"], answer["country"], answer["membership"], answer["valid"]) == (
        "SAKURA TRADING CO., LTD.", "JAPAN", "member", True)
    with frozen(datetime(2028, 12, 1, 0, 30, tzinfo=JAPAN)):  # REG-9: Japan's next day
        assert rpc_client.registration.exporter("1504", number)["valid"] is False
    with pytest.raises(RegistrationNotFound) as caught:
        rpc_client.registration.exporter("1301", number)  # ID-9
    assert caught.value.status == 404


def test_identity_answers_the_applicant_and_refuses_a_locked_signer(runner_factory, rpc_client,
                                                                     db_session):
    runner_factory(IdentityService).start()
    identity = rpc_client.identity
    session = db_session("identity")
    add_test_chamber(session)
    session.commit()
    created = identity.create_registration_accounts({
        "cci_code": "1504", "trade_registration_number": "1504-000001",
        "company": {"name_ja": "さくら貿易", "name_en": "SAKURA TRADING CO., LTD."},
        "contact": {"name": "鈴木 一郎", "email": "i.suzuki@sakura.example.jp"},
        "signers": [{"signer_id": "signer-1", "name_ja": "署名者 1", "name_en": "SIGNER 1",
                     "title_en": "EXPORT MANAGER", "email": "signer1@sakura.example.jp",
                     "signature_file_id": "a" * 64}]})
    user = session.query(Account).filter_by(login_id=created["users"][0]["login_id"]).one()
    admin = session.query(Account).filter_by(login_id=created["admin"]["login_id"]).one()

    def caller(account):
        return {"account_id": account.id, "login_id": account.login_id, "kind": account.kind,
                "cci_code": "1504", "registration_id": account.registration_id}

    answer = identity.applicant(caller(user))
    assert (answer["signer_login_id"], answer["signature_file_id"], answer["signer"]) == (
        user.login_id, "a" * 64,
        {"name_ja": "署名者 1", "name_en": "SIGNER 1", "title_en": "EXPORT MANAGER"})
    with pytest.raises(NotPermitted) as refused:
        identity.applicant(caller(admin))
    assert refused.value.status == 403

    user.locked_at = datetime.now(JAPAN)
    session.commit()
    with pytest.raises(SignerUnavailable) as caught:
        identity.applicant(caller(user))
    assert (caught.value.status, caught.value.code) == (409, "signer_unavailable")
