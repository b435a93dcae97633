"""The staff's review of a certificate application (ISS-2, ISS-7) in a real browser against
`tradecert run`: an application made, attached and submitted through the API; staff log in,
open the queue and the application (the registered signature shown), return it with a reason;
the applicant sees it returned, corrects and resubmits it through the API; staff certify it
after a confirmation and see the certificate number."""
import re

from nameko.standalone.rpc import ClusterRpcClient
from playwright.sync_api import expect

from tests.api.conftest import WebClient
from tests.api.issuance_flow import applicants, submitted_co
from tests.browser.conftest import log_in
from tests.conftest import Sink
from tests.helpers.issuance import co_japan

BASE = "/api/v1/applications"
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

        # the applicant corrects it and submits it again (through the API)
        corrected = co_japan(goods=2)
        corrected["consignee"]["name"] = "ABC IMPORTS LTD."
        corrected["invoices"][0]["number"] = "INV-2026-002"
        assert web.put(f"{BASE}/{application_id}", headers=world.user,
                       json=corrected).status_code == 200
        assert web.post(f"{BASE}/{application_id}/submission",
                        headers=world.user).json() == {"status": "submitted"}

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
        view = web.get(f"{BASE}/{application_id}", headers=world.user).json()
        assert (view["status"], view["certificate_no"]) == ("certified", number.inner_text())
        expect(page.get_by_role("link", name=f"証明書 {view['certificate_no']}（PDF）")) \
            .to_be_visible()
