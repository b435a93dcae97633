"""Printing and public verification through the gateway (issue 11's proof; ISS-8, ISS-9,
ISS-12, ISS-14; API.md "Printing", "Verification"): a certified certificate of origin is not
printed before payment; once paid, the ORIGINAL and the COPY are signed PDFs whose QR code
opens /verify filled in; the page and the API answer `valid` with the exporter, `revoked`
after staff revoke it, `replaced` with the new number; any wrong part is the same 404; the
31st try in a minute is refused; after the print window 410; staff see the first printing and
how often the certificate was verified."""
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

from sqlalchemy import select, update

from services.documents.signing import validate
from services.issuance.models import Application, RateLimit
from tests.api.issuance_flow import (
    PASSWORD,
    applicants,
    attach,
    login,
    mark_paid,
    submitted_co,
)
from tests.conftest import wait_for
from tests.helpers import pdf as pdfs
from tests.helpers.issuance import co_japan, pdf_file
from tests.helpers.pages import location, log_in, text_of
from tradecert import config
from tradecert.clock import japan_today

BASE = "/api/v1/applications"
STAFF = "/api/v1/staff/applications"
VERIFY = "/api/v1/verification"


def dev_ca() -> bytes:
    return (config.var_dir() / "keys" / "dev-ca.cert.pem").read_bytes()


def certified(web, world, body=None) -> tuple[str, str]:
    """A co_japan submitted and certified: (application id, certificate number)."""
    if body is None:
        application_id = submitted_co(web, world.user)
    else:
        created = web.post(BASE, headers=world.user, json=body)
        assert created.status_code == 201, created.text
        application_id = created.json()["application_id"]
        attach(web, world.user, application_id, "commercial_invoice", pdf_file())
        sent = web.post(f"{BASE}/{application_id}/submission", headers=world.user)
        assert sent.status_code == 200, sent.text
    answer = web.post(f"{STAFF}/{application_id}/certification", headers=world.staff)
    assert answer.status_code == 200, answer.text
    return application_id, answer.json()["certificate_no"]


def test_paid_certificate_is_printed_verified_revoked_and_replaced(
        smtp_sink, saitama, web, rpc_client, db_session, new_browser):
    world = applicants(web, smtp_sink, rpc_client, db_session)
    tries = 0

    def verify(params, **headers):
        nonlocal tries
        tries += 1
        return web.get(VERIFY, params=params, headers=headers)

    application_id, number = certified(web, world)
    pdf_url = f"{BASE}/{application_id}/certificate.pdf"

    # ISS-8: nothing is printed before payment, and an unpaid certificate is not found
    unpaid = web.get(pdf_url, headers=world.user)
    assert (unpaid.status_code, unpaid.json()["error"]["code"]) == (409, "payment_required")
    stored = web.get(f"{STAFF}/{application_id}/certificate.pdf", headers=world.staff).content
    [qr] = pdfs.qr_codes(stored)
    link = urlparse(qr)
    query = {name: values[0] for name, values in parse_qs(link.query).items()}
    assert verify(query).status_code == 404

    mark_paid(db_session, application_id)

    # the ORIGINAL (as stored at certification) and the COPY, both signed (PAdES)
    original = web.get(pdf_url, headers=world.user)
    assert original.status_code == 200, original.text
    assert original.headers["Content-Type"] == "application/pdf"
    assert original.headers["Content-Disposition"].startswith("inline")
    assert original.content == stored
    text = pdfs.text(original.content)
    assert "ORIGINAL" in text and "COPY" not in text and number in text
    assert validate(original.content, [dev_ca()]).ok
    copy = web.get(f"{pdf_url}?copy=true", headers=world.user)
    assert copy.status_code == 200, copy.text
    text = pdfs.text(copy.content)
    assert "COPY" in text and "ORIGINAL" not in text and number in text
    assert validate(copy.content, [dev_ca()]).ok
    assert pdfs.qr_codes(copy.content) == [qr]
    assert web.get(f"{pdf_url}?copy=maybe", headers=world.user).status_code == 422

    # ISS-9: the QR code opens /verify with the number, the access code and the date
    assert link.path == "/verify"
    assert (query["certificate_no"], query["issued_on"]) == (number, str(japan_today()))
    assert len(query["access_code"]) >= 8
    exporter = web.get(f"{STAFF}/{application_id}", headers=world.staff).json()["exporter"]
    visitor = new_browser()  # whoever scans the QR code: no login
    page = visitor.get(f"/verify?{link.query}", headers={"Accept-Language": "ja"})
    tries += 1
    assert page.status_code == 200, page.text
    assert "有効" in text_of(page) and exporter["name_en"] in text_of(page)
    assert "Valid" in text_of(visitor.get(f"/verify?{link.query}&lang=en"))  # kept
    tries += 1
    answer = verify(query)
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert (found["valid"], found["status"], found["certificate_no"]) == (True, "valid", number)
    assert found["exporter"]["name"] == exporter["name_en"]
    assert found["consignee"] == {"name": "ABC Imports Ltd.", "country": "HONG KONG"}
    assert found["chamber"] == {"cci_code": "1504", "name_en": "Saitama CCI"}
    assert (found["country_of_origin"], found["destination_country"]) == ("JAPAN", "HONG KONG")
    assert [g["description"] for g in found["goods"]] == ["BALL BEARINGS TYPE 1",
                                                          "BALL BEARINGS TYPE 2"]
    assert found["replaced_by"] is None
    # typed by hand: lower case with a hyphen still matches
    typed = {**query, "access_code": query["access_code"][:4].lower() + "-"
             + query["access_code"][4:]}
    assert verify(typed).json()["status"] == "valid"

    # any wrong part: the same 404
    wrong_code = verify({**query, "access_code": "ABCDEFGHJK"})
    assert (wrong_code.status_code, wrong_code.json()["error"]["code"]) == (
        404, "certificate_not_found")
    wrong_date = verify({**query, "issued_on": "2020-01-01"})
    wrong_number = verify({**query, "certificate_no": number[:-1] + "9"})
    assert wrong_date.status_code == wrong_number.status_code == 404
    assert wrong_date.json() == wrong_number.json() == wrong_code.json()
    malformed = verify({**query, "issued_on": "yesterday"})
    assert (malformed.status_code, list(malformed.json()["error"]["fields"])) == (
        422, ["issued_on"])
    page = visitor.get(
        "/verify?certificate_no=1504-2000-000001&access_code=X&issued_on=2000-01-01")
    tries += 1
    assert page.status_code == 404 and "No certificate matches" in text_of(page)  # lang=en
    assert "<form" in visitor.get("/verify").text  # empty: the form

    # the applicant's page: print buttons and the last day
    browser = new_browser()
    assert location(log_in(browser, world.user_id, PASSWORD)) == "/me"
    mine = browser.get(f"/applications/{application_id}", headers={"Accept-Language": "en"})
    assert f'href="{pdf_url}"' in mine.text and f'href="{pdf_url}?copy=true"' in mine.text
    assert "Printable until" in text_of(mine)
    world.user = login(web, world.user_id)  # ID-10: the browser's login ended the API's

    # staff see the first printing and the lookups; those the gateway answered from the
    # answers it keeps reach issuance within a second (issue 12)
    view = wait_for(lambda: (found := web.get(f"{STAFF}/{application_id}",
                                              headers=world.staff).json())
                    ["verifications"]["count"] == 4 and found, message="4 lookups counted")
    assert view["printing"]["first_printed_by"] == world.user_id
    assert view["printing"]["first_printed_at"]
    assert (view["printing"]["originals_printed"], view["printing"]["copies_printed"]) == (1, 1)
    assert view["verifications"]["count"] == 4  # the page twice, the API twice
    assert len(view["verifications"]["recent"]) == 4
    rpc_client.identity.add_staff({"cci_code": "1504", "login_id": "staff31",
                                   "password": "Staff2026x"})
    staff = new_browser()
    assert location(log_in(staff, "staff31", "Staff2026x")) == "/me"
    review = text_of(staff.get(f"/staff/applications/{application_id}",
                               headers={"Accept-Language": "en"}))
    assert f"by {world.user_id}" in review and "First printed at" in review
    assert "4 times" in review

    # ISS-13: a correction replaces it; ISS-14: the verifier is told the new number
    body = co_japan()
    body["replaces"], body["copies"] = application_id, 0
    new_id, new_number = certified(web, world, body)
    replaced = verify(query).json()
    assert (replaced["valid"], replaced["status"], replaced["replaced_by"]) == (
        False, "replaced", new_number)
    refused = web.get(pdf_url, headers=world.user)
    assert (refused.status_code, refused.json()["error"]["code"]) == (
        409, "certificate_not_valid")

    # the new one: no copies applied for; after its print window 410
    mark_paid(db_session, new_id)
    new_url = f"{BASE}/{new_id}/certificate.pdf"
    no_copy = web.get(f"{new_url}?copy=true", headers=world.user)
    assert no_copy.json()["error"]["code"] == "no_copies_applied_for"
    issuance = db_session("issuance")
    issuance.execute(update(Application).where(Application.id == new_id).values(
        print_until=japan_today() - timedelta(days=1)))
    issuance.commit()
    closed = web.get(new_url, headers=world.user)
    assert (closed.status_code, closed.json()["error"]["code"]) == (410, "print_window_closed")

    # staff revoke the new one: verification says so at once
    new_query = {**query, "certificate_no": new_number,
                 "access_code": issuance.get(Application, new_id).access_code}
    assert verify(new_query).json()["status"] == "valid"
    assert web.post(f"{STAFF}/{new_id}/revocation", headers=world.staff,
                    json={"reason": "誤記のため"}).status_code == 200
    revoked = verify(new_query).json()
    assert (revoked["valid"], revoked["status"]) == (False, "revoked")

    # ISS-9: more than 30 tries a minute from one address → 429
    while tries < 30:
        assert verify({**query, "access_code": "WRONGCODE1"}).status_code == 404
    limited = verify(query)
    assert limited.status_code == 429, limited.text
    assert int(limited.headers["Retry-After"]) >= 1
    # ... and issuance counts every gateway process's tries together, a second later
    wait_for(lambda: db_session("issuance").scalar(select(RateLimit.hits).where(
        RateLimit.key == "verifications_per_address:127.0.0.1")) == tries,
        message="the tries counted by issuance")
