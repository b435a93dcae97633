"""Issue 9, what a new user trips over, on pages rendered from mocked services: the header
names the chamber, removing a signer and approving ask first, staff find a number from its
last digits, and an activation link says what is wrong with it when opened."""
import re

from nameko.exceptions import deserialize, serialize

from services.identity.exceptions import ActivationInvalid
from tests.api.registration_data import company
from tests.gateway.conftest import NUMBER, application_view, csrf_of, open_application

SIGNER = {"signer_id": "s-1", "name_ja": "山田 太郎", "name_en": "TARO YAMADA",
          "title_en": "EXPORT MANAGER", "email": "t.yamada@example.jp", "reason": None,
          "signature_registered": False}


def logged_in(gateway, kind="user"):
    gateway.identity.authorize.return_value = {
        "account_id": 1, "login_id": "S1" if kind == "staff" else "U1", "cci_code": "1504",
        "kind": kind, "name": "証明 担当" if kind == "staff" else "山田 太郎",
        "trade_registration_number": None if kind == "staff" else "1504-000001",
        "must_verify_email": False, "must_change_password": False,
        "chamber_name_ja": "さいたま商工会議所", "chamber_name_en": "Saitama CCI"}
    return gateway.web


def test_every_page_behind_a_login_names_the_chamber_in_its_header(gateway):
    web = logged_in(gateway)
    gateway.identity.list_sub_ids.return_value = []
    ja = web.get("/sub-ids")
    en = web.get("/sub-ids", headers={"Accept-Language": "en"})
    assert '<span class="chamber-name">さいたま商工会議所</span>' in ja.text
    assert '<span class="chamber-name">Saitama CCI</span>' in en.text
    assert ja.text.count('class="chamber-name"') == 1


def test_removing_a_signer_asks_first(gateway):
    web = open_application(gateway, signers=[SIGNER])
    listed = web.get("/registration/signers")
    assert '<span class="chamber-name">さいたま商工会議所</span>' in listed.text  # the wizard too

    asked = web.post("/registration/signers/s-1/delete", data={
        "csrf_token": csrf_of(listed), "application_number": NUMBER})
    assert asked.status_code == 200
    assert "この署名者を削除しますか？" in asked.text and "t.yamada@example.jp" in asked.text
    assert re.search(r'id="confirm-remove"[^>]*autofocus', asked.text)
    gateway.registration.remove_signer.assert_not_called()

    removed = web.post("/registration/signers/s-1/delete", data={
        "csrf_token": csrf_of(asked), "application_number": NUMBER, "confirm": "yes"},
        allow_redirects=False)
    assert removed.status_code == 303
    gateway.registration.remove_signer.assert_called_once_with(NUMBER, "tok", "s-1")


def staff_application(gateway, status="submitted"):
    view = application_view(status=status, missing=[], company=company())
    gateway.registration.staff_application.return_value = view
    return view


def test_approving_asks_first_with_the_receipt_number(gateway):
    web = logged_in(gateway, "staff")
    staff_application(gateway)
    detail = web.get(f"/staff/registrations/{NUMBER}")
    assert detail.status_code == 200, detail.text[:500]

    asked = web.post(f"/staff/registrations/{NUMBER}/approval", data={
        "csrf_token": csrf_of(detail), "registration_fee_receipt_no": "R-77"},
        headers={"Accept-Language": "en"})
    assert asked.status_code == 200
    assert f"Approve {NUMBER} with the cash receipt number R-77?" in asked.text
    assert re.search(r'id="confirm-approval"[^>]*autofocus', asked.text)
    assert 'name="registration_fee_receipt_no" value="R-77"' in asked.text
    gateway.registration.approve.assert_not_called()

    gateway.registration.approve.return_value = {
        "trade_registration_number": "1504-000001", "valid_until": "2028-11-30",
        "admin_login_id": "A1"}
    approved = web.post(f"/staff/registrations/{NUMBER}/approval", data={
        "csrf_token": csrf_of(asked), "registration_fee_receipt_no": "R-77",
        "confirm": "yes"}, allow_redirects=False)
    assert approved.status_code == 303
    gateway.registration.approve.assert_called_once()


def test_staff_find_by_the_last_digits(gateway):
    web = logged_in(gateway, "staff")
    gateway.registration.staff_queue.return_value = []
    one = {"application_number": NUMBER, "status": "submitted", "name_ja": "さくら貿易",
           "registration_type": "applicant", "trade_registration_number": None,
           "submitted_at": None, "updated_at": "2026-04-01T00:00:00+00:00"}
    gateway.registration.staff_search.return_value = [one]
    found = web.get("/staff/registrations?number=１", allow_redirects=False)
    assert found.status_code == 303 and found.headers["Location"].endswith(
        f"/staff/registrations/{NUMBER}")
    gateway.registration.staff_search.assert_called_with(
        gateway.identity.authorize.return_value, "1")

    two = {**one, "application_number": "R1504-2026-00011", "name_ja": "もみじ商事",
           "trade_registration_number": "1504-000011"}
    gateway.registration.staff_search.return_value = [one, two]
    listed = web.get("/staff/registrations?number=1")
    assert listed.status_code == 200
    assert f'href="/staff/registrations/{NUMBER}"' in listed.text
    assert 'href="/staff/registrations/R1504-2026-00011"' in listed.text
    assert "1504-000011" in listed.text and "もみじ商事" in listed.text

    gateway.registration.staff_search.return_value = []
    assert web.get("/staff/registrations?number=999").status_code == 404


def test_a_used_activation_link_says_so_when_opened(gateway):
    gateway.identity.check_sub_id_activation.side_effect = deserialize(serialize(
        ActivationInvalid(message="used", params={"reason": "used", "cci_code": "1504"})))
    ja = gateway.web.get("/sub-id/activate?token=" + "t" * 43)
    en = gateway.web.get("/sub-id/activate?lang=en&token=" + "t" * 43)
    assert ja.status_code == en.status_code == 410
    assert "このリンクは使用済みです。サブIDはすでに有効になっています。" in ja.text
    assert "This link has been used: the sub ID is active already." in en.text
    assert 'href="/c/1504/login"' in ja.text and 'name="password"' not in ja.text

    gateway.identity.check_sub_id_activation.side_effect = None
    gateway.identity.check_sub_id_activation.return_value = {"cci_code": "1504"}
    form = gateway.web.get("/sub-id/activate?token=" + "t" * 43)
    assert form.status_code == 200 and 'name="password"' in form.text
    # issue 9: the token leaves the address once the page has it (the session keeps it)
    assert "token=" not in form.url and "token=" not in form.text
    gateway.identity.check_sub_id_activation.assert_called_with("t" * 43)
    assert '<span class="chamber-name">Saitama CCI</span>' in form.text  # ?lang=en stays
