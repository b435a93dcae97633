"""Fee schedules per chamber and an application's fee (ISS-6, ISS-11; API.md "Payment"):
services/payment/domain.py and its schemas, on a real PostgreSQL session
(tests/unit/conftest.py), with no broker."""
from datetime import datetime

import nameko
import pytest

from services.payment import domain
from services.payment.dependencies import default_fees
from services.payment.models import FeeSchedule
from services.payment.schemas import FeeScheduleSchema, QuoteSchema
from tests.helpers.payment import DEFAULT_FEES
from tradecert.clock import JAPAN, frozen
from tradecert.errors import ValidationFailed
from tradecert.schemas import load

DEFAULT = DEFAULT_FEES
OWN = {"co": {"member": 1000, "non_member": 3000},
       "signature": {"member": 1500, "non_member": 4000},
       "copy": {"member": 150, "non_member": 350}}


@pytest.fixture
def payment(domain_session):
    return domain_session("payment")


# --- the fee of an application ---------------------------------------------------------------

@pytest.mark.parametrize(("certificate_type", "membership", "copies", "expected"), [
    ("co_japan", "member", 0, (1000, 1000, 150)),
    ("co_foreign", "non_member", 5, (3000 + 5 * 350, 3000, 350)),  # both COs: the "co" fee
    ("signature", "member", 2, (1500 + 2 * 150, 1500, 150)),
    ("signature", "non_member", 1, (4000 + 350, 4000, 350)),
])
def test_the_fee_is_the_certificate_plus_each_copy_at_the_membership_price(
        certificate_type, membership, copies, expected):
    # API.md: fee_jpy = the certificate's fee + copies × the copy fee (ISS-11: by membership)
    quoted = domain.quote(OWN, certificate_type, membership, copies)

    assert (quoted["fee_jpy"], quoted["certificate_jpy"], quoted["copy_jpy"]) == expected
    assert (quoted["copies"], quoted["membership"]) == (copies, membership)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("certificate_type", "co", "certificate_type_unknown"),
    ("certificate_type", None, "Field may not be null."),
    ("membership", "associate", "Must be one of: member, non_member."),
    ("copies", 6, "copies_range"),  # ISS-12: at most 5 copies
    ("copies", -1, "copies_range"),
    ("copies", "2", "Not a valid integer."),
    ("copies", True, "Not a valid integer."),
    ("cci_code", "15", "format_cci_code"),
])
def test_a_bad_quote_argument_is_refused_with_its_field_named(field, value, message):
    good = {"cci_code": "1504", "certificate_type": "co_japan", "membership": "member",
            "copies": 1}
    assert load(QuoteSchema(), good) == good

    with pytest.raises(ValidationFailed) as refused:
        load(QuoteSchema(), {**good, field: value})

    assert refused.value.fields == {field: [message]}


# --- a schedule's amounts --------------------------------------------------------------------

def test_a_schedule_needs_all_six_whole_amounts_from_0_to_a_million():
    assert load(FeeScheduleSchema(), {**OWN, "copy": {"member": 0, "non_member": 1_000_000}})

    with pytest.raises(ValidationFailed) as refused:
        load(FeeScheduleSchema(), {"co": {"member": -1, "non_member": 1_000_001},
                                   "signature": {"member": 12.5, "non_member": True}})

    assert set(refused.value.fields) == {"co.member", "co.non_member", "signature.member",
                                         "signature.non_member", "copy"}
    assert refused.value.fields["copy"] == ["Missing data for required field."]
    with pytest.raises(ValidationFailed) as partly:
        load(FeeScheduleSchema(), {**OWN, "copy": {"member": 200}})
    assert set(partly.value.fields) == {"copy.non_member"}


# --- per chamber, with its history -----------------------------------------------------------

def test_a_chamber_without_its_own_schedule_charges_the_default(payment):
    assert domain.fees(payment, "1504", DEFAULT) == DEFAULT
    assert payment.get(FeeSchedule, "1504") is None  # reading writes nothing


def test_each_change_is_kept_with_who_when_before_and_after(payment):
    # ISS-11: each chamber sets its own; what was fixed before a change stays as it was
    with frozen(datetime(2026, 4, 1, 9, tzinfo=JAPAN)):
        assert domain.set_fees(payment, "1504", OWN, "staff01", DEFAULT) == OWN
    cheaper = {**OWN, "copy": {"member": 100, "non_member": 300}}
    with frozen(datetime(2026, 5, 1, 9, tzinfo=JAPAN)):
        domain.set_fees(payment, "1504", cheaper, "staff02", DEFAULT)
    domain.set_fees(payment, "1301", DEFAULT, "tokyo01", DEFAULT)
    payment.commit()

    assert domain.fees(payment, "1504", DEFAULT) == cheaper
    assert domain.fees(payment, "1301", DEFAULT) == DEFAULT
    assert domain.fees(payment, "1101", DEFAULT) == DEFAULT  # the others are untouched
    row = payment.get(FeeSchedule, "1504")
    assert (row.updated_by, row.updated_at) == ("staff02", datetime(2026, 5, 1, 9, tzinfo=JAPAN))
    changes = domain.history(payment, "1504")
    assert [(c.changed_by, c.changed_at, c.old, c.new) for c in changes] == [
        ("staff01", datetime(2026, 4, 1, 9, tzinfo=JAPAN), DEFAULT, OWN),
        ("staff02", datetime(2026, 5, 1, 9, tzinfo=JAPAN), OWN, cheaper)]
    assert domain.quote(domain.fees(payment, "1504", DEFAULT), "co_japan", "member", 2)[
        "fee_jpy"] == 1000 + 2 * 100


def test_the_default_comes_from_the_configuration_and_a_bad_one_is_named():
    # issue 11: Chiba CCI's published online fees for CO and signature; copy: a placeholder
    assert default_fees() == DEFAULT

    broken = {**DEFAULT, "copy": {"member": -200, "non_member": 400}}
    with nameko.config.patch({"PAYMENT": {"default_fees_jpy": broken}}), \
            pytest.raises(ValidationFailed) as refused:
        default_fees()
    assert list(refused.value.fields) == ["PAYMENT.default_fees_jpy.copy.member"]
