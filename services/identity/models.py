from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, UniqueConstraint, func, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tradecert.db import TYPE_ANNOTATION_MAP, new_metadata
from tradecert.ratelimit import RateLimitMixin


class Base(DeclarativeBase):
    metadata = new_metadata()
    type_annotation_map = TYPE_ANNOTATION_MAP


class Chamber(Base):
    """A chamber of commerce: the tenant that scopes every ID (ID-9)."""

    __tablename__ = "chambers"

    cci_code: Mapped[str] = mapped_column(String(4), primary_key=True)
    name_ja: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    # REG-2: the registration fee is paid in cash at the chamber; it differs by membership.
    registration_fee_member_jpy: Mapped[int] = mapped_column(default=0)
    registration_fee_non_member_jpy: Mapped[int] = mapped_column(default=0)
    registration_validity_years: Mapped[int] = mapped_column(default=2)  # REG-9
    rules: Mapped[list] = mapped_column(JSON, default=list)
    # Whom applicants call (the manual): department_ja/_en, phone, email, hours_ja/_en.
    contact: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Registration(Base):
    """The company whose IDs these are: one approved trade registration with one chamber
    (REG-8, REG-10). Identity keeps what it prints and scopes by; registration owns the rest."""

    __tablename__ = "registrations"
    __table_args__ = (UniqueConstraint("cci_code", "trade_registration_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cci_code: Mapped[str] = mapped_column(ForeignKey("chambers.cci_code"))
    trade_registration_number: Mapped[str] = mapped_column(String(40))
    company: Mapped[dict] = mapped_column(JSON)  # name_ja, name_en, legal entity type/position
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Account(Base):
    """Any login: admin, user, sub ID or chamber staff; unique in its chamber (ID-9)."""

    __tablename__ = "accounts"
    __table_args__ = (
        UniqueConstraint("cci_code", "login_id"),
        # issue 12: the same Idempotency-Key from the same user ID answers the same sub ID
        Index("uq_accounts_idempotency_key", "creator_id", "idempotency_key", unique=True,
              postgresql_where=text("idempotency_key IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cci_code: Mapped[str] = mapped_column(ForeignKey("chambers.cci_code"))
    kind: Mapped[str] = mapped_column(String(10))  # admin | user | sub | staff
    login_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(200))
    must_change_password: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # admin, user and sub IDs belong to a registration; staff to the chamber only.
    # indexed (issue 13): a registration's IDs among hundreds of thousands
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id"),
                                                        index=True)
    # user IDs: the signer they were made for (REG-5), the registered signature (REG-7)
    signer: Mapped[dict | None] = mapped_column(JSON)  # signer_id, name_ja, name_en, title_en
    signature_file_id: Mapped[str | None] = mapped_column(String(64))
    email_verified_at: Mapped[datetime | None]  # ID-5
    # ID-3: the initial password, encrypted, kept only until the day of the first output
    initial_password_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    certificate_first_output_on: Mapped[date | None]
    # sub IDs (ID-6): the signer who made it, its notification and activation
    creator_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id",
                                                              ondelete="CASCADE"), index=True)
    phone: Mapped[str | None] = mapped_column(String(30))
    notified_at: Mapped[datetime | None]
    activated_at: Mapped[datetime | None]
    # A signer removed by an approved change request (変更申請), and the sub IDs it made: the
    # row stays (history, certificates issued), the ID no longer logs in or acts.
    retired_at: Mapped[datetime | None]
    # Staff locked this ID (a leaked one): no login, no session until unlocked. Its own
    # column, apart from any other reason an ID stops working.
    locked_at: Mapped[datetime | None]
    locked_by: Mapped[str | None] = mapped_column(String(32))  # the staff member's login ID
    unlocked_at: Mapped[datetime | None]
    unlocked_by: Mapped[str | None] = mapped_column(String(32))
    # a sub ID: the Idempotency-Key of the request that created it, if it sent one (issue 12)
    idempotency_key: Mapped[str | None] = mapped_column(String(255))


class Session(Base):
    """A login. A newer login with the same ID ends the older one (ID-8, ID-10): any number
    of tabs share one session, a second browser or person does not."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # A page login's cookie credential (its SHA-256): another secret than the API's bearer
    # token, so the cookie never carries a token the API accepts (and vice versa).
    cookie_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"),
                                            index=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_seen_at: Mapped[datetime] = mapped_column(server_default=func.now())
    ended_at: Mapped[datetime | None]
    # logout | replaced | expired | locked | password_reset
    end_reason: Mapped[str | None] = mapped_column(String(20))


class RateLimit(RateLimitMixin, Base):
    """Counters of failed logins (per address, per address and ID, per ID, known or not, so
    the answer never tells which), codes mailed and notifications sent (issue 9)."""


class EmailVerification(Base):
    """ID-5: the current confirmation code of a user ID (hashed), its expiry and attempts."""

    __tablename__ = "email_verifications"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"),
                                            primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    code_hash: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class SubIdActivation(Base):
    """ID-6.3: the single-use link mailed to a sub ID's holder."""

    __tablename__ = "sub_id_activations"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"),
                                            index=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    failed_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class AdminPasswordReset(Base):
    """A new admin password staff issued for a company that lost it. Kept sealed until the
    trade registration certificate that prints it exists; then it takes effect (only if no
    later one has), so identity never has a password that no certificate shows."""

    __tablename__ = "admin_password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"),
                                            index=True)
    password_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    issued_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    applied_at: Mapped[datetime | None]
