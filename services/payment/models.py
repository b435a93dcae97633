from datetime import datetime

from sqlalchemy import JSON, String, func
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
