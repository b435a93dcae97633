"""Defect 7 (service side) through the gateway: input the database cannot hold is a clear
4xx naming the field, never a 500: an e-mail address longer than 254 characters, a NUL or
another control character in a login ID, a NUL in any ID of a URL."""
import pytest

from tests.api.registration_data import SIGNERS, company, invitation_token
from tests.api.registration_flow import staff_headers
from tests.api.world import PASSWORD, login, make_ready, register

TOO_LONG = "a" * 245 + "@example.jp"  # 256 characters, a valid form otherwise


def test_an_e_mail_address_longer_than_254_characters_is_a_422_naming_it(smtp_sink, saitama,
                                                                          web):
    invited = web.post("/api/v1/chambers/1504/registration-invitations",
                       json={"email": TOO_LONG, "agree_rules": True})
    assert invited.status_code == 422, invited.text
    assert list(invited.json()["error"]["fields"]) == ["email"]

    web.post("/api/v1/chambers/1504/registration-invitations",
             json={"email": "contact@sakura.example.jp", "agree_rules": True})
    started = web.post("/api/v1/registration-applications", json={
        "invitation_token": invitation_token(smtp_sink.wait_for_messages(1)[0]),
        "agree_privacy": True, "agree_terms": True}).json()
    number = started["application_number"]
    app = {"Authorization": f"Bearer {started['application_token']}"}
    contact = {**company()["contact"], "email": TOO_LONG}
    saved = web.put(f"/api/v1/registration-applications/{number}/company", headers=app,
                    json=company(contact=contact))
    assert saved.status_code == 422, saved.text
    assert list(saved.json()["error"]["fields"]) == ["contact.email"]
    signer = web.post(f"/api/v1/registration-applications/{number}/signers", headers=app,
                      json={**SIGNERS[0], "email": TOO_LONG})
    assert signer.status_code == 422, signer.text
    assert list(signer.json()["error"]["fields"]) == ["email"]


def test_a_control_character_in_a_login_id_is_a_4xx(saitama, web, rpc_client, db_session):
    for login_id in ("A\x001234567", "staff\x0001", "A123\n4567", "A1234567\x7f"):
        answer = web.post("/api/v1/sessions", json={"cci_code": "1504", "login_id": login_id,
                                                     "password": "Passw0rd1"})
        assert answer.status_code == 422, (login_id, answer.text)
        assert list(answer.json()["error"]["fields"]) == ["login_id"]

    # where a login ID is part of the URL: not found, for an admin, a signer, a sub ID
    company = make_ready(db_session, register(rpc_client, "1504", "1504-000777")[0],
                         rpc_client)
    admin = {"Authorization": f"Bearer {login(rpc_client, '1504', company.admin)}"}
    user = {"Authorization": f"Bearer {login(rpc_client, '1504', company.user)}"}
    # The gateway refuses a control character in the address before any service sees it.
    for path in ("/api/v1/signers/U%001234567/password", "/api/v1/signers/U%0A1234567/password",
                 "/api/v1/sub-ids/S%7F1234567/password"):
        answer = web.put(path, headers=admin, json={"new_password": PASSWORD})
        assert answer.status_code == 400, (path, answer.text)
        assert answer.json()["error"]["code"] == "bad_request"
    assert web.get("/api/v1/signers/U%1B1234567/registration-certificate.pdf",
                   headers=admin).status_code == 400
    assert web.patch("/api/v1/sub-ids/S%0D123", headers=user,
                     json={"name": "x"}).status_code == 400
    assert web.delete("/api/v1/sub-ids/S%0A123", headers=user).status_code == 400
    # A login ID no account could have (right characters, wrong shape) is simply not found.
    assert web.put("/api/v1/signers/U..1234567/password", headers=admin,
                   json={"new_password": PASSWORD}).status_code == 404


def test_a_nul_in_any_id_of_a_url_is_a_4xx(smtp_sink, saitama, web, rpc_client):
    """PostgreSQL keeps no NUL in text: every RPC refuses it in any argument."""
    staff = staff_headers(web, rpc_client)
    application = {"Authorization": "Bearer not-a-real-token"}
    for method, path, headers in [
        ("GET", "/api/v1/chambers/15%0004", {}),
        ("GET", "/c/15%0004/login", {}),
        ("GET", "/api/v1/registration-applications/R%00x", application),
        ("GET", "/api/v1/staff/registration-applications/R%00x", staff),
        ("POST", "/api/v1/staff/registration-applications/R%00x/approval", staff),
        ("GET", "/api/v1/staff/registrations/1504%00/certificate.pdf", staff),
        ("GET", "/api/v1/staff/registration-applications/R%00x/forms/pledge.pdf", staff),
        ("GET", "/staff/registrations/R%00x", staff),
    ]:
        answer = web.request(method, path, headers=headers,
                             json={"registration_fee_receipt_no": "R-1"})
        assert 400 <= answer.status_code < 500, (path, answer.status_code, answer.text[:200])


def test_a_nul_in_an_rpc_argument_is_refused_by_the_service_itself(saitama, rpc_client):
    """The gateway stops a NUL in an address; a service called by another must still refuse
    one in any argument (PostgreSQL keeps no NUL in text) as a field-named 422, not a 500."""
    from tradecert.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as caught:
        rpc_client.identity.get_chamber("15\x0004")
    assert caught.value.status == 422
    with pytest.raises(ValidationFailed):
        rpc_client.registration.get_application("R\x00x", "token")
