from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, func, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tradecert.db import TYPE_ANNOTATION_MAP, new_metadata
from tradecert.ratelimit import RateLimitMixin


class Base(DeclarativeBase):
    metadata = new_metadata()
    type_annotation_map = TYPE_ANNOTATION_MAP


class Invitation(Base):
    """REG-2: an e-mail address that agreed to the two rules, and its 60-day link."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    cci_code: Mapped[str] = mapped_column(String(4), index=True)
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Application(Base):
    """A trade registration application, from the consent page (REG-3) to approval (REG-8)."""

    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_number: Mapped[str] = mapped_column(String(30), unique=True)
    cci_code: Mapped[str] = mapped_column(String(4), index=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id"), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(12), index=True)  # draft|submitted|returned|approved
    company: Mapped[dict | None] = mapped_column(JSON)
    agreed_privacy_at: Mapped[datetime]
    agreed_terms_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    returned_reason: Mapped[str | None] = mapped_column(String(2000))
    draft_reminder_sent_at: Mapped[datetime | None]  # REG-10: 10 days before removal
    # REG-8: taken when approval starts and committed on its own, so a failed or repeated
    # approval reuses it: no number is lost or given twice.
    trade_registration_number: Mapped[str | None] = mapped_column(String(20), unique=True)


class ApplicationToken(Base):
    """The Bearer credential of an application until approval (API.md)."""

    __tablename__ = "application_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id",
                                                           ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Signer(Base):
    """REG-5: a person whose signature is registered; each gets a user ID at approval."""

    __tablename__ = "signers"

    id: Mapped[int] = mapped_column(primary_key=True)
    signer_id: Mapped[str] = mapped_column(String(36), unique=True)
    # a signer of an application (REG-5), or one added by a change request (変更申請)
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    change_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("change_requests.id", ondelete="CASCADE"), index=True)
    name_ja: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    reason: Mapped[str | None] = mapped_column(String(2000))  # REG-10: from the 16th signer
    signature_file_id: Mapped[str | None] = mapped_column(String(64))  # REG-7, by staff
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Registration(Base):
    """An approved trade registration (REG-8) and its validity (REG-9)."""

    __tablename__ = "registrations"
    __table_args__ = (UniqueConstraint("cci_code", "trade_registration_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cci_code: Mapped[str] = mapped_column(String(4))
    trade_registration_number: Mapped[str] = mapped_column(String(20))
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    company: Mapped[dict] = mapped_column(JSON)
    registration_fee_receipt_no: Mapped[str] = mapped_column(String(50))
    admin_login_id: Mapped[str] = mapped_column(String(32))
    certificate_file_id: Mapped[str] = mapped_column(String(64))
    valid_from: Mapped[date]
    valid_until: Mapped[date] = mapped_column(index=True)
    reminder_30_sent_at: Mapped[datetime | None]
    reminder_10_sent_at: Mapped[datetime | None]
    approved_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Renewal(Base):
    """REG-9: a renewal, from the admin's request (or none: the chamber may renew at the
    counter) to the chamber's renewal with the registration fee's receipt. Once renewed, the
    row is the renewal's history: the receipt, the old and the new end of validity, who and
    when. At most one request is open per registration."""

    __tablename__ = "renewals"
    __table_args__ = (Index("uq_renewals_open", "registration_id", unique=True,
                            postgresql_where=text("status = 'requested'")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), index=True)  # requested | renewed
    requested_at: Mapped[datetime | None]  # None: renewed at the counter without a request
    requested_by: Mapped[str | None] = mapped_column(String(32))  # the admin ID
    registration_fee_receipt_no: Mapped[str | None] = mapped_column(String(50))
    previous_valid_until: Mapped[date | None]
    valid_until: Mapped[date | None]
    renewed_at: Mapped[datetime | None]
    renewed_by: Mapped[str | None] = mapped_column(String(32))  # the staff ID


class ChangeRequest(Base):
    """変更申請: the admin ID asks to change an approved registration's company and signers.
    Applied at once when staff approve it (the registration's company, identity's IDs, a new
    trade registration certificate)."""

    __tablename__ = "change_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    change_request_number: Mapped[str] = mapped_column(String(30), unique=True)
    cci_code: Mapped[str] = mapped_column(String(4), index=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), index=True)  # submitted|returned|approved
    requested_by: Mapped[str] = mapped_column(String(32))  # the admin ID
    company: Mapped[dict | None] = mapped_column(JSON)  # the new company, when it changes
    # the signers to remove as they were when asked: login_id, name_ja, name_en, title_en
    signers_removed: Mapped[list] = mapped_column(JSON, default=list)
    returned_reason: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    # what approval gave the new signers: [{signer_id, login_id}]
    signers_added_ids: Mapped[list | None] = mapped_column(JSON)


class Counter(Base):
    """Numbers handed out in order: application numbers, trade registration numbers."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


class RateLimit(RateLimitMixin, Base):
    """Counters of invitations per client address (issue 9: each one mails any address)."""
