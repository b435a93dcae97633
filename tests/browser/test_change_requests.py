"""Change requests (変更申請) in a real browser against `tradecert run`: the admin asks for a
change with the wizard's company and signer forms (a new English name, a signer removed, one
added), reviews and submits it and finds the forms' PDFs; staff scan the new signature and
approve it after a confirmation, or return it with a reason. The admin in Japanese and staff
in English, then the other way round."""
import re

import requests
from playwright.sync_api import expect

from tests.browser.conftest import (
    scan_file,
    staff_logs_in,
    submitted_application,
)
from tests.helpers import pdf as pdfs

ADMIN_PASSWORD = "Admin2026x"
NEW_NAME = "Sakura Trading International"


def approved(site, running_system) -> tuple[str, list[str]]:
    """An approved registration of two signers, made through the API as staff would; the
    admin's initial password (from the certificate) changed. Returns (admin ID, signers)."""
    from tests.helpers.scans import frame, paper, scanned, sign

    number = submitted_application(site, running_system)
    api = requests.Session()
    password = (running_system[3] / "staff-login.txt").read_text().strip()
    staff = {"Authorization": "Bearer " + api.post(f"{site}/api/v1/sessions", timeout=10, json={
        "cci_code": "1504", "login_id": "saitama-staff", "password": password}).json()["token"]}
    base = f"{site}/api/v1/staff/registration-applications/{number}"
    for signer in api.get(base, headers=staff, timeout=10).json()["signers"]:
        api.put(f"{base}/signers/{signer['signer_id']}/signature", timeout=30,
                headers={**staff, "Content-Type": "image/png"},
                data=scanned(sign(frame(paper()))))
    trade = api.post(f"{base}/approval", headers=staff, timeout=60, json={
        "registration_fee_receipt_no": "R-1"}).json()["trade_registration_number"]
    certificate = api.get(f"{site}/api/v1/staff/registrations/{trade}/certificate.pdf",
                          headers=staff, timeout=30)
    admin, initial = re.search(r"管理者ID\s+(\S+)\n\s+初期パスワード\s+(\S+)\n",
                               pdfs.text(certificate.content, layout=True)).groups()
    token = api.post(f"{site}/api/v1/sessions", timeout=10, json={
        "cci_code": "1504", "login_id": admin, "password": initial}).json()["token"]
    admin_api = {"Authorization": f"Bearer {token}"}
    api.put(f"{site}/api/v1/me/password", headers=admin_api, timeout=10, json={
        "current_password": initial, "new_password": ADMIN_PASSWORD})
    signers = [s["login_id"] for s in api.get(f"{site}/api/v1/signers", headers=admin_api,
                                              timeout=10).json()]
    api.delete(f"{site}/api/v1/sessions/current", headers=admin_api, timeout=10)
    return admin, signers


def admin_logs_in(page, site, admin, button="ログイン"):
    page.goto(f"{site}/c/1504/login")
    page.locator("#f-login_id").fill(admin)
    page.locator("#f-password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name=button, exact=True).click()
    expect(page).to_have_url(f"{site}/me")


def test_a_change_asked_in_japanese_and_approved_in_english(page, site, running_system,
                                                            browser, tmp_path):
    from tests.helpers.scans import frame, paper, sign

    admin, (kept, removed) = approved(site, running_system)
    admin_logs_in(page, site, admin)
    page.get_by_role("link", name="登録内容の変更申請").click()
    expect(page.locator("h1")).to_have_text("登録内容の変更申請")
    page.get_by_role("link", name="変更申請をする").click()
    expect(page.locator("h1")).to_have_text("変更申請")
    # the wizard's company form, filled with what is registered
    name_en = page.locator("#f-company-name_en")
    expect(name_en).to_have_value("Sakura Trading")
    expect(page.locator("#f-company-current_address-postal_code")).to_be_hidden()  # "same as"
    name_en.fill(NEW_NAME)
    page.locator(f"#f-remove-{removed}").check()
    page.locator("#f-signers_added-0-name_ja").fill("田中 次郎")
    page.locator("#f-signers_added-0-name_en").fill("JIRO TANAKA")
    page.locator("#f-signers_added-0-title_en").fill("SALES MANAGER")
    page.locator("#f-signers_added-0-email").fill("j.tanaka@sakura.example.jp")
    page.get_by_role("button", name="変更申請の内容確認").click()

    expect(page.locator("h1")).to_have_text("変更申請の内容確認")
    expect(page.get_by_text(NEW_NAME)).to_be_visible()
    expect(page.get_by_text(removed)).to_be_visible()
    page.get_by_role("button", name="変更申請をする").click()
    expect(page.get_by_role("status")).to_have_text(
        "変更申請をしました。下の書類を印刷して商工会議所にご提出ください。")
    number = re.search(r"/registration/changes/(C1504-\d{4}-\d{5})", page.url).group(1)
    expect(page.locator("h1")).to_have_text(f"変更申請 {number}")
    # the PDFs: open and save links first, whatever the browser's viewer
    links = page.locator(".pdf-links li")
    expect(links).to_have_count(2)
    opened = page.request.get(site + links.first.get_by_role(
        "link", name="開く（PDF）").get_attribute("href"))
    assert opened.status == 200 and opened.headers["content-type"] == "application/pdf"
    assert pdfs.qr_codes(opened.body()) == [number]

    # staff, in English (chosen with the language switch after the login)
    staff_context = browser.new_context(locale="ja-JP")
    staff = staff_context.new_page()
    staff_logs_in(staff, site, running_system)
    staff.goto(f"{site}/staff/change-requests?lang=en")
    expect(staff.locator("h1")).to_have_text("Change requests")
    staff.get_by_role("link", name=number).click()
    expect(staff.locator("h1")).to_have_text(f"Change request {number}")
    signer = staff.locator(".signer")
    expect(signer).to_have_count(1)
    signer.locator("input[type=file]").set_input_files(
        scan_file(tmp_path, "clean", sign(frame(paper()))))
    signer.get_by_role("button", name="Upload the signature").click()
    expect(staff.get_by_role("status")).to_have_text("The signature has been registered.")
    staff.get_by_role("button", name="Approve the change request").click()
    expect(staff.locator("h1")).to_have_text(f"Approve change request {number}?")
    staff.get_by_role("button", name="Yes, approve and apply the change").click()
    expect(staff.get_by_role("status")).to_have_text(
        "The change request has been approved and applied, and the admin has been mailed.")
    expect(staff.locator(".facts .tag")).to_have_text("Approved")
    certificate = staff.request.get(site + staff.get_by_role(
        "link", name="Trade registration certificate").get_attribute("href"))
    assert NEW_NAME in pdfs.text(certificate.body())
    staff_context.close()

    # the admin sees it applied: the new signer listed, the removed one gone
    page.reload()
    expect(page.locator(".facts .tag")).to_have_text("承認済み")
    page.goto(f"{site}/signers")
    expect(page.get_by_text("JIRO TANAKA")).to_be_visible()
    expect(page.get_by_text(removed)).to_have_count(0)
    expect(page.get_by_text(kept)).to_be_visible()


def test_a_change_asked_in_english_and_returned_in_japanese(page, site, running_system,
                                                            browser):
    admin, _ = approved(site, running_system)
    page.goto(f"{site}/c/1504/login?lang=en")
    admin_logs_in(page, site, admin, button="Log in")
    page.goto(f"{site}/registration/changes/new")
    expect(page.locator("h1")).to_have_text("Change request")
    # a broken field: the error summary takes the focus and links to the field
    page.locator("#f-company-name_en").fill("さくら")
    page.get_by_role("button", name="Review the change request").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    summary.get_by_role("link").first.click()
    expect(page.locator("#f-company-name_en")).to_be_focused()
    page.browser_errors[:] = [e for e in page.browser_errors if "status of 422" not in e]
    page.locator("#f-company-name_en").fill(NEW_NAME)
    page.get_by_role("button", name="Review the change request").click()
    expect(page.locator("h1")).to_have_text("Review the change request")
    page.get_by_role("button", name="Submit the change request").click()
    expect(page.get_by_role("status")).to_have_text(
        "The change request has been submitted. Print the forms below and bring them to the "
        "chamber.")
    number = re.search(r"(C1504-\d{4}-\d{5})", page.url).group(1)
    expect(page.locator(".pdf-links li")).to_have_count(1)  # the business description only

    # staff, in Japanese: returned with a reason
    staff_context = browser.new_context(locale="ja-JP")
    staff = staff_context.new_page()
    staff_logs_in(staff, site, running_system)
    staff.get_by_role("link", name="変更申請").click()
    expect(staff.locator("h1")).to_have_text("変更申請")
    staff.get_by_role("link", name=number).click()
    staff.locator("#f-reason").fill("業態内容届に押印がありません")
    staff.get_by_role("button", name="この理由で差し戻す").click()
    expect(staff.get_by_role("status")).to_have_text(
        "変更申請を差し戻し、理由をメールでお知らせしました。")
    staff_context.close()

    page.reload()
    expect(page.get_by_role("alert")).to_contain_text("業態内容届に押印がありません")
    page.get_by_role("link", name="Make a new change request").click()
    expect(page.locator("h1")).to_have_text("Change request")
