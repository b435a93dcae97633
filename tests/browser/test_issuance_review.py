"""The staff's review of a certificate application (ISS-2, ISS-7) in a real browser against
`tradecert run`: an application made, attached and submitted through the API; staff log in,
open the queue and the application (the registered signature shown), return it with a reason;
the applicant, in its own browser, reads the reason, corrects and resubmits it; staff certify
it after a confirmation and see the certificate number; the applicant's list shows it."""
import re

from nameko.standalone.rpc import ClusterRpcClient
from playwright.sync_api import expect

from tests.api.conftest import WebClient
from tests.api.issuance_flow import PASSWORD, applicants, submitted_co
from tests.browser.conftest import log_in
from tests.conftest import Sink

BASE = "/api/v1/applications"
STAFF = "/api/v1/staff/applications"
REASON = "インボイス番号が添付書類と一致しません。"


def test_staff_return_an_application_then_certify_it(page, site, running_system, rabbit_uri,
                                                     db_session):
    with WebClient(site) as web, ClusterRpcClient(uri=rabbit_uri) as rpc:
        mail = Sink(None, running_system[3] / "mail", None)
        world = applicants(web, mail, rpc, db_session)
        application_id = submitted_co(web, world.user, "ABC IMPORTS LTD.")

        # two chambers now (applicants() adds Tokyo's): the staff open Saitama's login page
        page.goto(f"{site}/c/1504/login")
        log_in(page, "saitama-staff",
               (running_system[3] / "staff-login.txt").read_text().strip())
        expect(page).to_have_url(f"{site}/me")
        page.get_by_role("link", name="証明書の発給申請").click()
        expect(page.locator("h1")).to_have_text("証明書の発給申請")
        row = page.get_by_role("row").filter(has_text="ABC IMPORTS LTD.")
        expect(row).to_contain_text("原産地証明書（日本産）")
        row.get_by_role("link").click()
        expect(page).to_have_url(f"{site}/staff/applications/{application_id}")
        expect(page.locator("h1")).to_have_text("原産地証明書（日本産）")
        signature = page.get_by_role("img", name="TARO YAMADA の登録された署名")
        expect(signature).to_be_visible()
        page.wait_for_function("image => image.complete && image.naturalWidth > 0",
                               arg=signature.element_handle())  # the image, loaded
        invoice = page.get_by_role("link", name="invoice.pdf", exact=True)
        opened = page.request.get(site + invoice.get_attribute("href"))  # this session's
        assert opened.status == 200 and opened.body().startswith(b"%PDF")

        page.locator("#f-reason").fill(REASON)
        page.get_by_role("button", name="この理由で差し戻す").click()
        expect(page.get_by_role("status")).to_have_text(
            "申請を差し戻し、理由を申請者へメールで通知しました。")
        expect(page.locator(".facts .tag")).to_have_text("差戻し")
        view = web.get(f"{BASE}/{application_id}", headers=world.user).json()
        assert (view["status"], view["return_reason"]) == ("returned", REASON)

        # the applicant, in a browser of its own, reads the reason, corrects and resubmits
        applicant = page.context.browser.new_context(locale="ja-JP").new_page()
        applicant.goto(f"{site}/c/1504/login")
        log_in(applicant, world.user_id, PASSWORD)
        expect(applicant).to_have_url(f"{site}/me")
        applicant.goto(f"{site}/applications/{application_id}")
        expect(applicant.locator(".reason")).to_have_text(REASON)
        applicant.get_by_role("link", name="申請内容を修正する").click()
        applicant.locator("#f-invoices-0-number").fill("INV-2026-002")
        applicant.get_by_role("button", name="保存", exact=True).click()
        applicant.get_by_role("button", name="商工会議所に申請する").click()
        expect(applicant.get_by_role("status")).to_have_text("商工会議所に申請しました。")
        # (the applicant's login ended its API session: one session per ID, ID-10)
        assert web.get(f"{STAFF}/{application_id}", headers=world.staff).json()[
            "invoices"][0]["number"] == "INV-2026-002"

        page.get_by_role("link", name="証明書の発給申請").click()
        page.get_by_role("row").filter(has_text="ABC IMPORTS LTD.").get_by_role("link").click()
        expect(page.get_by_text("INV-2026-002")).to_be_visible()
        page.get_by_role("button", name="この申請を証明する").click()
        expect(page.locator("#confirm-certification")).to_contain_text("証明しますか？")
        page.get_by_role("button", name="証明する", exact=True).click()
        expect(page.get_by_role("status")).to_have_text(
            "申請を証明し、申請者へメールで通知しました。")
        number = page.locator(".certificate-no")
        expect(number).to_have_text(re.compile(r"^1504-\d{4}-000001$"))
        view = web.get(f"{STAFF}/{application_id}", headers=world.staff).json()
        assert (view["status"], view["certificate_no"]) == ("certified", number.inner_text())
        applicant.goto(f"{site}/applications")  # the applicant's list shows it certified
        row = applicant.get_by_role("row").filter(has_text="ABC IMPORTS LTD.")
        expect(row.locator(".tag")).to_have_text("証明済み")
        expect(row).to_contain_text(view["certificate_no"])
        applicant.context.close()
        expect(page.get_by_role("link", name=f"証明書 {view['certificate_no']}（PDF）")) \
            .to_be_visible()
