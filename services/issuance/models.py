from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, func, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tradecert.db import TYPE_ANNOTATION_MAP, new_metadata
from tradecert.ratelimit import RateLimitMixin


class Base(DeclarativeBase):
    """Issuance's tables; the outbox tables come from tradecert.outbox."""

    metadata = new_metadata()
    type_annotation_map = TYPE_ANNOTATION_MAP


class Application(Base):
    """An application for a certificate of origin or a signature certification (ISS-1), from
    the draft to its certificate (API.md "Statuses"). `body` is what was entered, as the API
    takes it; the columns beside it are what the lists filter and sort on, and the facts fixed
    at certification (number, access code, fee, box 1, the signer)."""

    __tablename__ = "applications"
    __table_args__ = (
        # 「発給申請状況一覧」: a registration's applications, newest first (ISS-2), all or of
        # one status, and a sub ID's own (ISS-3). Each list counts its rows for `pages`: with
        # every filtered column in the index that count is an index-only scan (issue 10,
        # benchmarks/issuance.py), not a read of the table.
        Index("ix_applications_registration", "cci_code", "trade_registration_number",
              "updated_at"),
        Index("ix_applications_registration_status", "cci_code", "trade_registration_number",
              "status", "updated_at"),
        Index("ix_applications_applicant", "cci_code", "trade_registration_number",
              "applicant_login_id", "updated_at"),
        # the chamber's queue, oldest submission first
        Index("ix_applications_queue", "cci_code", "status", "submitted_at"),
        UniqueConstraint("cci_code", "certificate_no", name="uq_applications_certificate_no"),
        # issue 12: the same Idempotency-Key from the same ID answers the same application
        Index("uq_applications_idempotency_key", "cci_code", "applicant_account_id",
              "idempotency_key", unique=True,
              postgresql_where=text("idempotency_key IS NOT NULL")),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    cci_code: Mapped[str] = mapped_column(String(4))
    trade_registration_number: Mapped[str] = mapped_column(String(20))
    certificate_type: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12))
    # ISS-3: who applies (a user or sub ID) and who signs (the user ID; a sub ID's creator)
    applicant_login_id: Mapped[str] = mapped_column(String(40))
    applicant_kind: Mapped[str] = mapped_column(String(8))
    applicant_account_id: Mapped[int]
    signer_login_id: Mapped[str] = mapped_column(String(40))
    # for the staff queue without asking other services per row: box 1's name and the
    # signer's name as they were when the application was last saved
    exporter_name: Mapped[str] = mapped_column(String(300))
    signer_name: Mapped[str] = mapped_column(String(300))
    body: Mapped[dict] = mapped_column(JSON)
    consignee_name: Mapped[str | None] = mapped_column(String(300))
    destination_country: Mapped[str | None] = mapped_column(String(300))
    copy_of_id: Mapped[str | None] = mapped_column(String(32))
    replaces_id: Mapped[str | None] = mapped_column(ForeignKey("applications.id"))
    replaced_by_id: Mapped[str | None] = mapped_column(String(32))
    return_reason: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    # fixed at certification (ISS-2, ISS-9, ISS-11)
    certificate_no: Mapped[str | None] = mapped_column(String(20))
    access_code: Mapped[str | None] = mapped_column(String(16))
    issued_on: Mapped[date | None]
    certified_at: Mapped[datetime | None]
    fee_jpy: Mapped[int | None]
    membership: Mapped[str | None] = mapped_column(String(12))
    certificate: Mapped[dict | None] = mapped_column(JSON)  # the payload the PDF was made of
    certificate_file_id: Mapped[str | None] = mapped_column(String(64))
    # issue 11 sets these when the fee is paid
    paid_at: Mapped[datetime | None]
    print_until: Mapped[date | None]
    # ISS-8, ISS-12 (issue 11): the first ORIGINAL printed, when and by whom, and how many
    # times each version was output, for staff
    first_printed_at: Mapped[datetime | None]
    first_printed_by: Mapped[str | None] = mapped_column(String(40))
    originals_printed: Mapped[int] = mapped_column(default=0, server_default="0")
    copies_printed: Mapped[int] = mapped_column(default=0, server_default="0")
    # issue 12: the Idempotency-Key of the request that created it, if it sent one
    idempotency_key: Mapped[str | None] = mapped_column(String(255))


class StatusChange(Base):
    """Every change of an application's state: who, when, why (issue 10)."""

    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[str] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    at: Mapped[datetime]
    by_login_id: Mapped[str] = mapped_column(String(40))
    by_kind: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str | None] = mapped_column(String(2000))


class Attachment(Base):
    """A file attached to an application (API.md): its kind, name and hash; the bytes are in
    the documents store under `file_id`."""

    __tablename__ = "attachments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    application_id: Mapped[str] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    file_id: Mapped[str] = mapped_column(String(64))
    pages: Mapped[int | None]
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(40))


class CertificateCounter(Base):
    """The last certificate number given per chamber and year. Taken with one upsert in the
    certification's transaction, so the row stays locked until it commits: concurrent
    certifications queue on it, and a rolled-back one gives its number back (no gaps)."""

    __tablename__ = "certificate_counters"

    cci_code: Mapped[str] = mapped_column(String(4), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int]


class VerificationLookup(Base):
    """One answered verification of a certificate (ISS-9, ISS-14): staff see how often and
    when a certificate was checked."""

    __tablename__ = "verification_lookups"
    __table_args__ = (Index("ix_verification_lookups_application", "application_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[str] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"))
    at: Mapped[datetime]


class RateLimit(RateLimitMixin, Base):
    """Counters of verification tries per client address (ISS-9: a public page)."""
