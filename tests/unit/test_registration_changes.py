"""Change requests (変更申請) at the domain level: services/registration/changes.py, the
wizard's rules (REG-4, REG-5, REG-10) checked on the registration as it would be after the
change, one open at a time, forms with the change request's number, and an approval that is
applied at once and safe to repeat. identity and documents are plain callables."""
import pytest

from services.registration import changes
from services.registration.exceptions import (
    ApplicationIncomplete,
    ChangeRequestClosed,
    ChangeRequestNotFound,
    ChangeRequestOpen,
)
from services.registration.schemas import ChangeRequestSchema
from tests.helpers.registration import (
    CHAMBER,
    TODAY,
    approve,
    company,
    events,
    submitted,
)
from tradecert.errors import ValidationFailed


@pytest.fixture
def session(domain_session):
    return domain_session("registration")


@pytest.fixture
def registration(session):
    return approve(session, submitted(session, signers=2))


def current(count: int = 2) -> list[dict]:
    """identity's answer: the signers whose user IDs work."""
    return [{"login_id": f"U{n:07d}", "signer_id": f"s{n}", "name_ja": f"署名者 {n}",
             "name_en": f"SIGNER {n}", "title_en": "EXPORT MANAGER",
             "email": f"signer{n}@sakura.example.jp"} for n in range(1, count + 1)]


def admin(registration) -> dict:
    return {"cci_code": registration.cci_code, "login_id": registration.admin_login_id,
            "trade_registration_number": registration.trade_registration_number}


def body(**payload) -> dict:
    """The API body as the service loads it (ChangeRequestSchema: REG-4 and REG-5 schemas)."""
    raw = {k: v for k, v in payload.items() if k != "company"}
    data = ChangeRequestSchema().load(raw)
    if "company" in payload:
        data["company"] = payload["company"]
    return data


def new_signer(n: int = 9, **changes) -> dict:
    return {"name_ja": f"新署名者 {n}", "name_en": f"NEW SIGNER {n}", "title_en": "MANAGER",
            "email": f"new{n}@sakura.example.jp", "reason": None, **changes}


def refused(registration, session, data, signers=None) -> dict:
    with pytest.raises(ValidationFailed) as error:
        changes.submit(session, admin(registration), data, current() if signers is None
                       else signers)
    return error.value.fields


def test_a_change_request_names_its_company_and_signers(session, registration):
    request = changes.submit(session, admin(registration), body(
        company=company(name_en="SAKURA TRADING INTERNATIONAL"),
        signers_added=[new_signer()], signers_removed=["U0000002"]), current())
    assert request.change_request_number.startswith("C1504-")
    view = changes.view(session, request)
    assert view["status"] == "submitted"
    assert view["company"]["name_en"] == "SAKURA TRADING INTERNATIONAL"
    assert [s["name_en"] for s in view["signers_added"]] == ["NEW SIGNER 9"]
    assert [s["login_id"] for s in view["signers_removed"]] == ["U0000002"]
    assert view["forms"] == ["business-description", "signature-registration"]


def test_an_unchanged_company_is_no_change_and_an_empty_request_is_refused(session,
                                                                            registration):
    same = company()
    assert refused(registration, session, body(company=same)) == {
        "change_request": ["nothing_to_change"]}
    assert refused(registration, session, body()) == {"change_request": ["nothing_to_change"]}


def test_removing_an_unknown_id_is_named_by_its_position(session, registration):
    assert refused(registration, session, body(signers_removed=["U0000001", "U9999999"])) == {
        "signers_removed.1": ["signer_not_found"]}


def test_an_applicant_keeps_at_least_one_signer(session, registration):
    """REG-5, REG-6: removing every signer of an applicant is refused."""
    assert refused(registration, session, body(signers_removed=["U0000001", "U0000002"])) == {
        "signers_removed": ["at_least_one_signer"]}
    # one removed and one added: still a signer
    changes.submit(session, admin(registration), body(
        signers_removed=["U0000001", "U0000002"], signers_added=[new_signer()]), current())


def test_the_16th_signer_of_the_resulting_set_needs_a_reason(session, registration):
    """REG-10, counted on the registration after the change: 14 now, one removed, three
    added → the third added is the 16th."""
    fourteen = current(14)
    three = [new_signer(n) for n in (1, 2, 3)]
    assert refused(registration, session, body(signers_added=three,
                                               signers_removed=["U0000001"]), fourteen) == {
        "signers_added.2.reason": ["reason_required_from_16th_signer"]}
    three[2]["reason"] = "工場ごとに輸出担当者がいるため"
    request = changes.submit(session, admin(registration), body(
        signers_added=three, signers_removed=["U0000001"]), fourteen)
    assert len(changes.view(session, request)["signers_added"]) == 3


def test_agents_add_no_signers(session, registration):
    """REG-5: a company that becomes an agent adds none, and its signers' IDs end."""
    assert refused(registration, session, body(company=company("agent"),
                                               signers_added=[new_signer()])) == {
        "signers_added": ["agents_have_no_signers"]}
    request = changes.submit(session, admin(registration), body(company=company("agent")),
                             current())
    assert [s["login_id"] for s in request.signers_removed] == ["U0000001", "U0000002"]
    assert changes.forms_of(session, request) == ["business-description"]


def test_a_signer_already_registered_is_refused(session, registration):
    twice = new_signer(1, name_ja="署名者 1", email="SIGNER1@sakura.example.jp")
    assert refused(registration, session, body(signers_added=[twice])) == {
        "signers_added.0.email": ["duplicate_signer"]}


def test_one_open_change_request_at_a_time(session, registration):
    first = changes.submit(session, admin(registration), body(signers_added=[new_signer()]),
                           current())
    with pytest.raises(ChangeRequestOpen) as error:
        changes.submit(session, admin(registration), body(signers_added=[new_signer(8)]),
                       current())
    assert error.value.params == {"change_request_id": first.change_request_number}
    changes.return_request(session, first, "署名届の記載に不備があります")
    assert events(session, "change_request_returned")[0]["reason"] == \
        "署名届の記載に不備があります"
    with pytest.raises(ChangeRequestClosed):
        changes.return_request(session, first, "again")
    changes.submit(session, admin(registration), body(signers_added=[new_signer(8)]),
                   current())  # a new one after the return


def test_staff_of_another_chamber_and_other_admins_do_not_find_it(session, registration):
    request = changes.submit(session, admin(registration), body(signers_added=[new_signer()]),
                             current())
    number = request.change_request_number
    assert changes.in_chamber(session, {"cci_code": "1504"}, number) is request
    with pytest.raises(ChangeRequestNotFound):
        changes.in_chamber(session, {"cci_code": "1301"}, number)


def test_the_forms_carry_the_change_requests_number(session, registration):
    request = changes.submit(session, admin(registration), body(
        company=company(name_en="SAKURA TRADING INTERNATIONAL"),
        signers_added=[new_signer()], signers_removed=["U0000002"]), current())
    described = changes.form_payload(session, request, CHAMBER, "business-description",
                                     current())
    assert described["application_number"] == request.change_request_number
    assert described["company"]["name_en"] == "SAKURA TRADING INTERNATIONAL"
    # the signers after the change: the one kept and the one added
    assert [s["name_en"] for s in described["signers"]] == ["SIGNER 1", "NEW SIGNER 9"]
    signature = changes.form_payload(session, request, CHAMBER, "signature-registration",
                                     current())
    assert [s["name_en"] for s in signature["signers"]] == ["NEW SIGNER 9"]


def test_approval_needs_the_new_signatures_and_is_applied_once(session, registration):
    request = changes.submit(session, admin(registration), body(
        company=company(name_en="SAKURA TRADING INTERNATIONAL"),
        signers_added=[new_signer()], signers_removed=["U0000002"]), current())
    asked, rendered = [], []

    def apply_accounts(data):
        asked.append(data)
        return {"users": [{"signer_id": s["signer_id"], "login_id": "U0000009"}
                          for s in data["signers_added"]]}

    def render(payload):
        rendered.append(payload)
        return {"file_id": "e" * 64}

    def approve_now():
        return changes.approve(session, request, CHAMBER, today=TODAY,
                               apply_accounts=apply_accounts, render_certificate=render)

    with pytest.raises(ApplicationIncomplete) as error:
        approve_now()
    [field] = error.value.fields
    assert field.endswith(".signature") and not asked
    changes.view(session, request)  # still submitted
    for signer in changes.domain.signers_of(session, request):
        signer.signature_file_id = "a" * 64
    approve_now()
    assert request.status == "approved"
    assert registration.company["name_en"] == "SAKURA TRADING INTERNATIONAL"
    assert registration.certificate_file_id == "e" * 64
    assert asked[0]["signers_removed"] == ["U0000002"]
    assert asked[0]["change_request_id"] == request.change_request_number
    # the certificate again, with the new name and no password printed
    assert rendered[0]["company"]["name_en"] == "SAKURA TRADING INTERNATIONAL"
    assert rendered[0]["initial_password"] is None
    assert changes.view(session, request)["signers_added"][0]["login_id"] == "U0000009"
    assert len(events(session, "registration_changed")) == 1
    approve_now()  # a repeat answers the same, asks nobody again
    assert len(asked) == 1 and len(events(session, "registration_changed")) == 1
    with pytest.raises(ChangeRequestClosed):
        changes.return_request(session, request, "too late")
