"""notify: mails from templates over real SMTP, retried with backoff, each one recorded; and
the mails issuance's events make (issue 10), to the applying ID as identity knows it."""
import os
import subprocess
import sys
import time
import uuid

import nameko
import pytest
from amqp.exceptions import ChannelError
from kombu import Connection
from nameko.standalone.events import event_dispatcher
from nameko.testing.services import entrypoint_waiter

from operations.supervisor import service_class_path
from services.identity.service import IdentityService
from services.issuance.interfaces import SERVICE as ISSUANCE
from services.notify import domain
from services.notify.exceptions import UnknownTemplate
from services.notify.models import MailMessage
from services.notify.service import NotifyService, public_url
from services.payment.interfaces import SERVICE as PAYMENT
from services.registration.service import RegistrationService
from tests.conftest import free_port, wait_for
from tests.helpers.faults import terminate_database_connections
from tests.helpers.identity import Registered, add_test_chamber
from tests.helpers.registration import approve, submitted
from tradecert import config
from tradecert.outbox import ProcessedEvent

CONTEXT = {"name": "山田 太郎", "cci_code": "1504", "login_id": "staff01",
           "login_url": "http://127.0.0.1:8000/c/1504"}
SUB_ID_CONTEXT = {"subject": "サブIDのお知らせ", "body": "サブIDを付与しました。",
                  "login_id": "S0000001", "cci_code": "1504", "expires_in_days": 14,
                  "activation_url": "http://127.0.0.1:8000/sub-id/activate?token=x",
                  "company": {"trade_registration_number": "1504-000001",
                              "name_ja": "さくら貿易", "name_en": "SAKURA TRADING"}}


def mail_record(db_session, mail_id):
    session = db_session("notify")
    session.expire_all()
    return session.get(MailMessage, mail_id)


def test_mail_is_rendered_sent_and_recorded(runner_factory, rpc_client, smtp_sink, db_session):
    runner_factory(NotifyService).start()

    queued = rpc_client.notify.send_mail({"to": "yamada@example.jp",
                                          "template": "staff_account_created",
                                          "context": CONTEXT, "cci_code": "1504"})

    assert queued["status"] == "pending"
    [mail] = smtp_sink.wait_for_messages(1)
    assert mail["To"] == "yamada@example.jp"
    assert mail["Subject"] == "【貿易関係証明発給システム】職員アカウント登録のお知らせ"
    body = mail.get_content()
    assert body.index("山田 太郎 様") < body.index("Dear 山田 太郎")  # Japanese first
    assert "ログインID: staff01" in body and "Login ID: staff01" in body
    record = wait_for(lambda: mail_record(db_session, queued["id"]).sent_at and
                      mail_record(db_session, queued["id"]))
    assert (record.status, record.attempts) == ("sent", 1)
    assert rpc_client.notify.list_messages(to="yamada@example.jp")[0]["status"] == "sent"


def test_unknown_template_or_missing_value_is_refused_and_nothing_is_kept(
        runner_factory, rpc_client, db_session):
    runner_factory(NotifyService).start()

    with pytest.raises(UnknownTemplate):
        rpc_client.notify.send_mail({"to": "a@example.jp", "template": "no_such_mail"})
    with pytest.raises(Exception, match="undefined"):
        rpc_client.notify.send_mail({"to": "a@example.jp", "template": "staff_account_created",
                                     "context": {"name": "x"}})
    assert db_session("notify").query(MailMessage).count() == 0


def test_mail_is_retried_with_backoff_until_the_server_answers(
        runner_factory, rpc_client, db_session, smtp_sink):
    port = smtp_sink.port
    with nameko.config.patch({"SMTP": {**nameko.config["SMTP"], "port": free_port()}}):
        runner = runner_factory(NotifyService)  # points at a port where nobody listens
        runner.start()
        queued = rpc_client.notify.send_mail({"to": "retry@example.jp",
                                              "template": "staff_account_created",
                                              "context": CONTEXT})
        failed_twice = wait_for(lambda: (mail_record(db_session, queued["id"]).attempts >= 2
                                         and mail_record(db_session, queued["id"])))
        assert failed_twice.status == "pending" and "ConnectionRefused" in failed_twice.last_error
        assert failed_twice.next_attempt_at > failed_twice.created_at
        runner.stop()

    assert nameko.config["SMTP"]["port"] == port
    runner_factory(NotifyService).start()  # the server is back (same queue, same database)
    smtp_sink.wait_for_messages(1)
    record = wait_for(lambda: mail_record(db_session, queued["id"]).status == "sent" and
                      mail_record(db_session, queued["id"]))
    assert record.attempts >= 3


def test_mail_fails_for_good_after_max_attempts(runner_factory, rpc_client, db_session):
    smtp = {**nameko.config["SMTP"], "port": free_port(), "max_attempts": 2}
    with nameko.config.patch({"SMTP": smtp}):
        runner_factory(NotifyService).start()
        queued = rpc_client.notify.send_mail({"to": "never@example.jp",
                                              "template": "staff_account_created",
                                              "context": CONTEXT})
        record = wait_for(lambda: mail_record(db_session, queued["id"]).status == "failed" and
                          mail_record(db_session, queued["id"]))
    assert record.attempts == 2 and record.sent_at is None


def test_an_undeliverable_mail_fails_alone_and_the_others_go_once(
        runner_factory, smtp_sink, db_session):
    """Defect 1: a line break in a subject made the delivery round raise and roll back, so the
    mails before it went out again every second and those after it never. Queued through the
    domain (the API refuses such a subject), between good mails, all due in one round."""
    session = db_session("notify")
    broken = {**SUB_ID_CONTEXT, "subject": "件名\nBcc: x@evil.example"}
    queued = [domain.queue(session, to=to, template=template, context=context,
                           sender_domain="example.jp")
              for to, template, context in (
                  ("first@example.jp", "staff_account_created", CONTEXT),
                  ("bad@example.jp", "sub_id_notification", broken),
                  ("last@example.jp", "staff_account_created", CONTEXT))]
    ids = [message.id for message in queued]
    session.commit()

    runner_factory(NotifyService).start()

    wait_for(lambda: mail_record(db_session, ids[2]).status == "sent", message="the last mail")
    bad = wait_for(lambda: mail_record(db_session, ids[1]).status == "failed"
                   and mail_record(db_session, ids[1]))
    assert "undeliverable" in bad.last_error and bad.sent_at is None
    time.sleep(2.5)  # two more delivery rounds: nothing is sent again
    assert sorted(m["To"] for m in smtp_sink.messages()) == ["first@example.jp",
                                                            "last@example.jp"]
    assert [mail_record(db_session, i).attempts for i in ids] == [1, 1, 1]


# --- issuance's events (ISS-2, ISS-7, ISS-9, ISS-13) -------------------------------------------

APPLICATION = {"cci_code": "1504", "application_id": "0b6f8e0a-5d1e-4c3a-9f4e-2a7c1d9e0001",
               "trade_registration_number": "1504-000001", "certificate_type": "co_japan",
               "consignee_name": "ABC Imports Ltd.", "destination_country": "HK"}


@pytest.fixture
def applicant(db_session):
    """A registered company's first signer (a user ID) in identity, and identity running."""
    session = db_session("identity")
    add_test_chamber(session)
    user = Registered(session).users[0]
    session.commit()
    return {"login_id": user.login_id, "email": user.email, "name": user.name}


@pytest.fixture
def notify(container_factory, smtp_sink, applicant):
    container_factory(IdentityService).start()
    container = container_factory(NotifyService)
    container.start()
    return container


def issuance_event(event_type: str, login_id: str, **facts) -> dict:
    """An envelope as issuance's outbox publishes it (tradecert/outbox.py)."""
    return {"event_id": str(uuid.uuid4()), "event_type": event_type, "source": ISSUANCE,
            "occurred_at": "2026-12-01T01:00:00+00:00",
            "data": {**APPLICATION, "login_id": login_id, **facts}}


def dispatch(container, envelope: dict) -> None:
    """Publish the event on its publisher's exchange and wait until notify's handler has run."""
    with entrypoint_waiter(container, f"on_{envelope['event_type']}", timeout=10):
        event_dispatcher()(envelope["source"], envelope["event_type"], envelope)


def mailed(smtp_sink, notify, envelope, subject):
    """The one mail with that subject the event made, and its body (a registration's own
    events may mail too)."""
    dispatch(notify, envelope)
    [mail] = wait_for(lambda: [m for m in smtp_sink.messages() if m["Subject"] == subject],
                      message=subject)
    body = mail.get_content()
    assert f"{public_url()}/applications/{APPLICATION['application_id']}" in body
    assert body.index("申請の種類") < body.index("(English)") < body.index("Type:")  # ja first
    return mail, body


def test_a_submitted_application_is_acknowledged_to_the_applicant(notify, smtp_sink,
                                                                  applicant):
    """ISS-2: the applicant is told the chamber has it in its queue."""
    mail, body = mailed(smtp_sink, notify, issuance_event(
        "application_submitted", applicant["login_id"], resubmitted=False),
        "【貿易関係証明発給システム】発給申請受付のお知らせ")

    assert mail["To"] == applicant["email"]
    assert body.startswith(f"さくら貿易\n{applicant['name']} 様")
    assert "申請の種類: 原産地証明書（日本産）" in body
    assert "Type: Certificate of Origin (Japanese origin)" in body
    assert "仕向地: HK" in body and "Destination: HK" in body


def test_a_returned_application_is_mailed_with_its_reason(notify, smtp_sink, applicant):
    """ISS-7: the reason, and that the application can be corrected and resubmitted."""
    mail, body = mailed(smtp_sink, notify, issuance_event(
        "application_returned", applicant["login_id"], certificate_type="co_foreign",
        reason="インボイスの日付が第9欄の日付より後です"),
        "【貿易関係証明発給システム】発給申請差戻しのお知らせ")

    assert mail["To"] == applicant["email"]
    assert body.count("インボイスの日付が第9欄の日付より後です") == 2  # Japanese and English
    assert "修正して再申請できます" in body and "submit it again" in body
    assert "原産地証明書（外国産）" in body


def test_a_certified_application_is_mailed_with_its_number_and_fee(notify, smtp_sink,
                                                                   applicant):
    """ISS-2, ISS-11: the certificate number, the issue date and the fee to pay before
    printing, in yen with thousands separators."""
    mail, body = mailed(smtp_sink, notify, issuance_event(
        "certificate_certified", applicant["login_id"], certificate_no="1504-26-000001",
        issued_on="2026-12-01", fee_jpy=1260, replaces_certificate_no=None),
        "【貿易関係証明発給システム】証明書発給（認証）のお知らせ")

    assert mail["To"] == applicant["email"]
    assert "証明書番号: 1504-26-000001" in body and "発給日: 2026-12-01" in body
    assert "お支払いいただく手数料: 1,260円（税込）" in body
    assert "Fee to pay: 1,260 yen" in body
    assert "発給申請状況一覧からお支払いください" in body
    assert "代わるもの" not in body  # it replaces nothing


def test_a_revoked_certificate_is_mailed_as_no_longer_valid(notify, smtp_sink, applicant):
    """ISS-9, ISS-14: the number and the reason; the certificate is no longer valid."""
    mail, body = mailed(smtp_sink, notify, issuance_event(
        "certificate_revoked", applicant["login_id"], certificate_type="signature",
        consignee_name=None, destination_country=None, certificate_no="1504-26-000002",
        reason="署名者が退職していました"),
        "【貿易関係証明発給システム】証明書取消のお知らせ")

    assert mail["To"] == applicant["email"]
    assert "証明書番号: 1504-26-000002" in body and "署名者が退職していました" in body
    assert "この証明書は無効です" in body and "no longer valid" in body
    assert "申請の種類: サイン証明" in body and "荷受人" not in body


def test_a_replaced_certificate_is_mailed_as_no_longer_valid(notify, smtp_sink, applicant):
    """ISS-13: the old certificate's applicant learns which one replaced it."""
    mail, body = mailed(smtp_sink, notify, issuance_event(
        "certificate_replaced", applicant["login_id"], certificate_no="1504-26-000001",
        replaced_by="1504-26-000007"),
        "【貿易関係証明発給システム】証明書差替えのお知らせ")

    assert mail["To"] == applicant["email"]
    assert "証明書番号 1504-26-000001 の証明書は、証明書番号 1504-26-000007 の証明書に" in body
    assert "Certificate 1504-26-000001 is no longer valid" in body


def test_a_withdrawn_application_mails_no_one(notify, smtp_sink, applicant, db_session):
    """The applicant withdrew it: nothing to tell. The resubmission after it is mailed."""
    event_dispatcher()(ISSUANCE, "application_withdrawn",
                       issuance_event("application_withdrawn", applicant["login_id"]))
    dispatch(notify, issuance_event("application_submitted", applicant["login_id"],
                                    resubmitted=True))
    [mail] = smtp_sink.wait_for_messages(1)
    assert "再申請として受け付けました" in mail.get_content()
    time.sleep(1.5)
    assert len(smtp_sink.messages()) == 1
    assert db_session("notify").query(MailMessage).count() == 1


def test_the_same_issuance_event_twice_mails_once(notify, smtp_sink, applicant, db_session):
    """At-least-once delivery: the second delivery of an event is skipped (once_per_event)."""
    envelope = issuance_event("certificate_certified", applicant["login_id"],
                              certificate_no="1504-26-000003", issued_on="2026-12-01",
                              fee_jpy=3460)
    dispatch(notify, envelope)
    dispatch(notify, envelope)

    smtp_sink.wait_for_messages(1)
    time.sleep(1.5)  # delivery rounds after the second event: still one mail
    [mail] = smtp_sink.messages()
    assert "3,460円" in mail.get_content()
    assert db_session("notify").query(MailMessage).count() == 1
    assert db_session("notify").query(ProcessedEvent).filter_by(
        event_id=envelope["event_id"]).count() == 1


def queue_depth(queue: str) -> int | None:
    """Messages ready in a queue of this test's vhost, asked of the broker itself (the
    management API's figures lag); None when the queue does not exist."""
    with Connection(nameko.config["AMQP_URI"]) as connection:
        try:
            return connection.default_channel.queue_declare(queue, passive=True).message_count
        except ChannelError:
            return None


def test_a_process_that_dies_in_a_handler_gets_the_event_again_and_mails_once(
        container_factory, smtp_sink, applicant, db_session, rabbit_uri):
    """Issue 12: Nameko acknowledges an event only after its handler's worker has finished
    (nameko.messaging.Consumer.handle_result), so a process killed in the middle of a handler
    leaves the event in its queue: the next process acts on it, once. Here notify runs as
    `make run` runs it (its own `nameko run` process) and is killed with SIGKILL while its
    handler waits for identity's answer; identity's queue exists, identity is not running."""
    identity = container_factory(IdentityService)
    identity.start()
    identity.stop()  # its queue stays (durable): a call to it waits there
    env = {**os.environ, "TRADECERT_AMQP_URI": rabbit_uri,
           "TRADECERT_SMTP_PORT": str(smtp_sink.port)}
    process = subprocess.Popen(
        [sys.executable, "-m", "nameko", "run", "--config", str(config.config_path()),
         service_class_path("notify")], env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: queue_depth(
            "evt-issuance-certificate_certified--notify.on_certificate_certified") is not None,
            60, interval=0.2, message="notify listening")
        envelope = issuance_event("certificate_certified", applicant["login_id"],
                                  certificate_no="1504-26-000005", issued_on="2026-12-01",
                                  fee_jpy=3460)
        event_dispatcher()(ISSUANCE, "certificate_certified", envelope)
        wait_for(lambda: queue_depth("rpc-identity"), 10, interval=0.1,
                 message="the handler asking identity")  # in the middle of the handler
    finally:
        process.kill()
        process.wait(10)

    container_factory(IdentityService).start()
    notify = container_factory(NotifyService)
    notify.start()  # the event comes again

    [mail] = smtp_sink.wait_for_messages(1)
    assert mail["To"] == applicant["email"] and "1504-26-000005" in mail.get_content()
    dispatch(notify, envelope)  # and once more: once_per_event skips it
    time.sleep(1.5)  # delivery rounds that would send a second mail
    assert len(smtp_sink.messages()) == 1
    assert db_session("notify").query(MailMessage).count() == 1
    assert db_session("notify").query(ProcessedEvent).filter_by(
        event_id=envelope["event_id"]).count() == 1


def test_a_handler_whose_database_connection_is_ended_puts_the_event_back_and_mails_once(
        container_factory, smtp_sink, applicant, db_session):
    """Issue 12: PostgreSQL restarts while a handler is in the middle of its transaction (it
    has claimed the event and waits for identity): the handler fails on the dead connection
    and its transaction is gone. Acknowledged, the event would be lost; it goes back to the
    queue (tradecert.entrypoints.EventHandler) and the next delivery, on a new connection,
    mails once."""
    identity = container_factory(IdentityService)
    identity.start()
    identity.stop()  # its queue stays: notify's call waits there until identity is back
    notify = container_factory(NotifyService)
    notify.start()
    envelope = issuance_event("certificate_certified", applicant["login_id"],
                              certificate_no="1504-26-000006", issued_on="2026-12-01",
                              fee_jpy=3460)
    event_dispatcher()(ISSUANCE, "certificate_certified", envelope)
    wait_for(lambda: queue_depth("rpc-identity"), 10, interval=0.1,
             message="the handler asking identity")  # its transaction is open

    assert terminate_database_connections(["notify"]) > 0  # (this test's own stay open)
    with entrypoint_waiter(notify, "on_certificate_certified", timeout=20):  # the second time
        container_factory(IdentityService).start()

    [mail] = smtp_sink.wait_for_messages(1)
    assert "1504-26-000006" in mail.get_content()
    time.sleep(1.5)
    assert len(smtp_sink.messages()) == 1
    assert db_session("notify").query(ProcessedEvent).filter_by(
        event_id=envelope["event_id"]).count() == 1


def test_an_applicant_id_that_is_gone_is_mailed_at_the_registrations_contact(
        notify, container_factory, smtp_sink, db_session):
    """A sub ID deleted after it applied (ID-6.6) has no address: the mail goes to the
    registration's contact person (REG-4.7), addressed by the company's name."""
    session = db_session("registration")
    number = approve(session, submitted(session)).trade_registration_number
    session.commit()
    container_factory(RegistrationService).start()

    mail, body = mailed(smtp_sink, notify, issuance_event(
        "application_returned", "S0009999", trade_registration_number=number,
        reason="荷受人の住所がありません"),
        "【貿易関係証明発給システム】発給申請差戻しのお知らせ")

    assert mail["To"] == "i.suzuki@sakura.example.jp"
    assert body.startswith("さくら貿易 ご担当者様")
    assert "荷受人の住所がありません" in body


# --- payment's events (ISS-8, ISS-11, ISS-12) --------------------------------------------------

PAYMENT_FACTS = {"cci_code": "1504", "payment_id": "5d0c7f0e-1b2a-4c3d-8e9f-0a1b2c3d4e5f",
                 "trade_registration_number": "1504-000001", "amount_jpy": 12345,
                 "application_ids": ["0b6f8e0a-5d1e-4c3a-9f4e-2a7c1d9e0001",
                                     "0b6f8e0a-5d1e-4c3a-9f4e-2a7c1d9e0002",
                                     "0b6f8e0a-5d1e-4c3a-9f4e-2a7c1d9e0003"]}
PAYMENT_PAGE = f"{public_url()}/payments/{PAYMENT_FACTS['payment_id']}"


def payment_event(event_type: str, login_id: str, **facts) -> dict:
    """An envelope as payment's outbox publishes it (services/payment/interfaces.py)."""
    return {"event_id": str(uuid.uuid4()), "event_type": event_type, "source": PAYMENT,
            "occurred_at": "2026-12-01T01:05:00+00:00",
            "data": {**PAYMENT_FACTS, "login_id": login_id, **facts}}


def payment_mailed(smtp_sink, notify, envelope, subject):
    """The one mail the payment event made: its subject, to the payer, Japanese first, with the
    payment's page."""
    dispatch(notify, envelope)
    [mail] = wait_for(lambda: [m for m in smtp_sink.messages() if m["Subject"] == subject],
                      message=subject)
    body = mail.get_content()
    assert f"{PAYMENT_PAGE}\n" in body
    assert body.index("証明書: 3通") < body.index("(English)") < body.index("Certificates: 3")
    return mail, body


def test_a_payment_received_is_mailed_with_the_amount_the_receipt_and_printing(
        notify, smtp_sink, applicant):
    """ISS-8, ISS-12: the amount with separators, the receipt's number and PDF, and that the
    certificates can now be printed for 14 days."""
    mail, body = payment_mailed(smtp_sink, notify, payment_event(
        "payment_succeeded", applicant["login_id"], paid_at="2026-12-01T01:05:00+00:00",
        receipt_no="1504-R2026-000045"),
        "【貿易関係証明発給システム】手数料お支払い完了のお知らせ")

    assert mail["To"] == applicant["email"]
    assert body.startswith(f"さくら貿易\n{applicant['name']} 様")
    assert "お支払金額: 12,345円（税込）" in body and "Amount paid: 12,345 yen" in body
    assert "お支払日時: 2026-12-01 10:05（日本時間）" in body
    assert body.count("1504-R2026-000045") == 2
    assert f"{PAYMENT_PAGE.replace('/payments/', '/api/v1/payments/')}/receipt.pdf" in body
    assert "発給申請状況一覧から印刷できるようになりました" in body and "14日間" in body
    assert "for 14 days" in body


def test_a_declined_card_is_mailed_in_plain_words_with_the_way_to_try_again(
        notify, smtp_sink, applicant):
    """ISS-8: the decline code said as people say it; another card from the payment page."""
    mail, body = payment_mailed(smtp_sink, notify, payment_event(
        "payment_failed", applicant["login_id"], code="card_declined"),
        "【貿易関係証明発給システム】お支払いが完了しませんでした（カード決済エラー）")

    assert mail["To"] == applicant["email"]
    assert "理由: カードが承認されませんでした" in body
    assert "Reason: The card was declined" in body
    assert "card_declined" not in body
    assert "別のカードでもう一度お支払いいただけます" in body and "try another card" in body


def test_a_refund_is_mailed_with_the_amount_and_the_reason(notify, smtp_sink, applicant):
    mail, body = payment_mailed(smtp_sink, notify, payment_event(
        "payment_refunded", applicant["login_id"], refunded_jpy=12345,
        reason="同じ証明書を二重に申請されたため", by_login_id="staff01"),
        "【貿易関係証明発給システム】手数料返金のお知らせ")

    assert mail["To"] == applicant["email"]
    assert "返金額: 12,345円" in body and "Refunded: 12,345 yen" in body
    assert body.count("同じ証明書を二重に申請されたため") == 2  # Japanese and English
    assert "staff01" not in body  # who refunded is the chamber's record, not the mail's


def test_the_same_payment_event_twice_mails_once(notify, smtp_sink, applicant, db_session):
    """At-least-once delivery (a Stripe webhook may be acted on late): one mail."""
    envelope = payment_event("payment_succeeded", applicant["login_id"],
                             paid_at="2026-12-01T01:05:00+00:00", receipt_no="1504-R2026-000046")
    dispatch(notify, envelope)
    dispatch(notify, envelope)

    smtp_sink.wait_for_messages(1)
    time.sleep(1.5)  # delivery rounds after the second event: still one mail
    [mail] = smtp_sink.messages()
    assert "1504-R2026-000046" in mail.get_content()
    assert db_session("notify").query(MailMessage).count() == 1
    assert db_session("notify").query(ProcessedEvent).filter_by(
        event_id=envelope["event_id"]).count() == 1


def test_a_payer_id_that_is_gone_is_mailed_at_the_registrations_contact(
        notify, container_factory, smtp_sink, db_session):
    """A sub ID deleted after it paid (ID-6.6): the refund goes to the registration's contact."""
    session = db_session("registration")
    number = approve(session, submitted(session)).trade_registration_number
    session.commit()
    container_factory(RegistrationService).start()

    mail, body = payment_mailed(smtp_sink, notify, payment_event(
        "payment_refunded", "S0009999", trade_registration_number=number, refunded_jpy=1260,
        reason="発給を取り消したため", by_login_id="staff01"),
        "【貿易関係証明発給システム】手数料返金のお知らせ")

    assert mail["To"] == "i.suzuki@sakura.example.jp"
    assert body.startswith("さくら貿易 ご担当者様")
