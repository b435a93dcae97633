"""Applying for a certificate of origin in a real browser against `tradecert run` (issue 10,
ISS-1, ISS-2, ISS-4, ISS-6): a user ID opens the CO form from its menu, fills it, adds a
second goods line, saves, attaches the commercial invoice (a PDF), opens the preview and
submits; 「発給申請状況一覧」 then says the application is submitted, in Japanese and, after
the language switch, in English."""
from nameko.standalone.rpc import ClusterRpcClient
from playwright.sync_api import expect

from tests.api.conftest import WebClient
from tests.api.issuance_flow import PASSWORD, applicants
from tests.browser.conftest import log_in
from tests.conftest import Sink
from tests.helpers import issuance as bodies


def test_a_user_id_applies_for_a_certificate_of_origin(page, site, running_system, rabbit_uri,
                                                       db_session, tmp_path):
    with WebClient(site) as web, ClusterRpcClient(uri=rabbit_uri) as rpc:
        found = applicants(web, Sink(None, running_system[3] / "mail", None), rpc, db_session)
    invoice = tmp_path / "invoice.pdf"
    invoice.write_bytes(bodies.pdf_file())

    page.goto(f"{site}/c/1504/login")
    log_in(page, found.user_id, PASSWORD)
    expect(page).to_have_url(f"{site}/me")
    page.locator(".menu").get_by_role("link", name="発給申請").click()
    expect(page.locator("h1")).to_have_text("発給申請")
    expect(page.locator(".lead")).to_contain_text(found.trade_number)
    page.get_by_role("link", name="原産地証明書（日本産品）").click()
    expect(page.locator("h1")).to_have_text("新規申請: 原産地証明書（日本産品）")

    page.locator("#f-consignee-name").fill("ABC Imports Ltd.")
    page.locator("#f-consignee-address_lines-0").fill("12 Harbour Road")
    page.locator("#f-consignee-address_lines-1").fill("Wan Chai")
    page.locator("#f-consignee-country").fill("HONG KONG")
    page.locator("#f-invoices-0-number").fill("INV-2026-001")
    page.locator("#f-invoices-0-date").fill(bodies.days(-2))
    page.locator("#f-transport-from").fill("TOKYO, JAPAN")
    page.locator("#f-transport-to").fill("HONG KONG")
    page.locator("#f-transport-by").select_option("vessel")
    page.locator("#f-transport-vessel_or_flight").fill("EVER GIVEN V.123")
    page.locator("#f-transport-on_or_about").fill(bodies.days(5))
    page.locator("#f-remarks-0-title").select_option("manufacturer")
    page.locator("#f-remarks-0-value").fill("SAKURA BEARINGS CO., LTD.")
    goods_line(page, 0, "BALL BEARINGS", "1200", "pcs")
    page.locator("#f-declaration-date").fill(bodies.days(-1))
    page.locator("#f-declaration-place").fill("SAITAMA, JAPAN")
    page.locator("#f-copies").fill("1")
    page.locator("#f-statistics-goods_category").select_option("general_machinery")
    page.locator("#f-statistics-destination_country").fill("HK")
    expect(page.locator("#fee")).to_contain_text("手数料")

    # a second goods line: the form comes back with everything typed and one more line
    page.get_by_role("button", name="商品の行を追加").click()
    expect(page.locator(".goods-line")).to_have_count(2)
    expect(page.locator("#f-goods-0-description")).to_have_value("BALL BEARINGS")
    expect(page.locator("#f-consignee-name")).to_have_value("ABC Imports Ltd.")
    expect(page.locator("#f-goods-1-marks")).to_be_focused()
    goods_line(page, 1, "ROLLER BEARINGS", "40", "sets")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_role("status")).to_have_text(
        "申請を保存しました。書類を添付し、プレビューを確認してから申請してください。")
    expect(page.locator(".goods tbody tr")).to_have_count(2)

    # the commercial invoice
    page.locator("#f-kind").select_option("commercial_invoice")
    page.locator("#f-file").set_input_files(str(invoice))
    page.get_by_role("button", name="添付する").click()
    expect(page.get_by_role("status")).to_have_text("ファイルを添付しました。")
    attached = page.locator(".attachment-list").get_by_role("link", name="invoice.pdf")
    opened = page.request.get(site + attached.get_attribute("href"))
    assert opened.status == 200 and opened.headers["content-type"] == "application/pdf"

    # the preview, in the page: the links to open and save it come first
    page.get_by_role("link", name="証明書のプレビュー").click()
    expect(page.locator("h1")).to_have_text("証明書のプレビュー")
    preview = page.request.get(site + page.locator(".pdf-open").get_attribute("href"))
    assert preview.status == 200 and preview.headers["content-type"] == "application/pdf"
    page.get_by_role("link", name="申請に戻る").click()

    page.get_by_role("button", name="商工会議所に申請する").click()
    expect(page.get_by_role("status")).to_have_text("商工会議所に申請しました。")
    expect(page.locator(".facts .tag")).to_have_text("申請済み")
    page.get_by_role("link", name="発給申請", exact=True).first.click()
    row = page.locator("table.applications tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator(".tag")).to_have_text("申請済み")
    expect(row).to_contain_text("ABC Imports Ltd.")

    page.get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_have_text("Applications for certificates")
    expect(row.locator(".tag")).to_have_text("Submitted")
    expect(row).to_contain_text("Certificate of origin (Japanese goods)")


def goods_line(page, row, description, quantity, unit):
    page.locator(f"#f-goods-{row}-marks").fill("N/M")
    page.locator(f"#f-goods-{row}-packages").fill("10 CARTONS")
    page.locator(f"#f-goods-{row}-description").fill(description)
    page.locator(f"#f-goods-{row}-quantity-value").fill(quantity)
    page.locator(f"#f-goods-{row}-quantity-unit").select_option(unit)
    page.locator(f"#f-goods-{row}-origin").fill("JAPAN")
