"""Paying in a real browser (ISS-8, ISS-9, ISS-11) against `tradecert run` and its local Stripe
server: two applications certified through the API; the applicant chooses both in the list,
pays on the checkout page with the Stripe.js stand-in (a declined card first, then one
whose 3-D Secure fails, then passes), sees the receipt, prints the ORIGINAL, and the QR
code's URL shows the certificate valid."""
from nameko.standalone.rpc import ClusterRpcClient
from playwright.sync_api import expect

from tests.api.conftest import WebClient
from tests.api.issuance_flow import PASSWORD, applicants, submitted_co
from tests.browser.conftest import log_in
from tests.conftest import Sink
from tests.helpers import pdf as pdfs

STAFF = "/api/v1/staff/applications"


def card(page, number):
    """The local server's stand-in of Stripe's card element: plain inputs."""
    for field, value in (("number", number), ("exp_month", "12"), ("exp_year", "34"),
                         ("cvc", "123"), ("postal_code", "3300854")):
        page.get_by_placeholder(field, exact=True).fill(value)


def test_an_applicant_pays_two_certificates_prints_and_verifies(page, site, running_system,
                                                                 rabbit_uri, db_session):
    with WebClient(site) as web, ClusterRpcClient(uri=rabbit_uri) as rpc:
        world = applicants(web, Sink(None, running_system[3] / "mail", None), rpc, db_session)
        numbers = []
        for consignee in ("ABC IMPORTS LTD.", "XYZ TRADING LTD."):
            application_id = submitted_co(web, world.user, consignee)
            certified = web.post(f"{STAFF}/{application_id}/certification",
                                 headers=world.staff)
            assert certified.status_code == 200, certified.text
            numbers.append(certified.json()["certificate_no"])

    page.goto(f"{site}/c/1504/login")
    log_in(page, world.user_id, PASSWORD)
    expect(page).to_have_url(f"{site}/me")
    page.goto(f"{site}/applications")
    for box in page.get_by_role("checkbox", name="支払う申請に選ぶ").all():
        box.check()
    page.get_by_role("button", name="選んだ申請の手数料を支払う").click()
    expect(page.locator("h1")).to_have_text("手数料の支払い")
    for number in numbers:
        expect(page.locator("table")).to_contain_text(number)
    page.get_by_role("button", name="クレジットカードで支払う").click()
    expect(page.locator("h1")).to_have_text("クレジットカードで支払う")

    card(page, "4000000000000341")  # declined: the payment stays open for another card
    page.get_by_role("button", name="支払う", exact=True).click()
    expect(page.get_by_role("alert")).to_be_visible()
    page.browser_errors.clear()  # the 402 of the declined card, expected
    # a card whose bank asks for 3-D Secure: the stand-in's dialog; failed, then passed
    card(page, "4000002760003184")
    page.get_by_role("button", name="支払う", exact=True).click()
    page.get_by_role("button", name="Fail authentication").click()
    expect(page.get_by_role("alert")).to_contain_text("本人認証（3Dセキュア）")
    page.get_by_role("button", name="支払う", exact=True).click()
    page.get_by_role("button", name="Complete authentication").click()
    expect(page.get_by_text("お支払いを受け付けました。")).to_be_visible(timeout=15000)
    receipt = page.get_by_role("link", name="領収書（PDF）")
    expect(receipt).to_be_visible()
    answer = page.request.get(site + receipt.get_attribute("href"))
    assert answer.status == 200 and "領収書" in pdfs.text(answer.body())

    page.goto(f"{site}/applications")
    page.get_by_role("row").filter(has_text="ABC IMPORTS LTD.").get_by_role("link").first.click()
    original = page.get_by_role("link", name="ORIGINAL", exact=False).first
    expect(original).to_be_visible()
    printed = page.request.get(site + original.get_attribute("href"))
    assert printed.status == 200 and "ORIGINAL" in pdfs.text(printed.body())
    [qr] = pdfs.qr_codes(printed.body())
    page.goto(qr)
    expect(page.locator(".verification .tag")).to_have_text("有効")
