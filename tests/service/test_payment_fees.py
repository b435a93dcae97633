"""Payment's fees over RPC (ISS-6, ISS-11; API.md "Payment"), through real RabbitMQ: the
schedule a chamber charges (the configured default until it sets its own), an application's
fee, a change kept in the history, and bad arguments refused with each field named."""
import pytest

from services.identity.exceptions import ChamberNotFound
from services.identity.service import IdentityService
from services.payment.models import FeeScheduleChange
from services.payment.service import PaymentService
from tests.helpers.identity import add_test_chamber
from tests.helpers.payment import DEFAULT_FEES
from tradecert.errors import ValidationFailed

DEFAULT = DEFAULT_FEES
OWN = {"co": {"member": 1100, "non_member": 3300},
       "signature": {"member": 1650, "non_member": 4400},
       "copy": {"member": 110, "non_member": 330}}


def test_fees_quotes_and_a_change_of_the_schedule(runner_factory, rpc_client, db_session):
    runner_factory(PaymentService, IdentityService).start()
    identity_db = db_session("identity")
    add_test_chamber(identity_db)
    identity_db.commit()
    payment = rpc_client.payment

    assert payment.fees("1504") == DEFAULT
    assert payment.quote("1504", "co_japan", "non_member", 2) == {
        "fee_jpy": 3460 + 2 * 400, "certificate_jpy": 3460, "copy_jpy": 400, "copies": 2,
        "membership": "non_member"}

    assert payment.set_fees("1504", OWN, "staff01") == OWN
    assert payment.fees("1504") == OWN
    assert payment.fees("1301") == DEFAULT  # another chamber's stays as it was
    assert payment.quote("1504", "signature", "member", 5)["fee_jpy"] == 1650 + 5 * 110
    assert payment.quote("1504", "co_foreign", "member", 0)["fee_jpy"] == 1100
    (change,) = db_session("payment").query(FeeScheduleChange).all()
    assert (change.cci_code, change.changed_by, change.old, change.new) == (
        "1504", "staff01", DEFAULT, OWN)


def test_bad_arguments_and_an_unknown_chamber_cross_rpc_as_themselves(runner_factory,
                                                                    rpc_client, db_session):
    runner_factory(PaymentService, IdentityService).start()
    payment = rpc_client.payment

    with pytest.raises(ValidationFailed) as refused:
        payment.quote("1504", "certificate", "associate", 6)
    assert refused.value.status == 422
    assert refused.value.fields == {"certificate_type": ["certificate_type_unknown"],
                                    "membership": ["Must be one of: member, non_member."],
                                    "copies": ["copies_range"]}
    with pytest.raises(ValidationFailed) as bad_code:
        payment.fees("15")
    assert list(bad_code.value.fields) == ["cci_code"]
    with pytest.raises(ValidationFailed) as bad_fees:
        payment.set_fees("1504", {**OWN, "copy": {"member": -1}}, "staff01")
    assert sorted(bad_fees.value.fields) == ["copy.member", "copy.non_member"]
    with pytest.raises(ChamberNotFound) as unknown:
        payment.set_fees("9999", OWN, "staff01")
    assert (unknown.value.status, unknown.value.code) == (404, "chamber_not_found")
    assert db_session("payment").query(FeeScheduleChange).count() == 0
