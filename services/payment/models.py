from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, func, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tradecert.db import TYPE_ANNOTATION_MAP, new_metadata


class Base(DeclarativeBase):
    """Payment's tables; the outbox tables come from tradecert.outbox."""

    metadata = new_metadata()
    type_annotation_map = TYPE_ANNOTATION_MAP


class FeeSchedule(Base):
    """ISS-11: one chamber's own fees, yen, tax included, member and non-member, per
    certificate (a certificate of origin, a signature certification) and per extra copy.
    A chamber without a row charges the configured default (PAYMENT.default_fees_jpy)."""

    __tablename__ = "fee_schedules"

    cci_code: Mapped[str] = mapped_column(String(4), primary_key=True)
    co_member_jpy: Mapped[int]
    co_non_member_jpy: Mapped[int]
    signature_member_jpy: Mapped[int]
    signature_non_member_jpy: Mapped[int]
    copy_member_jpy: Mapped[int]
    copy_non_member_jpy: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_by: Mapped[str] = mapped_column(String(64))


class FeeScheduleChange(Base):
    """Every change of a chamber's fees, never altered: who, when, the fees before (the
    default when the chamber had set none) and after. An application's fee is fixed when it
    is certified (API.md), so a later change never alters what was charged."""

    __tablename__ = "fee_schedule_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    cci_code: Mapped[str] = mapped_column(String(4), index=True)
    changed_at: Mapped[datetime] = mapped_column(server_default=func.now())
    changed_by: Mapped[str] = mapped_column(String(64))
    old: Mapped[dict] = mapped_column(JSON)  # {co, signature, copy: {member, non_member}}
    new: Mapped[dict] = mapped_column(JSON)


class Payment(Base):
    """One card payment for one or many certified applications of one registration (ISS-8,
    ISS-11): one Stripe PaymentIntent in yen at a time (`stripe_payment_intent`; a new one
    only when the intent can take no other card after a decline, `attempt`). `open` until
    charged (`succeeded`, with the chamber's next receipt number) or given up (`failed`);
    `refunded` by staff, once, never more than was paid."""

    __tablename__ = "payments"
    __table_args__ = (
        # API.md: an `Idempotency-Key` makes a retry return the same payment (per ID)
        Index("uq_payments_idempotency_key", "cci_code", "login_id", "idempotency_key",
              unique=True, postgresql_where=text("idempotency_key IS NOT NULL")),
        UniqueConstraint("cci_code", "receipt_no", name="uq_payments_receipt_no"),
        Index("ix_payments_registration", "cci_code", "trade_registration_number", "paid_at"),
        Index("ix_payments_chamber", "cci_code", "created_at"),
        Index("ix_payments_open", "status", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    cci_code: Mapped[str] = mapped_column(String(4))
    trade_registration_number: Mapped[str] = mapped_column(String(20))
    login_id: Mapped[str] = mapped_column(String(40))  # who pays: a user or sub ID
    login_kind: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(12))  # "card"
    status: Mapped[str] = mapped_column(String(12))
    amount_jpy: Mapped[int]
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    stripe_payment_intent: Mapped[str | None] = mapped_column(String(255))
    client_secret: Mapped[str | None] = mapped_column(String(255))
    attempt: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]
    receipt_no: Mapped[str | None] = mapped_column(String(24))
    refunded_jpy: Mapped[int] = mapped_column(default=0, server_default="0")
    refunded_at: Mapped[datetime | None]
    refund_reason: Mapped[str | None] = mapped_column(String(2000))
    refunded_by: Mapped[str | None] = mapped_column(String(64))
    stripe_refund: Mapped[str | None] = mapped_column(String(255))


class PaymentLine(Base):
    """One application in a payment, with what the receipt prints for it. `active` while
    its payment is open or succeeded: an application is in at most one such payment (a
    second one is a 409), and a failed payment frees it."""

    __tablename__ = "payment_lines"
    __table_args__ = (
        Index("uq_payment_lines_active_application", "application_id", unique=True,
              postgresql_where=text("active")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[str] = mapped_column(ForeignKey("payments.id", ondelete="CASCADE"),
                                            index=True)
    position: Mapped[int]
    application_id: Mapped[str] = mapped_column(String(32))
    certificate_no: Mapped[str] = mapped_column(String(20))
    certificate_type: Mapped[str] = mapped_column(String(12))
    fee_jpy: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True, server_default="true")


class ReceiptCounter(Base):
    """The last receipt number given per chamber: one upsert in the transaction that marks a
    payment succeeded, so numbers are consecutive and a rolled-back one leaves no gap."""

    __tablename__ = "receipt_counters"

    cci_code: Mapped[str] = mapped_column(String(4), primary_key=True)
    last: Mapped[int]


class StripeEvent(Base):
    """Each Stripe event id acted on, once (Stripe sends events at least once)."""

    __tablename__ = "stripe_events"

    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(server_default=func.now())
