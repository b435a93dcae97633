"""A registration after approval in a real browser against `tradecert run` (REG-9): the
admin's page 「登録内容/署名者確認」 and its renewal request, in Japanese and in English; the
chamber staff's renewal queue and the renewal with its confirmation, and the mail.

The registration is approved through the API (as the staff pages would) and its end moved into
the renewal window in the database: the running system is another process, so the test's clock
cannot move it."""
import re
from datetime import timedelta

import requests
from playwright.sync_api import expect
from sqlalchemy import select, update

from tests.browser.conftest import Mailbox, log_in, staff_logs_in, submitted_application
from tradecert import clock

ADMIN_PASSWORD = "Admin2026x"
RENEWED_SUBJECT = "【貿易関係証明発給システム】貿易登録更新完了のお知らせ"
CONTACT = "contact@sakura.example.jp"


def approved_and_expiring(site, running_system, db_session, days_left=20) -> dict:
    """An application approved by the seeded staff through the API, its admin's password set
    (as after the first login), valid for `days_left` more days."""
    from services.identity.domain import hash_password
    from services.identity.models import Account
    from services.registration.models import Registration
    from tests.helpers.scans import frame, paper, scanned, sign

    number = submitted_application(site, running_system)
    api = requests.Session()
    password = (running_system[3] / "staff-login.txt").read_text().strip()
    token = api.post(f"{site}/api/v1/sessions", timeout=10, json={
        "cci_code": "1504", "login_id": "saitama-staff", "password": password}).json()["token"]
    staff = {"Authorization": f"Bearer {token}"}
    application = api.get(f"{site}/api/v1/staff/registration-applications/{number}",
                          headers=staff, timeout=10).json()
    for signer in application["signers"]:
        api.put(f"{site}/api/v1/staff/registration-applications/{number}/signers/"
                f"{signer['signer_id']}/signature", data=scanned(sign(frame(paper()))),
                headers={**staff, "Content-Type": "image/png"}, timeout=30)
    approved = api.post(f"{site}/api/v1/staff/registration-applications/{number}/approval",
                        headers=staff, json={"registration_fee_receipt_no": "R-1"}, timeout=60)
    assert approved.status_code == 201, approved.text
    result = approved.json()
    identity = db_session("identity")
    identity.execute(update(Account).where(Account.login_id == result["admin_login_id"])
                     .values(password_hash=hash_password(ADMIN_PASSWORD),
                             must_change_password=False))
    identity.commit()
    registration = db_session("registration")
    valid_until = clock.japan_today() + timedelta(days=days_left)
    registration.execute(update(Registration).values(valid_until=valid_until))
    registration.commit()
    return {**result, "valid_until": valid_until, "staff": staff}


def test_the_admin_sees_the_registration_and_requests_renewal(page, site, running_system,
                                                             db_session):
    registration = approved_and_expiring(site, running_system, db_session)
    number = registration["trade_registration_number"]
    page.goto(f"{site}/c/1504/login")
    log_in(page, registration["admin_login_id"], ADMIN_PASSWORD)
    expect(page).to_have_url(f"{site}/me")
    page.get_by_role("link", name="登録内容/署名者確認").click()

    expect(page.locator("h1")).to_have_text("登録内容/署名者確認")
    expect(page.locator("#trade-registration-number")).to_have_text(number)
    expect(page.locator("#valid-until")).to_have_text(registration["valid_until"].isoformat())
    expect(page.locator("#validity")).to_have_text("まもなく期限切れ")
    expect(page.locator("#renewal")).to_have_text("申請なし")
    expect(page.get_by_role("cell", name="TARO YAMADA")).to_be_visible()
    expect(page.get_by_role("cell", name="佐藤 花子")).to_be_visible()
    renewed_until = registration["valid_until"].replace(
        year=registration["valid_until"].year + 2)
    expect(page.get_by_text(f"有効期限は {renewed_until.isoformat()} まで延長されます")) \
        .to_be_visible()

    page.get_by_role("button", name="更新を申請する").click()
    expect(page.get_by_role("status")).to_have_text(
        "更新を申請しました。貿易登録手数料のお支払い後、商工会議所が更新します。")
    expect(page.locator("#renewal")).to_contain_text("に更新を申請しました。")
    expect(page.get_by_role("button", name="更新を申請する")).to_have_count(0)

    page.get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_have_text("Registration and signers")
    expect(page.locator("#validity")).to_have_text("Expiring soon")
    expect(page.locator("#renewal")).to_contain_text("Requested on")
    expect(page.get_by_role("heading", name="Signers", exact=True)).to_be_visible()
    page.get_by_role("link", name="Back to my menu").click()
    expect(page.get_by_role("link", name="Registration and signers")).to_be_visible()


def test_staff_renew_from_the_queue_with_a_confirmation(page, site, running_system,
                                                       db_session):
    registration = approved_and_expiring(site, running_system, db_session, days_left=5)
    number, old = registration["trade_registration_number"], registration["valid_until"]
    api = requests.Session()
    token = api.post(f"{site}/api/v1/sessions", timeout=10, json={
        "cci_code": "1504", "login_id": registration["admin_login_id"],
        "password": ADMIN_PASSWORD}).json()["token"]
    assert api.post(f"{site}/api/v1/registration/renewal", timeout=10,
                    headers={"Authorization": f"Bearer {token}"}).status_code == 202

    staff_logs_in(page, site, running_system)
    page.get_by_role("link", name="貿易登録の更新").click()
    expect(page.locator("h1")).to_have_text("貿易登録の更新")
    rows = page.locator("table.queue tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("さくら貿易")
    expect(rows.first).to_contain_text("まもなく期限切れ")

    page.get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_have_text("Renewals of trade registrations")
    page.get_by_role("link", name=number).click()
    expect(page.locator("h1")).to_have_text(f"Renewal of trade registration {number}")

    # the receipt number is required: the error summary names it and takes the focus
    page.get_by_role("button", name="Next: confirm").click()
    expect(page.locator("#error-summary")).to_be_focused()
    page.get_by_role("link", name=re.compile("Registration fee receipt number")).click()
    expect(page.locator("#f-registration_fee_receipt_no")).to_be_focused()
    page.browser_errors[:] = [e for e in page.browser_errors if "422" not in e]

    page.locator("#f-registration_fee_receipt_no").fill("R-2026-555")
    page.get_by_role("button", name="Next: confirm").click()
    new = old.replace(year=old.year + 2)
    expect(page.locator("#confirm-receipt")).to_have_text("R-2026-555")
    expect(page.locator("#confirm-valid-until")).to_have_text(new.isoformat())
    page.get_by_role("button", name="Renew the registration").click()

    expect(page.get_by_role("status")).to_have_text(
        "The registration has been renewed, and the admin ID has been mailed.")
    expect(page.locator("#valid-until")).to_have_text(new.isoformat())
    expect(page.locator("#validity")).to_have_text("Valid")
    mail = Mailbox(running_system[3] / "mail").wait_for(CONTACT, RENEWED_SUBJECT)
    assert f"新しい有効期限: {new.isoformat()}" in mail.get_content()

    page.get_by_role("link", name="日本語").click()
    expect(page.locator("#renewal")).to_contain_text(f"{old.isoformat()} → {new.isoformat()}")
    page.get_by_role("link", name="貿易登録の更新").click()
    expect(page.locator("table.queue tbody tr")).to_have_count(0)
    page.locator("#f-status").select_option("renewed")
    page.get_by_role("button", name="表示").click()
    expect(page.locator("table.queue tbody tr")).to_contain_text("更新済み")

    from services.registration.models import Renewal

    [renewal] = db_session("registration").scalars(select(Renewal)).all()
    assert (renewal.registration_fee_receipt_no, renewal.renewed_by) == ("R-2026-555",
                                                                         "saitama-staff")
