"""The transactional outbox (ARCHITECTURE: Messages): an event is committed with its change,
published after the commit, published later if that fails (at once when the broker is back,
issue 12), and acted on once."""
import time
from unittest.mock import Mock

import kombu.exceptions
import pytest
from nameko.testing.services import entrypoint_waiter
from nameko.testing.utils import get_extension
from sqlalchemy import update

from services.identity.service import IdentityService
from services.notify.models import MailMessage
from services.notify.service import NotifyService
from tests.conftest import wait_for
from tradecert.errors import ValidationFailed
from tradecert.outbox import OutboxEvent, OutboxRelay, ProcessedEvent

CHAMBER = {"cci_code": "1504", "name_ja": "さいたま商工会議所", "name_en": "Saitama CCI"}
STAFF = {"cci_code": "1504", "login_id": "staff01", "password": "Passw0rdX",
         "email": "staff01@example.jp"}


def outbox_rows(db_session):
    session = db_session("identity")
    session.expire_all()
    return session.query(OutboxEvent).filter_by(event_type="account_created").all()


def failed_rows(db_session, attempts: int = 1):
    """Rows whose publish failed (the first of them: with the broker down, the relay tries
    the oldest row each round and leaves the rest for a round with a broker)."""
    session = db_session("identity")
    session.expire_all()
    return session.query(OutboxEvent).filter(OutboxEvent.attempts >= attempts).all()


def staff_mails(db_session):
    session = db_session("notify")
    session.expire_all()
    return session.query(MailMessage).filter_by(template="staff_account_created").all()


@pytest.fixture
def notify(container_factory, smtp_sink):
    container = container_factory(NotifyService)
    container.start()
    return container


def start_identity(container_factory):
    container = container_factory(IdentityService)
    container.start()
    return container


def test_event_whose_publish_fails_after_commit_is_delivered_once_after_restart(
        notify, container_factory, rpc_client, db_session, smtp_sink):
    identity = start_identity(container_factory)
    relay = get_extension(identity, OutboxRelay)
    relay.publisher.publish = Mock(side_effect=ConnectionError("broker went away"))

    rpc_client.identity.add_chamber(CHAMBER)
    rpc_client.identity.add_staff(STAFF)  # committed; the publish after it fails

    failed = wait_for(lambda: failed_rows(db_session), message="a failed publish")[0]
    assert failed.published_at is None and "broker went away" in failed.last_error
    assert outbox_rows(db_session)[0].published_at is None
    identity.kill()  # the process dies with the event unpublished

    start_identity(container_factory)  # restart: the relay finds the row and publishes it

    wait_for(lambda: outbox_rows(db_session)[0].published_at, message="publish after restart")
    mails = wait_for(lambda: staff_mails(db_session), message="notify acting on the event")
    assert [m.to_address for m in mails] == ["staff01@example.jp"]
    delivered = smtp_sink.wait_for_messages(1)
    assert delivered[0]["Subject"] == "【貿易関係証明発給システム】職員アカウント登録のお知らせ"


def test_rows_held_back_by_a_broker_outage_go_out_as_soon_as_it_is_back(
        notify, container_factory, rpc_client, db_session, smtp_sink):
    """Issue 12: a broker that cannot be reached is not the row's fault: the row does not
    back off (2, 4, 8 ... s), so a long outage does not delay it further once it is over."""
    identity = start_identity(container_factory)
    relay = get_extension(identity, OutboxRelay)
    publish = relay.publisher.publish
    relay.publisher.publish = Mock(side_effect=kombu.exceptions.OperationalError(
        "[Errno 111] ECONNREFUSED"))

    rpc_client.identity.add_chamber(CHAMBER)
    rpc_client.identity.add_staff(STAFF)
    wait_for(lambda: failed_rows(db_session, attempts=4),
             message="four failed rounds")  # with a backoff: due 16 s later
    relay.publisher.publish = publish  # the broker is back
    back = time.monotonic()

    wait_for(lambda: outbox_rows(db_session)[0].published_at, 3, message="the publish")
    assert time.monotonic() - back < 2  # the next round (TRADECERT_OUTBOX_POLL_S: 0.2 s)
    assert [m.to_address for m in wait_for(lambda: staff_mails(db_session))] == [
        "staff01@example.jp"]


def test_an_event_published_twice_is_acted_on_once(notify, container_factory, rpc_client,
                                                     db_session, smtp_sink):
    start_identity(container_factory)
    rpc_client.identity.add_chamber(CHAMBER)
    rpc_client.identity.add_staff(STAFF)
    wait_for(lambda: staff_mails(db_session), message="the first delivery")

    # At-least-once delivery: the same row goes out again (as after a crash between the
    # publish and the commit that marks it published). Defect 5: wait until notify has
    # handled that second delivery, not for a count that was already right before it.
    with entrypoint_waiter(notify, "on_account_created", timeout=10):
        session = db_session("identity")
        session.execute(update(OutboxEvent).where(OutboxEvent.event_type == "account_created")
                        .values(published_at=None))
        session.commit()
    assert outbox_rows(db_session)[0].published_at is not None

    assert len(staff_mails(db_session)) == 1
    assert db_session("notify").query(ProcessedEvent).count() == 1
    smtp_sink.wait_for_messages(1)
    assert len(smtp_sink.messages()) == 1


def test_a_rolled_back_change_records_no_event(container_factory, rpc_client, db_session):
    start_identity(container_factory)
    rpc_client.identity.add_chamber(CHAMBER)
    with pytest.raises(ValidationFailed):
        rpc_client.identity.add_staff({**STAFF, "password": "nodigits"})
    assert outbox_rows(db_session) == []
