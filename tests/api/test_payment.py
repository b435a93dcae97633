"""Card payment through the gateway against a real local Stripe server (issue 11; ISS-8,
ISS-11; API.md "Payment", "Local Stripe"): two certified applications in one payment at the
member price, the same Idempotency-Key, a declined card (402, still open), a good card, the
applications paid with their print window, webhooks checked and acted on once, a refund once,
the month's statement."""
import json
import time
from datetime import timedelta

import requests
import stripe

from tests.api.issuance_flow import PASSWORD, applicants, staff_browser, submitted_co
from tests.conftest import wait_for
from tests.helpers import pdf as pdfs
from tests.helpers.pages import location, log_in, submit, text_of
from tradecert.clock import japan_today

STAFF = "/api/v1/staff/applications"
CARD = {"exp_month": 12, "exp_year": 2030, "cvc": "123"}


def certified(web, world, consignee):
    application_id = submitted_co(web, world.user, consignee)
    answer = web.post(f"{STAFF}/{application_id}/certification", headers=world.staff)
    assert answer.status_code == 200, answer.text
    return application_id, answer.json()


def payment_method(client, number):
    """What Stripe.js makes of a card, made with Stripe's API on the local server."""
    return client.v1.payment_methods.create(
        params={"type": "card", "card": {"number": number, **CARD}}).id


def stripe_client(localstripe) -> stripe.StripeClient:
    """Stripe's API on the local server, as the card holder's browser and Stripe itself."""
    return stripe.StripeClient(localstripe["secret_key"],
                               base_addresses={"api": localstripe["api_base"]})


def one_open_payment(web, world) -> tuple[str, str]:
    """(application id, payment id): one certified application in a payment not paid yet."""
    application_id, _ = certified(web, world, "ABC Imports Ltd.")
    payment = web.post("/api/v1/payments", headers=world.user,
                       json={"application_ids": [application_id]})
    assert payment.status_code == 201, payment.text
    return application_id, payment.json()["payment_id"]


def paid_once(web, world, application_id) -> dict:
    """The application's view once issuance has heard of the payment: `paid` exactly once."""
    view = wait_for(lambda: (v := web.get(f"/api/v1/applications/{application_id}",
                                          headers=world.user).json())["paid"] and v,
                    message="the application paid")
    assert [h["status"] for h in view["status_history"]].count("paid") == 1
    return view


def signed(payload: str, secret: str) -> dict:
    timestamp = int(time.time())
    signature = stripe.WebhookSignature._compute_signature(f"{timestamp}.{payload}", secret)
    return {"Stripe-Signature": f"t={timestamp},v1={signature}",
            "Content-Type": "application/json"}


def test_two_applications_paid_in_one_card_payment(localstripe, smtp_sink, saitama, web,
                                                   rpc_client, db_session):
    from services.payment.models import Payment, StripeEvent

    world = applicants(web, smtp_sink, rpc_client, db_session)
    first, first_cert = certified(web, world, "ABC Imports Ltd.")
    second, second_cert = certified(web, world, "XYZ Trading Co.")
    # ISS-11: the member price (the default schedule): a CO and its one extra copy
    assert first_cert["fee_jpy"] == second_cert["fee_jpy"] == 1260 + 200
    total = 2 * 1460
    client = stripe_client(localstripe)

    key = {"Idempotency-Key": "pay-both-1"}
    started = web.post("/api/v1/payments", headers={**world.user, **key},
                       json={"application_ids": [first, second]})
    assert started.status_code == 201, started.text
    payment = started.json()
    assert (payment["status"], payment["amount_jpy"]) == ("open", total)
    assert [line["application_id"] for line in payment["lines"]] == [first, second]
    assert payment["publishable_key"] == "pk_test_local" and payment["client_secret"]
    assert payment["checkout_url"].endswith(f"/payments/{payment['payment_id']}/checkout")
    payment_id = payment["payment_id"]
    # the same key: the same payment; another payment of the same applications: 409
    again = web.post("/api/v1/payments", headers={**world.user, **key},
                     json={"application_ids": [first, second]})
    assert (again.status_code, again.json()["payment_id"]) == (201, payment_id)
    twice = web.post("/api/v1/payments", headers=world.user,
                     json={"application_ids": [second]})
    assert twice.status_code == 409, twice.text
    assert twice.json()["error"]["code"] == "application_in_payment"
    assert list(twice.json()["error"]["fields"]) == ["application_ids.0"]
    # the sub ID pays only its own applications (ISS-11): these are the user ID's
    assert web.post("/api/v1/payments", headers=world.sub,
                    json={"application_ids": [first]}).status_code == 404
    intent = client.v1.payment_intents.retrieve(
        db_session("payment").get(Payment, payment_id).stripe_payment_intent)
    assert (intent.amount, intent.currency) == (total, "jpy")

    # the checkout page loads Stripe.js from the configured base, allowed on this page only
    page = web.get(f"/payments/{payment_id}/checkout", headers=world.user)
    assert page.status_code == 200 and localstripe["js_url"] in page.text
    assert localstripe["api_base"] in page.headers["Content-Security-Policy"]
    assert localstripe["api_base"] not in web.get(f"/payments/{payment_id}",
                                                  headers=world.user).headers[
        "Content-Security-Policy"]

    # a declined card: 402, the payment stays open for another card
    confirm = f"/api/v1/payments/{payment_id}/confirmation"
    declined = web.post(confirm, headers=world.user,
                        json={"payment_method": payment_method(client, "4000000000000341")})
    assert declined.status_code == 402, declined.text
    assert declined.json()["error"]["code"] == "card_declined"
    assert web.get(f"/api/v1/payments/{payment_id}", headers=world.user).json()[
        "status"] == "open"

    # a good card: succeeded, both applications paid, their print window from today
    paid = web.post(confirm, headers=world.user,
                    json={"payment_method": payment_method(client, "4242424242424242")})
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "succeeded"
    view = web.get(f"/api/v1/payments/{payment_id}", headers=world.user).json()
    assert view["status"] == "succeeded" and view["receipt_no"] == "1504-R000001"
    assert view["paid_at"]
    assert "1504-R000001" in web.get(f"/payments/{payment_id}", headers=world.user).text
    until = (japan_today() + timedelta(days=14)).isoformat()
    for application_id in (first, second):
        application = wait_for(lambda a=application_id: (v := web.get(
            f"/api/v1/applications/{a}", headers=world.user).json())["paid"] and v,
            message="the application paid")
        assert (application["status"], application["print_until"]) == ("paid", until)
    # localstripe's own webhook (about a second later) finds it settled already
    payments = db_session("payment")
    wait_for(lambda: payments.query(StripeEvent).count() >= 1, message="localstripe's webhook")

    # a forged webhook: 400, nothing stored
    events_before = payments.query(StripeEvent).count()
    # (the intent after the decline is a new one: the local server's takes no other card)
    intent = client.v1.payment_intents.retrieve(
        payments.get(Payment, payment_id).stripe_payment_intent).to_dict()
    event = json.dumps({"id": "evt_replayed_1", "object": "event",
                        "type": "payment_intent.succeeded", "data": {"object": intent}})
    hook = web.base_url + "/api/v1/webhooks/stripe"  # Stripe sends no cookie: not `web`
    forged = requests.post(hook, data=event, headers=signed(event, "whsec_not_ours"),
                           timeout=10)
    assert forged.status_code == 400
    assert payments.query(StripeEvent).count() == events_before
    # the same event twice: acted on once (the payment is settled once, one receipt)
    answers = [requests.post(hook, data=event, timeout=10,
                             headers=signed(event, localstripe["webhook_secret"])).json()
               for _ in range(2)]
    assert [a["outcome"] for a in answers] == ["already_settled", "duplicate"]
    assert rpc_client.payment.reconcile(0) == {}  # nothing open is left
    history = web.get(f"/api/v1/applications/{first}", headers=world.user).json()[
        "status_history"]
    assert [h["status"] for h in history].count("paid") == 1
    assert web.get(f"/api/v1/payments/{payment_id}", headers=world.user).json()[
        "receipt_no"] == "1504-R000001"

    # the month's statement lists the payment
    month = japan_today().strftime("%Y-%m")
    statement = web.get(f"/api/v1/statements/{month}.csv", headers=world.user)
    assert statement.status_code == 200 and statement.headers["Content-Type"].startswith(
        "text/csv")
    rows = statement.content.decode("utf-8-sig").splitlines()
    assert rows[0] == "date,receipt_no,certificate_numbers,amount_jpy,refunded_jpy"
    assert "1504-R000001" in rows[1] and f",{total},0" in rows[1]
    assert web.get("/api/v1/statements/2026-13.csv", headers=world.user).status_code == 422
    pdf = web.get(f"/api/v1/statements/{month}.pdf", headers=world.user)
    assert pdf.status_code == 200, pdf.text
    assert "利用明細" in pdfs.text(pdf.content) and "1504-R000001" in pdfs.text(pdf.content)
    receipt = web.get(f"/api/v1/payments/{payment_id}/receipt.pdf", headers=world.user)
    assert receipt.status_code == 200, receipt.text
    text = pdfs.text(receipt.content)
    assert "領収書" in text and "1504-R000001" in text and f"{total:,}" in text
    # the receipt's mail (ISS-8): payment received, with the receipt number
    mail = wait_for(lambda: [m for m in smtp_sink.messages()
                             if "お支払い完了" in m["Subject"]], message="the payment's mail")
    assert "1504-R000001" in mail[-1].get_payload(decode=True).decode()

    # staff refund it once, with a reason; never twice; another chamber's staff see nothing
    refund = f"/api/v1/staff/payments/{payment_id}/refund"
    assert web.post(refund, headers=world.other_staff,
                    json={"reason": "二重払い"}).status_code == 404
    refunded = web.post(refund, headers=world.staff, json={"reason": "二重払い"})
    assert refunded.json() == {"status": "refunded", "refunded_jpy": total}, refunded.text
    assert web.post(refund, headers=world.staff, json={"reason": "再度"}).status_code == 409
    listed = web.get("/api/v1/staff/payments", headers=world.staff).json()["items"]
    assert [(p["payment_id"], p["status"], p["refund_reason"]) for p in listed] == [
        (payment_id, "refunded", "二重払い")]
    assert client.v1.refunds.list().data[0].amount == total


def test_the_webhook_alone_marks_a_payment_paid(localstripe, smtp_sink, saitama, web,
                                                rpc_client, db_session):
    """Stripe charges the card but our confirmation answer never comes (the page was closed):
    Stripe's `payment_intent.succeeded`, checked by its signature, marks the application paid
    and the payment settled, exactly once."""
    from services.payment.models import Payment

    world = applicants(web, smtp_sink, rpc_client, db_session)
    application_id, payment_id = one_open_payment(web, world)
    client = stripe_client(localstripe)
    intent = db_session("payment").get(Payment, payment_id).stripe_payment_intent
    client.v1.payment_intents.update(intent, params={
        "payment_method": payment_method(client, "4242424242424242")})
    assert client.v1.payment_intents.confirm(intent).status == "succeeded"

    paid = wait_for(lambda: (v := web.get(f"/api/v1/payments/{payment_id}",
                                          headers=world.user).json())["status"] == "succeeded"
                    and v, message="the webhook's settlement")
    assert paid["receipt_no"] == "1504-R000001"
    paid_once(web, world, application_id)


def test_a_card_that_asks_for_3d_secure(localstripe, smtp_sink, saitama, web, rpc_client,
                                        db_session):
    """A card whose bank asks for 3-D Secure: the confirmation answers `requires_action` with
    the client secret for Stripe.js; nothing is paid until the holder authenticates. A failed
    authentication leaves the payment open (the card may be tried again); after a successful
    one the next confirmation answers `succeeded` and the application is paid once."""
    from services.payment.models import Payment

    world = applicants(web, smtp_sink, rpc_client, db_session)
    application_id, payment_id = one_open_payment(web, world)
    client = stripe_client(localstripe)
    confirm = f"/api/v1/payments/{payment_id}/confirmation"
    card = {"payment_method": payment_method(client, "4000002760003184")}

    def authenticate(success: bool) -> None:
        """What Stripe.js's confirmCardPayment does in the holder's browser."""
        intent = db_session("payment").get(Payment, payment_id)
        answer = requests.post(
            f"{localstripe['api_base']}/v1/payment_intents/{intent.stripe_payment_intent}"
            f"/_authenticate?success={str(success).lower()}", timeout=10,
            json={"key": localstripe["publishable_key"], "client_secret": intent.client_secret})
        assert answer.status_code == 200, answer.text

    asked = web.post(confirm, headers=world.user, json=card)
    assert asked.status_code == 200, asked.text
    assert asked.json()["status"] == "requires_action"
    assert asked.json()["client_secret"].startswith(
        db_session("payment").get(Payment, payment_id).stripe_payment_intent)
    # asked again before the holder has answered: still waiting, nothing paid
    assert web.post(confirm, headers=world.user, json=card).json()["status"] == \
        "requires_action"
    assert web.get(f"/api/v1/payments/{payment_id}", headers=world.user).json()[
        "status"] == "open"

    authenticate(success=False)  # the holder failed: the card is asked for again
    retried = web.post(confirm, headers=world.user, json=card)
    assert retried.status_code == 200 and retried.json()["status"] == "requires_action"
    assert web.get(f"/api/v1/applications/{application_id}",
                   headers=world.user).json()["paid"] is False

    authenticate(success=True)
    done = web.post(confirm, headers=world.user, json=card)
    assert done.json() == {"status": "succeeded"}, done.text
    view = web.get(f"/api/v1/payments/{payment_id}", headers=world.user).json()
    assert (view["status"], view["receipt_no"]) == ("succeeded", "1504-R000001")
    paid_once(web, world, application_id)
    [charge] = client.v1.charges.list().data  # one charge at Stripe, for the fee
    assert (charge.amount, charge.status) == (view["amount_jpy"], "succeeded")


def test_staff_page_through_the_chambers_payments_and_refund_one(
        localstripe, smtp_sink, saitama, web, rpc_client, db_session, new_browser, monkeypatch):
    """/staff/payments: the chamber's payments newest first, a page at a time (one a page
    here), with when, who, the certificates, the amount and the status in words; a paid one
    is refunded from its row, only with a reason; another chamber's staff see none."""
    from services.payment import payments

    monkeypatch.setattr(payments, "PAGE_SIZE", 1)
    world = applicants(web, smtp_sink, rpc_client, db_session)
    client = stripe_client(localstripe)
    started = []
    for consignee in ("ABC Imports Ltd.", "XYZ Trading Co."):
        application_id, cert = certified(web, world, consignee)
        payment = web.post("/api/v1/payments", headers=world.user,
                           json={"application_ids": [application_id]}).json()
        started.append((payment["payment_id"], cert["certificate_no"]))
    (paid_id, paid_no), (open_id, open_no) = started
    assert web.post(f"/api/v1/payments/{paid_id}/confirmation", headers=world.user, json={
        "payment_method": payment_method(client, "4242424242424242")}).status_code == 200

    staff = staff_browser(new_browser, rpc_client, "staff31")
    first = staff.get("/staff/payments")
    assert first.status_code == 200, first.text
    text = text_of(first)
    assert open_no in text and "未払い" in text and paid_no not in text  # newest first
    assert world.trade_number in text and world.user_id in text
    assert 'href="/staff/payments?page=2" rel="next"' in first.text
    second = staff.get("/staff/payments?page=2")
    text = text_of(second)
    assert paid_no in text and "支払済み" in text and "1504-R000001" in text
    assert 'rel="prev"' in second.text and 'rel="next"' not in second.text

    refund = f"/staff/payments/{paid_id}/refund"
    refused = submit(staff, refund, {"reason": ""}, form_page=second)
    assert refused.status_code == 422 and "返金済み" not in text_of(refused)
    done = submit(staff, refund, {"reason": "二重払いのため"}, form_page=second)
    assert location(done) == "/staff/payments"
    text = text_of(staff.get("/staff/payments?page=2"))
    assert "返金済み" in text and "二重払いのため" in text and "1,460" in text
    assert client.v1.refunds.list().data[0].amount == 1460

    tokyo = staff_browser(new_browser, rpc_client, "tokyo01", cci_code="1301")
    assert "支払いはまだありません。" in text_of(tokyo.get("/staff/payments"))


def test_the_applicants_payments_receipts_and_statements(localstripe, smtp_sink, saitama,
                                                         web, rpc_client, db_session,
                                                         new_browser):
    """GET /api/v1/payments and the /payments page (ISS-8, ISS-11): a user ID sees its
    company's payments, a sub ID only its own; a paid one links its receipt, an open one its
    checkout; the page offers this month's statement and the eleven before."""
    world = applicants(web, smtp_sink, rpc_client, db_session)
    client = stripe_client(localstripe)
    application_id, paid_id = one_open_payment(web, world)
    assert web.post(f"/api/v1/payments/{paid_id}/confirmation", headers=world.user, json={
        "payment_method": payment_method(client, "4242424242424242")}).status_code == 200
    own = submitted_co(web, world.sub, "SUB IMPORTS LTD.")
    assert web.post(f"{STAFF}/{own}/certification", headers=world.staff).status_code == 200
    sub_payment = web.post("/api/v1/payments", headers=world.sub,
                           json={"application_ids": [own]}).json()["payment_id"]

    listed = web.get("/api/v1/payments", headers=world.user)
    assert listed.status_code == 200, listed.text
    assert [(p["payment_id"], p["status"]) for p in listed.json()["items"]] == [
        (sub_payment, "open"), (paid_id, "succeeded")]  # newest first
    assert listed.json()["items"][1]["lines"][0]["application_id"] == application_id
    assert (listed.json()["page"], listed.json()["pages"]) == (1, 1)
    mine = web.get("/api/v1/payments", headers=world.sub).json()["items"]
    assert [p["payment_id"] for p in mine] == [sub_payment]

    browser = new_browser()
    assert location(log_in(browser, world.user_id, PASSWORD)) == "/me"
    assert 'href="/payments"' in browser.get("/me").text
    page = browser.get("/payments")
    assert page.status_code == 200, page.text
    text = text_of(page)
    assert "支払いと領収書" in text and "1504-R000001" in text and "未払い" in text
    assert f'href="/api/v1/payments/{paid_id}/receipt.pdf"' in page.text
    assert f'href="/payments/{sub_payment}/checkout"' in page.text
    month = japan_today().strftime("%Y-%m")
    assert f'href="/api/v1/statements/{month}.pdf"' in page.text
    assert page.text.count('href="/api/v1/statements/') == 24  # 12 months, PDF and CSV
    statement = browser.get(f"/api/v1/statements/{month}.csv")  # with the page's session
    assert statement.status_code == 200 and "1504-R000001" in statement.text
