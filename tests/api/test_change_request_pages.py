"""The change request pages (変更申請) through the gateway, as a browser without scripts
would use them: the admin's form (the wizard's company and signer forms), its review,
submission and status page with the forms' PDFs; the staff's queue, the new signer's scan,
the approval after a confirmation, and a return with a reason."""
import html
import json
import re

from gateway.forms.registration import company_values
from tests.api.registration_data import SIGNERS, company
from tests.api.registration_flow import approved_with_admin
from tests.helpers.pages import csrf_of, location, log_in, submit, text_of
from tests.helpers.scans import frame, paper, scanned, sign

ADMIN_PASSWORD = "Admin2026x"


def form_data(company_body: dict, **fields) -> list[tuple[str, str]]:
    """What the change request form sends: the registered company as shown (ticks "yes"),
    and the given fields."""
    data = []
    for name, value in company_values(company_body, "company.").items():
        if isinstance(value, bool):
            if value:
                data.append((name, "yes"))
        elif isinstance(value, list):
            data.extend((name, item) for item in value)
        elif value is not None:
            data.append((name, str(value)))
    replaced = {name for name in fields}
    data = [(n, v) for n, v in data if n not in replaced]
    for name, value in fields.items():
        for item in (value if isinstance(value, list) else [value]):
            data.append((name, item))
    return data


def post(client, path, data, page):
    return client.post(path, data=[("csrf_token", csrf_of(page)), *data],
                       allow_redirects=False)


def test_the_admin_asks_for_a_change_and_staff_apply_it(smtp_sink, saitama, web, rpc_client,
                                                        new_browser):
    trade_number, staff_api, admin_api = approved_with_admin(web, smtp_sink, rpc_client)
    admin_id = web.get("/api/v1/me", headers=admin_api).json()["login_id"]
    kept, removed = [s["login_id"] for s in web.get("/api/v1/signers", headers=admin_api).json()]
    admin = new_browser()
    assert location(log_in(admin, admin_id, ADMIN_PASSWORD)) == "/me"
    assert 'href="/registration/changes"' in admin.get("/me").text

    index = admin.get("/registration/changes")
    assert index.status_code == 200 and "登録内容の変更申請" in text_of(index)
    page = admin.get("/registration/changes/new")
    assert page.status_code == 200
    assert 'name="company.name_en" type="text" value="Sakura Trading"' in page.text
    assert f'value="{removed}"' in page.text  # the removal list

    # a broken field: the error summary links to it, what was typed stays
    broken = post(admin, "/registration/changes/new", form_data(
        company(), **{"company.name_en": "", "action": "review"}), page)
    assert broken.status_code == 422
    assert 'href="#f-company-name_en"' in broken.text and 'id="f-company-name_en"' in broken.text
    # nothing changed at all
    empty = post(admin, "/registration/changes/new", form_data(company(), action="review"), page)
    assert empty.status_code == 422
    assert "企業情報を変更するか、署名者を追加または削除してください。" in text_of(empty)
    # one more row of new signers
    more = post(admin, "/registration/changes/new", form_data(company(), action="more"), page)
    assert 'name="signers_added.1.name_ja"' in more.text

    new = {f"signers_added.0.{k}": v for k, v in {
        "name_ja": "田中 次郎", "name_en": "JIRO TANAKA", "title_en": "SALES MANAGER",
        "email": "j.tanaka@sakura.example.jp"}.items()}
    review = post(admin, "/registration/changes/new", form_data(
        company(), **{"company.name_en": "Sakura Trading International",
                      "signers_removed": [removed], "action": "review", **new}), page)
    assert review.status_code == 200, text_of(review)[:2000]
    text = text_of(review)
    assert "Sakura Trading International" in text and "JIRO TANAKA" in text and removed in text
    body = html.unescape(re.search(r'name="body" value="([^"]+)"', review.text).group(1))
    assert json.loads(body)["signers_removed"] == [removed]
    submitted = post(admin, "/registration/changes/submission",
                     [("body", body), ("action", "submit")], review)
    status_path = location(submitted)
    number = re.search(r"/registration/changes/(C1504-\d{4}-\d{5})", status_path).group(1)
    status = admin.get(status_path)
    assert "変更申請をしました。" in text_of(status)
    # the PDFs: links to open and save, no plugin needed (static/pdf.js embeds a viewer only
    # where the browser has one)
    pdf_url = f"/api/v1/registration/change-requests/{number}/forms/business-description.pdf"
    assert f'<a class="button pdf-open" href="{pdf_url}">' in status.text
    assert f'<a class="button-secondary pdf-save" href="{pdf_url}" download>' in status.text
    assert "<object" not in status.text
    assert admin.get(pdf_url).headers["Content-Type"] == "application/pdf"
    # a second one is not offered while this one is open
    assert location(admin.get("/registration/changes/new", allow_redirects=False)) \
        .startswith(f"/registration/changes/{number}")
    english = admin.get(f"{status_path.split('?')[0]}?lang=en")
    assert f"Change request {number}" in text_of(english)

    # staff: the queue, the scan, the confirmation, the approval
    staff = new_browser()
    rpc_client.identity.add_staff({"cci_code": "1504", "login_id": "staff77",
                                   "password": "Staff2026x"})
    log_in(staff, "staff77", "Staff2026x")
    assert 'href="/staff/change-requests"' in staff.get("/staff/registrations").text
    queue = staff.get("/staff/change-requests")
    assert number in text_of(queue)
    # the number as a hand scanner types it from the forms' QR code (any case, full-width)
    found = staff.get("/staff/change-requests", params={"number": number.lower()},
                      allow_redirects=False)
    assert location(found) == f"/staff/change-requests/{number}"
    unknown = staff.get("/staff/change-requests", params={"number": "C1504-2026-99999"})
    assert unknown.status_code == 404 and "変更申請が見つかりません。" in text_of(unknown)
    detail = staff.get(f"/staff/change-requests/{number}")
    signer_id = re.search(r'/signers/([0-9a-f-]{36})/signature"', detail.text).group(1)
    unsigned = post(staff, f"/staff/change-requests/{number}/approval",
                    [("confirmed", "yes")], detail)
    assert unsigned.status_code == 409
    assert "この署名者のサインがまだ登録されていません。" in text_of(unsigned)
    uploaded = staff.post(f"/staff/change-requests/{number}/signers/{signer_id}/signature",
                          data={"csrf_token": csrf_of(detail)},
                          files={"signature": ("scan.png", scanned(sign(frame(paper()))),
                                               "image/png")}, allow_redirects=False)
    assert location(uploaded).startswith(f"/staff/change-requests/{number}")
    confirm = post(staff, f"/staff/change-requests/{number}/approval", [], detail)
    assert confirm.status_code == 200 and "承認して変更を反映する" in text_of(confirm)
    assert web.get(f"/api/v1/staff/change-requests/{number}",  # nothing applied yet
                   headers=staff_api).json()["status"] == "submitted"
    approved = post(staff, f"/staff/change-requests/{number}/approval", [("confirmed", "yes")],
                    confirm)
    assert location(approved) == f"/staff/change-requests/{number}?notice=change_approved"
    assert "変更申請を承認し、登録内容に反映しました。" in text_of(
        staff.get(location(approved)))
    # (the admin chose English above: the language switch remembers it)
    assert "Approved" in text_of(admin.get(status_path.split("?")[0]))
    signers = rpc_client.identity.active_signers("1504", trade_number)
    assert [s["login_id"] for s in signers][0] == kept
    assert [s["name_en"] for s in signers] == [SIGNERS[0]["name_en"], "JIRO TANAKA"]


def test_staff_return_a_change_request_with_a_reason(smtp_sink, saitama, web, rpc_client,
                                                     new_browser):
    trade_number, staff_api, admin_api = approved_with_admin(web, smtp_sink, rpc_client)
    created = web.post("/api/v1/registration/change-requests", headers=admin_api, json={
        "company": company(name_en="Sakura Trading International")})
    number = created.json()["change_request_id"]
    staff = new_browser()
    rpc_client.identity.add_staff({"cci_code": "1504", "login_id": "staff78",
                                   "password": "Staff2026x"})
    log_in(staff, "staff78", "Staff2026x")
    detail = staff.get(f"/staff/change-requests/{number}?lang=en")
    assert "Business description form" in text_of(detail)
    no_reason = submit(staff, f"/staff/change-requests/{number}/return", {"reason": " "},
                       detail)
    assert no_reason.status_code == 422 and 'href="#f-reason"' in no_reason.text
    returned = submit(staff, f"/staff/change-requests/{number}/return",
                      {"reason": "業態内容届に押印がありません"}, detail)
    assert location(returned).endswith("notice=change_returned")
    view = web.get(f"/api/v1/registration/change-requests/{number}", headers=admin_api).json()
    assert view["returned_reason"] == "業態内容届に押印がありません"
    assert view["status"] == "returned"
    # another chamber's staff: not found
    rpc_client.identity.add_chamber({"cci_code": "1301", "name_ja": "東京商工会議所",
                                     "name_en": "Tokyo CCI"})
    rpc_client.identity.add_staff({"cci_code": "1301", "login_id": "tokyo02",
                                   "password": "Staff2026x"})
    tokyo = new_browser()
    log_in(tokyo, "tokyo02", "Staff2026x", cci_code="1301")
    assert tokyo.get(f"/staff/change-requests/{number}").status_code == 404
