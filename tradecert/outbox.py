"""Transactional outbox: an event is a row written in the same transaction as the change it
reports, and published from there with publisher confirms (ARCHITECTURE: Messages).

- Every event is described by a marshmallow schema in its publisher's `interfaces.py`, which
  registers them here (`register_events`). `record` refuses an event with no schema or a
  payload that breaks it (`EventContractBroken`), so a bad event is never committed, and
  `once_per_event` checks it again before a consumer acts on it.
- `record(session, source, event_type, data)` adds the row; the caller's commit makes it
  durable.
- `OutboxRelay` (a DependencyProvider every service declares) publishes pending rows to the
  service's Nameko events exchange right after each commit and on a short poll, so a row
  whose publish failed, or whose process died between commit and publish, goes out later.
  Delivery is at least once. While the broker cannot be reached (it restarts) the rows wait
  without backing off, so they go out at the first round after it is back (issue 12).
- `once_per_event` makes an event handler idempotent: it remembers the event id in the
  handler's own transaction and skips an id it has seen.
"""
import functools
import threading
import uuid
from datetime import datetime, timedelta

import structlog
from marshmallow import Schema
from nameko.amqp.publish import Publisher, UndeliverableMessage
from nameko.constants import AMQP_URI_CONFIG_KEY, DEFAULT_AMQP_URI, PERSISTENT
from nameko.events import get_event_exchange
from nameko.extensions import DependencyProvider
from nameko.messaging import encode_to_headers
from sqlalchemy import JSON, BigInteger, String, Text, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from tradecert import config
from tradecert.amqp import BROKER_UNREACHABLE, transport_options
from tradecert.db import TYPE_ANNOTATION_MAP, Database, new_metadata, utcnow
from tradecert.logs import REQUEST_ID_KEY, get_logger
from tradecert.metrics import DatabaseGauge

log = get_logger(__name__)

#: An event nobody has bound a queue for is retried this long, then given up (logged).
UNROUTABLE_GIVE_UP = timedelta(hours=1)
#: `last_error` of such an event meanwhile.
UNROUTABLE = "unroutable: no queue bound"
MAX_BACKOFF_S = 60


#: (publishing service, event type) -> the schema of its `data`, from the publisher's
#: interfaces.py. The shared package imports no service: each registers its own.
_EVENT_SCHEMAS: dict[tuple[str, str], type[Schema]] = {}


class EventContractBroken(Exception):
    """An event with no schema, or whose data breaks it: a bug in the publisher."""


def register_events(source: str, events: dict[str, type[Schema]]) -> None:
    """Called by `services/<source>/interfaces.py` with its EVENTS (event type -> schema)."""
    for event_type, schema in events.items():
        _EVENT_SCHEMAS[(source, event_type)] = schema


def event_errors(source: str, event_type: str, data) -> dict:
    """What is wrong with an event's data against its publisher's schema ({} when valid)."""
    schema = _EVENT_SCHEMAS.get((source, event_type))
    if schema is None:
        return {"_event": [f"no schema registered for {source}/{event_type}"]}
    if not isinstance(data, dict):
        return {"_event": ["data is not an object"]}
    return schema().validate(data)


class OutboxBase(DeclarativeBase):
    metadata = new_metadata()
    type_annotation_map = TYPE_ANNOTATION_MAP


class OutboxEvent(OutboxBase):
    __tablename__ = "outbox_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    event_type: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict] = mapped_column(JSON)
    request_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    published_at: Mapped[datetime | None] = mapped_column(nullable=True, index=True)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_error: Mapped[str | None] = mapped_column(Text)


class ProcessedEvent(OutboxBase):
    """Ids of events this service's handlers have already acted on."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(50))
    handler: Mapped[str] = mapped_column(String(100), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(server_default=func.now())


def create_tables(op) -> None:
    """Called from every service's first migration: the outbox tables live in each database."""
    import sqlalchemy as sa

    op.create_table(
        "outbox_events",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("request_id", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), index=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("last_error", sa.Text),
    )
    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("handler", sa.String(100), primary_key=True),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("source", sa.String(50), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
    )


def record(session: Session, source: str, event_type: str, data: dict) -> dict:
    """Add an event to the outbox in the caller's transaction; returns the envelope. Raises
    EventContractBroken (so the change is rolled back too) when `data` is not what the
    publisher's schema for `event_type` says."""
    errors = event_errors(source, event_type, data)
    if errors:
        # Field names and marshmallow's messages only: the data may hold a code or a token.
        raise EventContractBroken(f"{source}/{event_type}: {errors}")
    envelope = {
        "event_id": str(uuid.uuid4()),
        "event_type": event_type,
        "source": source,
        "occurred_at": utcnow().isoformat(),
        "data": data,
    }
    request_id = structlog.contextvars.get_contextvars().get(REQUEST_ID_KEY)
    session.add(OutboxEvent(event_id=envelope["event_id"], event_type=event_type,
                            payload=envelope, request_id=request_id))
    session.info["outbox_pending"] = True
    return envelope


def claim(session: Session, envelope: dict, handler: str) -> bool:
    """Remember that `handler` acted on this event; False when it already had."""
    inserted = session.execute(
        insert(ProcessedEvent)
        .values(event_id=envelope["event_id"], event_type=envelope["event_type"],
                source=envelope["source"], handler=handler)
        .on_conflict_do_nothing()
        .returning(ProcessedEvent.event_id)
    ).first()
    return inserted is not None


def once_per_event(method):
    """Decorate an event handler `(self, session, envelope)`; it runs once per event id, in
    one transaction with the record of having run (consumers are idempotent). An event that
    breaks its publisher's schema (the consumer imports `services.<publisher>.interfaces`) is
    logged and not acted on."""

    @functools.wraps(method)
    def handler(self, envelope):
        errors = event_errors(envelope.get("source"), envelope.get("event_type"),
                              envelope.get("data"))
        if errors:
            log.error("event_invalid_skipped", event_id=envelope.get("event_id"),
                      event_type=envelope.get("event_type"), source=envelope.get("source"),
                      errors=errors)
            return None
        with self.db.transaction() as session:
            if not claim(session, envelope, method.__name__):
                log.info("event_duplicate_skipped", event_id=envelope["event_id"],
                         event_type=envelope["event_type"])
                return None
            return method(self, session, envelope)

    return handler


def pending_count(session: Session) -> int:
    """Events recorded and not yet published (by the index on `published_at`)."""
    return session.scalar(select(func.count()).select_from(OutboxEvent)
                          .where(OutboxEvent.published_at.is_(None)))


#: Issue 12: the backlog, read when Prometheus scrapes (`Metrics` reads its service's
#: dependencies' `gauges`). Growing: the broker is away or the relay is stuck.
BACKLOG = DatabaseGauge("tradecert_outbox_pending",
                        "Events in a service's outbox not yet published", pending_count)


class OutboxRelay(DependencyProvider):
    """Publishes this service's outbox. Not injected into workers: it works on its own."""

    gauges = (BACKLOG,)

    def setup(self):
        service = self.container.service_name
        settings = config.section("OUTBOX")
        self.poll_interval = float(settings.get("poll_interval_s", 2))
        self.batch_size = int(settings.get("batch_size", 100))
        self.database = next(dep for dep in self.container.dependencies
                             if isinstance(dep, Database))
        self.database.on_commit(self._after_commit)
        self.exchange = get_event_exchange(service)
        self.publisher = Publisher(
            config.get(AMQP_URI_CONFIG_KEY, DEFAULT_AMQP_URI),
            use_confirms=True, mandatory=True, delivery_mode=PERSISTENT,
            serializer=self.container.serializer, declare=[self.exchange],
        )
        self.publisher.transport_options = transport_options()  # issue 12: back soon
        self._wake = threading.Event()
        self._running = False

    def start(self):
        self._running = True
        self._thread = self.container.spawn_managed_thread(self._run, identifier="outbox_relay")

    def stop(self):
        self._running = False
        self._wake.set()
        self._thread.wait()

    def kill(self):
        self._running = False
        self._wake.set()

    def get_dependency(self, worker_ctx):
        return None

    def _after_commit(self, session):
        if session.info.pop("outbox_pending", False):
            self._wake.set()

    def _run(self):
        while self._running:
            try:
                full_batch = self.relay_once() >= self.batch_size
            except Exception:
                log.exception("outbox_relay_failed")
                full_batch = False
            if not full_batch:
                self._wake.wait(self.poll_interval)
                self._wake.clear()

    def relay_once(self) -> int:
        """Publish the due rows; returns how many it looked at (0 when the broker failed
        it: the next round waits for the poll interval)."""
        with self.database.sessionmaker() as session, session.begin():
            rows = session.scalars(
                select(OutboxEvent)
                .where(OutboxEvent.published_at.is_(None),
                       OutboxEvent.next_attempt_at <= func.now())
                .order_by(OutboxEvent.id)
                .limit(self.batch_size)
                .with_for_update(skip_locked=True)  # several processes of one service
            ).all()
            for row in rows:
                if not self._publish(row):
                    return 0  # the broker is down: the rest waits for the next round
            return len(rows)

    def _publish(self, row: OutboxEvent) -> bool:
        now = utcnow()
        try:
            self.publisher.publish(
                row.payload, exchange=self.exchange, routing_key=row.event_type,
                message_id=row.event_id,
                extra_headers=encode_to_headers({REQUEST_ID_KEY: row.request_id}),
            )
        except UndeliverableMessage:
            # No consumer has declared its queue yet (it may still be starting).
            if now - row.created_at > UNROUTABLE_GIVE_UP:
                log.warning("outbox_event_unroutable_given_up", event_id=row.event_id,
                            event_type=row.event_type)
                row.published_at = now
            self._retry_later(row, now, UNROUTABLE)
            return True
        except Exception as exc:  # noqa: BLE001 — broker down or refused: retry later
            log.warning("outbox_publish_failed", event_id=row.event_id, error=repr(exc))
            # the broker's state, not the row's: such a row does not back off
            self._retry_later(row, now, repr(exc),
                              backoff=not isinstance(exc, BROKER_UNREACHABLE))
            return False
        row.published_at = now
        log.info("event_published", event_id=row.event_id, event_type=row.event_type)
        return True

    @staticmethod
    def _retry_later(row: OutboxEvent, now, error: str, backoff: bool = True) -> None:
        """Due again after a backoff that doubles with its attempts; or, when the broker
        could not be reached, at the next round (the publish's own retries and the poll
        interval pace those, and a backoff would hold the row back long after the broker is
        back: 2, 4, 8 ... 60 s)."""
        row.attempts += 1
        row.last_error = error[:2000]
        if backoff:
            row.next_attempt_at = now + timedelta(seconds=min(MAX_BACKOFF_S, 2 ** row.attempts))
