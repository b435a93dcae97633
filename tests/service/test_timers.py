"""Issue 12: the timers are safe when two processes of a service run them at the same moment
(two replicas in production) and when one runs twice. Each job claims its rows in
PostgreSQL itself, so they are tried here as two processes would run them: two threads, each
with its own engine (its own connections), started together on the run's real databases.

- notify's mail sender (every second): each mail is claimed with FOR UPDATE SKIP LOCKED and
  marked sent in the transaction that holds it; the other process takes the next mail.
- payment's reconciliation (every 30 s): the payment's row is locked and its status read
  again before Stripe's answer is acted on; the second finds it settled.
- registration's daily job (hourly): reminders and draft warnings are claimed with FOR UPDATE
  SKIP LOCKED and marked in the transaction that records their event.
(identity's and issuance's hourly prunes delete counters whose window has closed: a second
delete finds nothing, idempotent by construction.)"""
import smtplib
import threading
import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.notify import domain as notify
from services.notify.models import MailMessage
from services.payment import payments
from services.payment.dependencies import StripeApi
from services.payment.models import Payment, PaymentLine, ReceiptCounter
from services.registration import domain as registration
from services.registration.models import Registration
from tests.helpers.registration import approve, start, submitted
from tradecert import config
from tradecert.db import make_engine, utcnow
from tradecert.outbox import OutboxEvent

CONTEXT = {"name": "山田 太郎", "cci_code": "1504", "login_id": "staff01",
           "login_url": "http://127.0.0.1:8000/c/1504"}


@pytest.fixture
def engines(fresh_databases):
    """`engines(service)`: two engines on that service's database, one per 'process'."""
    made = []

    def two(service):
        made.extend(make_engine(config.database_url(service)) for _ in range(2))
        return made[-2:]

    yield two
    for engine in made:
        engine.dispose()


def at_once(job, engines) -> list:
    """Run `job(engine)` in one thread per engine, released together; their results."""
    results, errors = [None] * len(engines), []
    start_line = threading.Barrier(len(engines))

    def run(n, engine):
        start_line.wait(10)
        try:
            results[n] = job(engine)
        except Exception as exc:  # noqa: BLE001 — reported by the test below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n, e)) for n, e in enumerate(engines)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    return results


def count(session, statement) -> int:
    return session.scalar(select(func.count()).select_from(statement.subquery()))


# --- notify ------------------------------------------------------------------------------------

def deliver(engine, port: int) -> list[str]:
    """What NotifyService.deliver does in one process: one SMTP connection, each due mail in
    a transaction of its own; the Message-IDs it sent."""
    sent = []

    def send(email):
        smtp.send_message(email)
        sent.append(email["Message-ID"])
        time.sleep(0.01)  # an SMTP server's answer: the other process goes meanwhile

    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        while True:
            with Session(engine) as session, session.begin():
                if notify.deliver_next(session, send, sender="noreply@tradecert.localhost",
                                       max_attempts=8, backoff_base_s=0.2) is None:
                    return sent


def test_two_notify_processes_sending_at_once_send_each_mail_once(engines, smtp_sink):
    first, second = engines("notify")
    with Session(first) as session, session.begin():
        for n in range(30):
            notify.queue(session, to=f"staff{n}@example.jp", template="staff_account_created",
                         context=CONTEXT, sender_domain="tradecert.localhost")

    sent = at_once(lambda engine: deliver(engine, smtp_sink.port), [first, second])

    assert all(sent), "both processes sent some: they ran at the same time"
    assert sorted(sent[0] + sent[1]) == sorted(set(sent[0] + sent[1]))
    assert len(sent[0] + sent[1]) == 30
    received = smtp_sink.wait_for_messages(30)
    time.sleep(0.5)
    assert len(smtp_sink.messages()) == 30
    assert len({m["Message-ID"] for m in received}) == 30
    with Session(first) as session:
        assert session.scalars(select(MailMessage.attempts).distinct()).all() == [1]
        assert count(session, select(MailMessage).where(MailMessage.status == "sent")) == 30
    # and once more: nothing is due, nothing is sent
    assert deliver(first, smtp_sink.port) == []


# --- payment -----------------------------------------------------------------------------------

def paid_at_stripe(localstripe) -> tuple[StripeApi, str, str]:
    """(api, payment id, intent id): a PaymentIntent charged at the local Stripe server
    whose webhook never came (the gateway it names is not running)."""
    api = StripeApi(localstripe)
    payment_id = uuid.uuid4().hex
    intent = api.create_intent(payment_id, 3460, 1)
    card = api.client.v1.payment_methods.create(params={"type": "card", "card": {
        "number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}}).id
    api.set_payment_method(intent["id"], card)
    assert api.confirm(intent["id"])["status"] == "succeeded"
    return api, payment_id, intent["id"]


class SlowStripe:
    """The same API, answering after a while: the first reconciliation still holds the
    payment's row when the second asks for it."""

    def __init__(self, api):
        self.api = api

    def retrieve(self, intent_id):
        time.sleep(0.3)
        return self.api.retrieve(intent_id)


def test_two_reconciliations_at_once_settle_a_payment_once(engines, localstripe):
    first, second = engines("payment")
    api, payment_id, intent_id = paid_at_stripe(localstripe)
    with Session(first) as session, session.begin():
        session.add(Payment(id=payment_id, cci_code="1504", login_id="U0000001",
                            trade_registration_number="1504-000001", login_kind="user",
                            kind="card", status="open", amount_jpy=3460,
                            stripe_payment_intent=intent_id,
                            created_at=utcnow() - timedelta(minutes=10)))
        session.add(PaymentLine(payment_id=payment_id, position=1, application_id="a" * 32,
                                certificate_no="1504-2026-000001", certificate_type="co",
                                fee_jpy=3460))

    def reconcile(engine):
        with Session(engine) as session, session.begin():
            return payments.reconcile(session, payment_id, SlowStripe(api), utcnow())

    outcomes = at_once(reconcile, [first, second])

    assert sorted(outcomes) == ["settled", "settled_before"]
    with Session(first) as session:
        payment = session.get(Payment, payment_id)
        assert (payment.status, payment.receipt_no) == ("succeeded", "1504-R000001")
        assert session.get(ReceiptCounter, "1504").last == 1
        assert count(session, select(OutboxEvent).where(
            OutboxEvent.event_type == "payment_succeeded")) == 1
    # and once more, as the timer does 30 s later: nothing changes
    assert reconcile(first) == "settled_before"


# --- registration ------------------------------------------------------------------------------

def test_two_daily_jobs_at_once_remind_and_warn_once(engines):
    first, second = engines("registration")
    with Session(first) as session, session.begin():
        number = approve(session, submitted(session)).trade_registration_number
        draft, _ = start(session)
        draft.created_at = utcnow() - timedelta(days=51)  # removed in 9 days: warned now
    with Session(first) as session:
        valid_until = session.scalar(select(Registration.valid_until).where(
            Registration.trade_registration_number == number))
    day = valid_until - timedelta(days=30)

    def daily(engine):
        """What run_daily_jobs does; the transaction stays open a while, as a long run's
        would, so the other process runs while this one holds its rows."""
        with Session(engine) as session, session.begin():
            reminded = registration.send_renewal_reminders(session, day)
            warned, removed = registration.purge_old_drafts(session, utcnow())
            time.sleep(0.3)
            return reminded, warned

    results = at_once(daily, [first, second])

    assert sorted(results) == [(0, 0), (1, 1)]
    assert daily(first) == (0, 0)  # and once more: nothing
    with Session(first) as session:
        assert count(session, select(OutboxEvent).where(
            OutboxEvent.event_type == "registration_expiring")) == 1
        assert count(session, select(OutboxEvent).where(
            OutboxEvent.event_type == "draft_expiring")) == 1
