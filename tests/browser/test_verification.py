"""The public verification page in a real browser (ISS-9, ISS-14) against `tradecert run`: a
certificate of origin certified and paid through the API; its ORIGINAL's QR code opened in
Chromium without a login shows 「有効」 with the exporter, and in English "Valid"."""
from urllib.parse import urlparse

from nameko.standalone.rpc import ClusterRpcClient
from playwright.sync_api import expect

from tests.api.conftest import WebClient
from tests.api.issuance_flow import applicants, mark_paid, submitted_co
from tests.conftest import Sink
from tests.helpers import pdf as pdfs

BASE = "/api/v1/applications"
STAFF = "/api/v1/staff/applications"


def test_the_qr_code_opens_the_verification_page(page, site, running_system, rabbit_uri,
                                                  db_session):
    with WebClient(site) as web, ClusterRpcClient(uri=rabbit_uri) as rpc:
        world = applicants(web, Sink(None, running_system[3] / "mail", None), rpc, db_session)
        application_id = submitted_co(web, world.user, "ABC IMPORTS LTD.")
        certified = web.post(f"{STAFF}/{application_id}/certification", headers=world.staff)
        assert certified.status_code == 200, certified.text
        mark_paid(db_session, application_id)
        original = web.get(f"{BASE}/{application_id}/certificate.pdf", headers=world.user)
        assert original.status_code == 200, original.text
        exporter = web.get(f"{STAFF}/{application_id}", headers=world.staff).json()["exporter"]
    [qr] = pdfs.qr_codes(original.content)
    assert qr.startswith(f"{site}/verify?")

    page.goto(qr)
    expect(page.locator("h1")).to_have_text("証明書の真正性確認")
    expect(page.locator(".verification .tag")).to_have_text("有効")
    expect(page.locator(".verification")).to_contain_text(exporter["name_en"])
    expect(page.locator(".verification")).to_contain_text(certified.json()["certificate_no"])
    page.get_by_role("link", name="English").click()
    expect(page.locator(".verification .tag")).to_have_text("Valid")
    assert urlparse(page.url).path == "/verify"
