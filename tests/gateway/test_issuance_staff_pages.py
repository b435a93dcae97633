"""The staff's issuance pages (ISS-2, ISS-7, ISS-13) in the gateway, with issuance and identity
mocked: what the queue and the review page show (box by box, the attachments and the
signature from the API's staff routes, an unavailable signer's warning, a replaced or revoked
certificate), and that certifying and revoking ask first, a return and a revocation need a
reason, and a refusal (409) is said on the page, not on an error page. The same pages against
the real services: tests/api/test_issuance_staff_pages.py."""
import re
from types import SimpleNamespace

import pytest
from nameko.exceptions import deserialize, serialize
from nameko.testing.services import replace_dependencies

from gateway.service import GatewayService
from services.identity.exceptions import SignerUnavailable
from services.issuance.exceptions import ApplicationLocked, RegistrationExpired
from tests.api.conftest import WebClient
from tests.gateway.conftest import CHAMBER
from tests.helpers.issuance import co_japan, signature
from tests.helpers.pages import csrf_of, location, text_of

STAFF = {"account_id": 9, "login_id": "staff01", "cci_code": "1504", "kind": "staff",
         "name": "証明 担当", "trade_registration_number": None, "must_verify_email": False,
         "must_change_password": False, "chamber_name_ja": "さいたま商工会議所",
         "chamber_name_en": "Saitama CCI"}
APP_ID = "0f3c9a7e5b1d4c2a8e6f0a1b2c3d4e5f"
PAGE = f"/staff/applications/{APP_ID}"
API = f"/api/v1/staff/applications/{APP_ID}"
EXPORTER = {"trade_registration_number": "1504-000318", "name_en": "SAKURA TRADING CO., LTD.",
            "name_ja": "さくら貿易株式会社",
            "address_en_lines": ["1-2-3 Tokiwa, Urawa-ku, Saitama-shi, Saitama 330-0061"],
            "country": "JAPAN", "membership": "member", "registration_type": "applicant",
            "valid": True, "valid_until": "2028-03-31"}
SIGNER = {"name_ja": "山田 太郎", "name_en": "TARO YAMADA", "title_en": "EXPORT MANAGER",
          "login_id": "U7654321", "available": True}
INVOICE = {"attachment_id": "a1", "kind": "commercial_invoice", "filename": "請求書.pdf",
           "content_type": "application/pdf", "size": 20480, "sha256": "0" * 64, "pages": 2,
           "created_at": "2026-05-01T01:00:00+00:00"}


def remote(error):
    return deserialize(serialize(error))


def staff_view(body=None, **overrides) -> dict:
    """An application as issuance's staff_application answers it."""
    return {**(body or co_japan(goods=2)), "application_id": APP_ID, "status": "submitted",
            "trade_registration_number": "1504-000318", "applicant_login_id": "S1111111",
            "signer_login_id": "U7654321", "signer_name": "TARO YAMADA",
            "exporter_name": "SAKURA TRADING CO., LTD.",
            "status_history": [{"status": "draft", "at": "2026-05-01T00:00:00+00:00",
                                "by": "S1111111", "reason": None},
                               {"status": "submitted", "at": "2026-05-01T01:30:00+00:00",
                                "by": "S1111111", "reason": None}],
            "attachments": [INVOICE], "certificate_no": None, "issued_on": None,
            "fee_jpy": None, "paid": False, "return_reason": None, "print_until": None,
            "created_at": "2026-05-01T00:00:00+00:00", "updated_at": "2026-05-01T01:30:00+00:00",
            "submitted_at": "2026-05-01T01:30:00+00:00", "replaces_certificate_no": None,
            "replaced_by": None, "editable": False, "exporter": EXPORTER, "signer": SIGNER,
            "signature_file_id": "sig-1", "printable": False, "copy_printable": False,
            "printing": {"first_printed_at": None, "first_printed_by": None,
                         "originals_printed": 0, "copies_printed": 0},
            "verifications": {"count": 0, "first_at": None, "last_at": None, "recent": []},
            **overrides}


def queue_item(n: int, **overrides) -> dict:
    return {"application_id": f"app{n}", "certificate_type": "co_japan", "status": "submitted",
            "certificate_no": None, "fee_jpy": None, "paid": False,
            "updated_at": f"2026-05-0{n}T01:00:00+00:00", "consignee_name": f"CONSIGNEE {n}",
            "destination_country": "HK", "applicant_login_id": "U7654321", "issued_on": None,
            "trade_registration_number": "1504-000318", "exporter_name": "SAKURA TRADING",
            "signer_name": "TARO YAMADA", "submitted_at": f"2026-05-0{n}T01:00:00+00:00",
            **overrides}


@pytest.fixture
def staff(container_factory, web_config, web_config_port):
    """The gateway with identity (a staff member logged in) and issuance mocked."""
    container = container_factory(GatewayService)
    identity, issuance, _, _, _ = replace_dependencies(
        container, "identity", "issuance", "registration", "documents", "cluster")
    identity.get_chamber.return_value = CHAMBER
    identity.list_chambers.return_value = [CHAMBER]
    identity.authorize.return_value = STAFF
    issuance.staff_application.return_value = staff_view()
    container.start()
    with WebClient(f"http://127.0.0.1:{web_config_port}") as web:
        yield SimpleNamespace(identity=identity, issuance=issuance, web=web)


# --- the queue ----------------------------------------------------------------------------------

def test_the_queue_lists_submitted_applications_oldest_first_by_default(staff):
    staff.issuance.staff_applications.return_value = {
        "items": [queue_item(1), queue_item(2, certificate_type="signature",
                                            consignee_name=None, destination_country="US")],
        "page": 1, "pages": 1}

    page = staff.web.get("/staff/applications")

    assert page.status_code == 200, page.text
    staff.issuance.staff_applications.assert_called_once_with(STAFF, "submitted", 1)
    text = text_of(page)
    assert "証明書の発給申請" in text and "申請日時の古い順" in text
    assert text.index("CONSIGNEE 1") < text.index("サイン証明")  # as the service ordered them
    for shown in ("原産地証明書（日本産）", "1504-000318", "SAKURA TRADING", "TARO YAMADA",
                  "2026-05-01 10:00", "HK", "US"):
        assert shown in text
    assert 'href="/staff/applications/app1"' in page.text
    assert 'class="pagination"' not in page.text


@pytest.mark.parametrize(("query", "asked"), [
    ({"status": "all"}, (None, 1)), ({"status": "certified", "page": "3"}, ("certified", 3)),
    ({"status": "draft"}, ("submitted", 1)), ({"status": "nonsense", "page": "x"},
                                              ("submitted", 1))])
def test_the_status_filter_and_the_page_are_passed_on(staff, query, asked):
    staff.issuance.staff_applications.return_value = {"items": [], "page": 1, "pages": 1}
    page = staff.web.get("/staff/applications", params=query)
    assert page.status_code == 200
    staff.issuance.staff_applications.assert_called_once_with(STAFF, *asked)
    assert "該当する申請はありません。" in text_of(page)


def test_the_queue_links_its_other_pages(staff):
    staff.issuance.staff_applications.return_value = {
        "items": [queue_item(1, status="certified", certificate_no="1504-2026-000007")],
        "page": 2, "pages": 3}
    page = staff.web.get("/staff/applications", params={"status": "all", "page": "2"},
                         headers={"Accept-Language": "en"})
    assert 'href="/staff/applications?status=all&amp;page=1"' in page.text
    assert 'href="/staff/applications?status=all&amp;page=3"' in page.text
    assert "Page 2 of 3" in text_of(page) and "1504-2026-000007" in page.text
    assert "Certificate of origin (Japanese origin)" in text_of(page)


def test_the_staff_menus_link_the_queue(staff):
    staff.identity.me.return_value = {**STAFF, "email": None}
    assert 'href="/staff/applications"' in staff.web.get("/me").text


# --- the review page ----------------------------------------------------------------------------

def test_the_review_shows_the_co_box_by_box_beside_attachments_and_signature(staff):
    page = staff.web.get(PAGE)

    assert page.status_code == 200, page.text
    staff.issuance.staff_application.assert_called_with(STAFF, APP_ID)
    text = text_of(page)
    # box 1 as registered, box 2 …, the goods, the declaration with the registered signer
    for shown in ("SAKURA TRADING CO., LTD.", "1-2-3 Tokiwa, Urawa-ku", "JAPAN",
                  "ABC Imports Ltd.", "12 Harbour Road", "HONG KONG", "INV-2026-001",
                  "From TOKYO, JAPAN to HONG KONG", "By vessel EVER GIVEN V.123",
                  "Manufacturer: SAKURA BEARINGS CO., LTD.", "BALL BEARINGS TYPE 1",
                  "BALL BEARINGS TYPE 2", "2400 pcs", "SAITAMA, JAPAN",
                  "TARO YAMADA, EXPORT MANAGER", "一般機械", "申請済み", "さくら貿易株式会社"):
        assert shown in text, shown
    # the attachment opens in the browser from the API's staff route (the page's session)
    assert f'href="{API}/attachments/a1"' in page.text and "請求書.pdf" in text
    assert f'data-pdf="{API}/attachments/a1"' in page.text  # and shows in the page
    assert f'<img src="{API}/signature.png"' in page.text
    assert "署名者のIDが使えなくなっています" not in text
    # what staff do with a submitted application
    assert f'action="{PAGE}/certification"' in page.text
    assert f'action="{PAGE}/return"' in page.text
    assert f'action="{PAGE}/revocation"' not in page.text


def test_invoices_none_print_nil_and_a_foreign_co_shows_each_origin(staff):
    body = co_japan(goods=1)
    body.update(certificate_type="co_foreign", invoices=[],
                foreign={"basis": "re_export", "shipment_date": "2026-04-01"})
    body["goods"][0]["origin"] = "GERMANY"
    staff.issuance.staff_application.return_value = staff_view(body)
    text = text_of(staff.web.get(PAGE, headers={"Accept-Language": "en"}))
    assert "3. Invoice numbers and dates NIL" in " ".join(text.split())
    assert "4. Country of origin GERMANY" in " ".join(text.split())
    assert "Re-export" in text and "Certificate of origin (foreign origin)" in text


def test_a_signature_certification_shows_its_document(staff):
    staff.issuance.staff_application.return_value = staff_view(signature())
    text = text_of(staff.web.get(PAGE))
    assert "HEALTH CERTIFICATE FOR FROZEN SCALLOPS" in text and "衛生証明書" in text
    assert "サイン証明" in text and "荷受人" not in text


def test_an_unavailable_signer_is_warned_and_shows_no_signature(staff):
    staff.issuance.staff_application.return_value = staff_view(
        signer={"login_id": "U7654321", "name_en": "TARO YAMADA", "available": False},
        signature_file_id=None)
    page = staff.web.get(PAGE)
    assert page.status_code == 200
    assert "署名者のIDが使えなくなっています" in text_of(page)
    assert "signature.png" not in page.text


def test_an_expired_registration_is_said(staff):
    staff.issuance.staff_application.return_value = staff_view(
        exporter={**EXPORTER, "valid": False, "valid_until": "2026-03-31"})
    text = text_of(staff.web.get(PAGE))
    assert "貿易登録の有効期限が切れています" in text and "期限切れ" in text


# --- certify ------------------------------------------------------------------------------------

def test_certifying_asks_first_then_shows_the_certificate(staff):
    page = staff.web.get(PAGE)
    asked = staff.web.post(f"{PAGE}/certification", data={"csrf_token": csrf_of(page)})
    assert asked.status_code == 200 and 'id="confirm-certification"' in asked.text
    assert "さくら貿易株式会社の原産地証明書（日本産）を証明しますか？" in text_of(asked)
    staff.issuance.certify.assert_not_called()

    staff.issuance.certify.return_value = {"status": "certified",
                                           "certificate_no": "1504-2026-000001",
                                           "issued_on": "2026-05-01", "fee_jpy": 3300}
    done = staff.web.post(f"{PAGE}/certification",
                          data={"csrf_token": csrf_of(page), "confirmed": "yes"},
                          allow_redirects=False)
    assert location(done) == f"{PAGE}?notice=issuance_certified"
    assert done.headers["Location"].endswith("#certificate")
    staff.issuance.certify.assert_called_once_with(STAFF, APP_ID)

    staff.issuance.staff_application.return_value = staff_view(
        status="certified", certificate_no="1504-2026-000001", issued_on="2026-05-01",
        fee_jpy=3300, print_until="2026-05-31")
    shown = staff.web.get(location(done))
    text = text_of(shown)
    assert "申請を証明し、申請者へメールで通知しました。" in text
    for fact in ("1504-2026-000001", "2026-05-01", "3,300円", "未払い"):
        assert fact in text
    assert f'href="{API}/certificate.pdf"' in shown.text
    assert f'action="{PAGE}/certification"' not in shown.text
    assert f'action="{PAGE}/revocation"' in shown.text


@pytest.mark.parametrize(("error", "message"), [
    (SignerUnavailable(message="the signer is unavailable"), "署名者のIDが使えなくなっています"),
    (RegistrationExpired(message="expired"), "登録を更新するまで証明できません"),
    (ApplicationLocked(message="the application is returned", params={"status": "returned"}),
     "ほかの職員が処理したか")])
def test_a_refused_certification_is_said_on_the_page(staff, error, message):
    page = staff.web.get(PAGE)
    staff.issuance.certify.side_effect = remote(error)
    refused = staff.web.post(f"{PAGE}/certification",
                             data={"csrf_token": csrf_of(page), "confirmed": "yes"})
    assert refused.status_code == 409
    alert = re.search(r'<div [^>]*id="page-alert"[^>]*>([^<]*)</div>', refused.text)
    assert message in alert.group(1)
    assert "<h1>原産地証明書（日本産）</h1>" in refused.text  # the page, not an error page


# --- return and revoke --------------------------------------------------------------------------

def test_a_return_needs_a_reason(staff):
    page = staff.web.get(PAGE)
    refused = staff.web.post(f"{PAGE}/return", data={"csrf_token": csrf_of(page),
                                                     "reason": "  "})
    assert refused.status_code == 422 and 'href="#f-reason"' in refused.text
    staff.issuance.return_application.assert_not_called()

    staff.issuance.return_application.return_value = {"status": "returned"}
    done = staff.web.post(f"{PAGE}/return", allow_redirects=False, data={
        "csrf_token": csrf_of(page), "reason": "インボイス番号が一致しません。"})
    assert location(done) == f"{PAGE}?notice=returned"
    staff.issuance.return_application.assert_called_once_with(
        STAFF, APP_ID, {"reason": "インボイス番号が一致しません。"})


def test_revoking_needs_a_reason_and_asks_first(staff):
    staff.issuance.staff_application.return_value = staff_view(
        status="paid", certificate_no="1504-2026-000001", issued_on="2026-05-01",
        fee_jpy=3300, paid=True,
        printing={"first_printed_at": "2026-05-02T01:00:00+00:00", "first_printed_by": "U7654321",
                  "originals_printed": 2, "copies_printed": 1},
        verifications={"count": 3, "first_at": "2026-05-03T01:00:00+00:00",
                       "last_at": "2026-05-04T01:00:00+00:00",
                       "recent": ["2026-05-04T01:00:00+00:00"]})
    page = staff.web.get(PAGE)
    assert "支払済み" in text_of(page)
    # ISS-8, ISS-14: the first printing (Japan's time) and how often it was verified
    assert "2026-05-02 10:00 に U7654321 が初めて印刷" in text_of(page)
    assert "3回" in text_of(page)
    refused = staff.web.post(f"{PAGE}/revocation", data={"csrf_token": csrf_of(page)})
    assert refused.status_code == 422 and 'href="#f-reason"' in refused.text

    reason = "原産国の記載に誤りがありました。"
    asked = staff.web.post(f"{PAGE}/revocation", data={"csrf_token": csrf_of(page),
                                                       "reason": reason})
    assert asked.status_code == 200 and 'id="confirm-revocation"' in asked.text
    assert "証明書 1504-2026-000001 を取り消しますか？" in text_of(asked) and reason in asked.text
    staff.issuance.revoke.assert_not_called()

    staff.issuance.revoke.return_value = {"status": "revoked"}
    done = staff.web.post(f"{PAGE}/revocation", allow_redirects=False, data={
        "csrf_token": csrf_of(page), "reason": reason, "confirmed": "yes"})
    assert location(done) == f"{PAGE}?notice=issuance_revoked"
    staff.issuance.revoke.assert_called_once_with(STAFF, APP_ID, {"reason": reason})


@pytest.mark.parametrize(("overrides", "said"), [
    ({"status": "revoked"}, "証明書 1504-2026-000001 は取り消されました。"),
    ({"status": "replaced", "replaced_by": "1504-2026-000009"},
     "証明書 1504-2026-000001 は証明書 1504-2026-000009 に差し替えられました。")])
def test_a_revoked_or_replaced_certificate_says_so_and_offers_nothing(staff, overrides, said):
    staff.issuance.staff_application.return_value = staff_view(
        certificate_no="1504-2026-000001", issued_on="2026-05-01", fee_jpy=3300, **overrides)
    page = staff.web.get(PAGE)
    assert said in text_of(page)
    for action in ("certification", "return", "revocation"):
        assert f'action="{PAGE}/{action}"' not in page.text
    assert "certificate.pdf" not in page.text
