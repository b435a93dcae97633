"""Issue 9 in a real browser against `tradecert run`: chamber staff find a trade registration
by its number, lock a leaked ID after a confirmation (Japanese) and unlock it (English); the
seeded chamber's contact is on its page."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tradecert.errors import Unauthorized


def can_log_in(seeded) -> bool:
    with seeded.rpc() as rpc:
        try:
            rpc.identity.login({"cci_code": "1504", "login_id": seeded.admin,
                                "password": seeded.admin_initial})
        except Unauthorized as exc:  # crosses RPC as its kind (tradecert.errors)
            assert getattr(exc, "code", None) == "invalid_credentials", exc
            return False
    return True


@pytest.mark.timeout(300)
def test_staff_lock_an_id_in_japanese_and_unlock_it_in_english(page, site, seeded,
                                                               running_system):
    # the seeded chamber's contact, for applicants to call
    page.goto(f"{site}/c/1504")
    expect(page.get_by_role("heading", name="お問い合わせ先")).to_be_visible()
    expect(page.get_by_text("048-641-0061")).to_be_visible()

    page.goto(f"{site}/staff/registrations")
    expect(page).to_have_url(re.compile(r"/c/1504/login"))
    password = (running_system[3] / "staff-login.txt").read_text().strip()
    log_in(page, "saitama-staff", password)
    expect(page).to_have_url(f"{site}/staff/registrations")
    page.get_by_role("link", name="貿易登録のID（ロック、管理者パスワードの再発行）").click()

    expect(page.locator("h1")).to_have_text("貿易登録のID")
    page.locator("#f-number").fill("１５０４－０００３１８")  # typed with a Japanese keyboard
    page.get_by_role("button", name="開く").click()
    expect(page).to_have_url(f"{site}/staff/trade-registrations/1504-000318")
    row = page.locator(f"#id-{seeded.admin}")
    expect(row).to_contain_text("管理者ID")
    expect(row).to_contain_text("利用可")
    expect(page.locator(f"#id-{seeded.user}")).to_contain_text("ユーザーID（署名者）")

    # the lock asks first
    row.get_by_role("button", name=f"{seeded.admin} をロック").click()
    expect(page.locator("h1")).to_have_text("確認してください")
    expect(page.get_by_role("alertdialog")).to_contain_text("ロックを解除するまでログインできません")
    assert can_log_in(seeded)  # nothing locked yet
    page.get_by_role("button", name=f"{seeded.admin} をロック").click()

    expect(page.get_by_role("status")).to_have_text(
        f"{seeded.admin} をロックしました。ログイン中の利用は終了しました。")
    expect(row).to_contain_text("ロック中")
    expect(row).to_contain_text("saitama-staff")
    assert not can_log_in(seeded)

    # in English: unlock
    page.get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_have_text("IDs of a trade registration")
    expect(row).to_contain_text("Locked")
    row.get_by_role("button", name=f"Unlock {seeded.admin}").click()
    expect(page.get_by_role("status")).to_have_text(
        f"{seeded.admin} has been unlocked. It can log in again.")
    expect(row).to_contain_text("Active")
    expect(row.get_by_role("button", name=f"Lock {seeded.admin}")).to_be_visible()
    assert can_log_in(seeded)
