"""Issue 12: every service's metrics on its process's own port (METRICS.port): the gauges
read at scrape time (outbox backlog, mails pending, payments open, queue depth) show what
the domain code put in the database, and the RPC calls a service handles are counted."""
import uuid
from datetime import timedelta

import nameko
import pytest
import requests
from nameko.testing.services import restrict_entrypoints
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from services.notify import domain as notify_domain
from services.notify.service import NotifyService
from services.payment import payments
from services.payment.service import PaymentService
from tests.conftest import free_port
from tradecert import outbox
from tradecert.db import utcnow
from tradecert.errors import NotFound

CONTEXT = {"name": "山田 太郎", "cci_code": "1504", "login_id": "staff01",
           "login_url": "http://127.0.0.1:8000/c/1504"}
PAYER = {"cci_code": "1504", "trade_registration_number": "1504-000001",
         "login_id": "U0000001", "kind": "user"}


def scrape(port: int) -> dict:
    """{(name, frozenset of labels): value} of every sample the endpoint serves."""
    response = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    assert response.status_code == 200
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.text)
            for sample in family.samples}


def value(samples: dict, name: str, **labels) -> float | None:
    return samples.get((name, frozenset(labels.items())))


@pytest.fixture
def metrics_port():
    port = free_port()
    with nameko.config.patch({"METRICS": {"port": port, "address": "127.0.0.1"}}):
        yield port


def queue_mails(session, count: int) -> list:
    return [notify_domain.queue(session, to=f"m{n}@example.jp", template="staff_account_created",
                                context=CONTEXT, sender_domain="example.jp")
            for n in range(count)]


def open_payment(session, status: str = "open"):
    payment = payments.create(session, PAYER, [{
        "application_id": uuid.uuid4().hex, "certificate_no": "1504-2026-000001",
        "certificate_type": "co_japan", "fee_jpy": 3460}], None, utcnow())
    payment.status = status
    return payment


def hold_outbox(session, source: str, count: int) -> None:
    """`count` events recorded through the outbox and due only in an hour, so the running
    relay leaves them where they are."""
    for n in range(count):
        outbox.record(session, source, "payment_failed", {
            "payment_id": f"p{n}", "cci_code": "1504", "application_ids": [],
            "trade_registration_number": "1504-000001", "login_id": "U0000001",
            "amount_jpy": 1, "code": "card_declined"})
    session.flush()
    session.execute(update(outbox.OutboxEvent)
                    .where(outbox.OutboxEvent.published_at.is_(None))
                    .values(next_attempt_at=utcnow() + timedelta(hours=1)))


def test_gauges_show_what_is_in_the_databases_and_queues(container_factory, db_session,
                                                         metrics_port):
    notify_session = db_session("notify")
    sent = queue_mails(notify_session, 3)[0]
    sent.status = "sent"  # two pending, one sent
    notify_session.commit()
    payment_session = db_session("payment")
    open_payment(payment_session)
    open_payment(payment_session)
    open_payment(payment_session, status="succeeded")
    hold_outbox(payment_session, "payment", 3)
    payment_session.commit()
    # only an RPC entrypoint each: no delivery round sends the mails, no reconciliation
    notify = container_factory(NotifyService)
    restrict_entrypoints(notify, "list_messages")
    payment = container_factory(PaymentService)
    restrict_entrypoints(payment, "fees")
    notify.start()
    payment.start()

    samples = scrape(metrics_port)

    assert value(samples, "tradecert_mails_pending", service="notify") == 2
    assert value(samples, "tradecert_payments_open", service="payment") == 2
    assert value(samples, "tradecert_outbox_pending", service="payment") == 3
    assert value(samples, "tradecert_outbox_pending", service="notify") == 0
    assert value(samples, "tradecert_queue_messages", service="payment",
                 queue="rpc-payment") == 0
    assert value(samples, "tradecert_queue_consumers", service="payment",
                 queue="rpc-payment") == 1


def test_rpc_calls_a_service_handles_are_counted_by_method_and_outcome(
        container_factory, rpc_client, metrics_port):
    payment = container_factory(PaymentService)
    restrict_entrypoints(payment, "fees", "get_payment")
    payment.start()
    before = scrape(metrics_port)

    rpc_client.payment.fees("1504")
    with pytest.raises(NotFound):
        rpc_client.payment.get_payment(PAYER, "0" * 32)
    after = scrape(metrics_port)

    def moved(name, **labels):
        return (value(after, name, **labels) or 0) - (value(before, name, **labels) or 0)

    assert moved("tradecert_rpc_handled_total", service="payment", method="fees",
                 outcome="ok") == 1
    assert moved("tradecert_rpc_handled_total", service="payment", method="get_payment",
                 outcome="expected") == 1
    assert moved("tradecert_rpc_handled_duration_seconds_count", service="payment",
                 method="fees", outcome="ok") == 1


def test_a_port_already_taken_leaves_the_service_running(container_factory, rpc_client):
    """Metrics never stop a service: the port is logged as unavailable, the service runs."""
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with nameko.config.patch({"METRICS": {"port": port}}):
            payment = container_factory(PaymentService)
            restrict_entrypoints(payment, "fees")
            payment.start()

        assert rpc_client.payment.fees("1504")["co"]


def test_queue_depth_survives_a_broken_broker_connection(rabbit_config):
    """The kept connection breaks (as when the broker restarts): the scrape connects anew."""
    import socket

    import kombu

    from tradecert import config
    from tradecert.metrics import QueueDepths

    uri = config.get("AMQP_URI")
    with kombu.Connection(uri) as connection:
        queue = kombu.Queue("rpc-probe", durable=False)
        connection.Producer().publish({"x": 1}, routing_key="rpc-probe", declare=[queue])
    depths = QueueDepths(uri)
    depths.names = ["rpc-probe", "rpc-absent"]
    first = depths.samples("probe")
    broken = depths.connection
    broken.connection.sock.shutdown(socket.SHUT_RDWR)  # the broker went away

    again = depths.samples("probe")

    assert [(s.name, s.labels["queue"], s.value) for s in first] == [
        ("tradecert_queue_messages", "rpc-probe", 1),
        ("tradecert_queue_consumers", "rpc-probe", 0)]  # rpc-absent: not declared, left out
    assert again == first and depths.connection is not broken
    depths.close()
