from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tradecert.db import TYPE_ANNOTATION_MAP, new_metadata


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
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Account(Base):
    """Any login: admin, user, sub ID or chamber staff; unique in its chamber (ID-9)."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("cci_code", "login_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cci_code: Mapped[str] = mapped_column(ForeignKey("chambers.cci_code"))
    kind: Mapped[str] = mapped_column(String(10))  # admin | user | sub | staff
    login_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(200))
    must_change_password: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
