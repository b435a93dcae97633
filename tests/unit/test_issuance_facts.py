"""What issuance asks other services for over RPC (issue 10, ISS-3): registration's
`exporter` (box 1 of a certificate of origin: the English name and addresses as registered,
JAPAN, membership, validity, REG-9) and identity's `applicant` (who applies and who signs,
with the signer's registered signature, REG-7). Domain level, no broker."""
from datetime import datetime, timedelta

import pytest

from services.identity import accounts
from services.identity.exceptions import NotPermitted, SignerUnavailable
from services.registration import domain
from services.registration.exceptions import RegistrationNotFound
from tests.helpers.registration import approve, company, signer, start
from tradecert.clock import JAPAN, frozen, japan_today
from tradecert.errors import Conflict, Forbidden, NotFound

EXTRA = [{"address_ja": "横浜市中区山下町1", "address_en": "1 Yamashitacho, Naka-ku, Yokohama"},
         {"address_ja": "大阪市北区梅田2", "address_en": "2 UMEDA,  Kita-ku, OSAKA"}]


def registration_with(session, **changes):
    application, _ = start(session)
    domain.save_company(session, application, company(**changes))
    domain.add_signer(session, application, signer(1)).signature_file_id = "1" * 64
    domain.submit(session, application)
    return approve(session, application)


@pytest.fixture
def registration(domain_session):
    return domain_session("registration")


def test_the_exporter_is_box_1_as_registered_with_every_english_address(registration):
    """ISS-3, REG-4.5, REG-4.6: the current English address, then each extra one, exactly as
    typed; the names as the trade registration certificate prints them; a non-member."""
    registered = registration_with(registration, extra_addresses=EXTRA,
                                   membership="non_member_joining",
                                   legal_entity_position="before")
    with frozen(datetime(2026, 12, 1, 9, tzinfo=JAPAN)):
        answer = domain.exporter(registration, "1504", registered.trade_registration_number,
                                 japan_today())
    assert answer == {
        "trade_registration_number": registered.trade_registration_number,
        "name_en": "SAKURA TRADING CO., LTD.", "name_ja": "株式会社さくら貿易",
        "address_en_lines": ["1-2-3 Sakuragicho, Omiya-ku, Saitama 330-0854, Japan",
                             "1 Yamashitacho, Naka-ku, Yokohama",
                             "2 UMEDA,  Kita-ku, OSAKA"],
        "country": "JAPAN", "membership": "non_member", "registration_type": "applicant",
        "valid": True, "valid_until": "2028-11-30"}


def test_a_member_without_extra_addresses(registration):
    registered = registration_with(registration, registration_type="applicant_and_agent")
    answer = domain.exporter(registration, "1504", registered.trade_registration_number,
                             registered.valid_from)
    assert answer["membership"] == "member" and answer["name_ja"] == "さくら貿易株式会社"
    assert answer["registration_type"] == "applicant_and_agent"
    assert answer["address_en_lines"] == [
        "1-2-3 Sakuragicho, Omiya-ku, Saitama 330-0854, Japan"]


def test_an_expired_registration_is_no_longer_valid(registration):
    """REG-9: valid through valid_until, Japan's day; the day after, issuance refuses."""
    registered = registration_with(registration)
    number = registered.trade_registration_number
    last_day = datetime.combine(registered.valid_until, datetime.min.time(), JAPAN)
    with frozen(last_day + timedelta(hours=23)):
        assert domain.exporter(registration, "1504", number, japan_today())["valid"] is True
    with frozen(last_day + timedelta(days=1)):
        answer = domain.exporter(registration, "1504", number, japan_today())
    assert answer["valid"] is False and answer["valid_until"] == "2028-11-30"


def test_an_unknown_or_another_chambers_registration_is_not_found(registration):
    """ID-9: another chamber's is not found either."""
    registered = registration_with(registration)
    for cci_code, number in (("1504", "1504-999999"),
                             ("1301", registered.trade_registration_number)):
        with pytest.raises(RegistrationNotFound) as caught:
            domain.exporter(registration, cci_code, number, japan_today())
        assert isinstance(caught.value, NotFound)


# --- identity: who applies and who signs (ISS-3) -------------------------------------------

def test_a_user_id_signs_its_own_applications(registered):
    user = registered.users[1]
    assert accounts.applicant(registered.session, registered.caller(user)) == {
        "login_id": user.login_id, "kind": "user", "signer_login_id": user.login_id,
        "signer": {"name_ja": "署名者 2", "name_en": "SIGNER 2",
                   "title_en": "EXPORT MANAGER"},
        "signature_file_id": f"{2:064x}", "trade_registration_number": "1504-000001",
        "cci_code": "1504"}


def sub_of(registered, user):
    return accounts.create_sub_id(registered.session, registered.caller(user), {
        "name": "サブ 太郎", "password": "SubPass2026", "email": "sub@sakura.example.jp"})


def test_a_sub_ids_signer_is_the_user_id_that_created_it(registered):
    creator = registered.users[0]
    sub = sub_of(registered, creator)
    answer = accounts.applicant(registered.session, registered.caller(sub))
    assert answer["login_id"] == sub.login_id and answer["kind"] == "sub"
    assert answer["signer_login_id"] == creator.login_id
    assert answer["signer"]["name_en"] == "SIGNER 1"
    assert answer["signature_file_id"] == f"{1:064x}"


def test_the_admin_id_and_staff_do_not_apply(registered):
    """ID-7, ISS-3: the admin ID is refused; staff too."""
    with pytest.raises(NotPermitted) as caught:
        accounts.applicant(registered.session, registered.caller(registered.admin))
    assert isinstance(caught.value, Forbidden)
    staff = {"account_id": None, "kind": "staff", "cci_code": "1504", "login_id": "staff01"}
    with pytest.raises(NotPermitted):
        accounts.applicant(registered.session, staff)


@pytest.mark.parametrize("stopped", ["retired_at", "locked_at"])
def test_a_retired_or_locked_signer_signs_nothing(registered, stopped):
    """ISS-3: a signer removed by a change request, or locked by staff, signs neither its
    own applications nor its sub IDs' (409 signer_unavailable)."""
    creator = registered.users[0]
    sub = sub_of(registered, creator)
    callers = [registered.caller(creator), registered.caller(sub)]
    setattr(creator, stopped, datetime.now(JAPAN))
    registered.session.flush()
    for caller in callers:
        with pytest.raises(SignerUnavailable) as caught:
            accounts.applicant(registered.session, caller)
        assert isinstance(caught.value, Conflict) and caught.value.code == "signer_unavailable"
    # the other signer still signs
    assert accounts.applicant(registered.session, registered.caller(registered.users[1]))


def test_a_sub_id_that_no_longer_works_does_not_apply(registered):
    sub = sub_of(registered, registered.users[0])
    caller = registered.caller(sub)
    sub.locked_at = datetime.now(JAPAN)
    registered.session.flush()
    with pytest.raises(NotPermitted):
        accounts.applicant(registered.session, caller)
