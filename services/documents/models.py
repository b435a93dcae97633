from datetime import datetime

from sqlalchemy import String, UniqueConstraint, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tradecert.db import TYPE_ANNOTATION_MAP, new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()
    type_annotation_map = TYPE_ANNOTATION_MAP


class RenderedDocument(Base):
    """A rendered (and, for certified kinds, signed) PDF, by the payload it was made from:
    the same payload again returns the same file instead of a new one."""

    __tablename__ = "rendered_documents"
    __table_args__ = (UniqueConstraint("kind", "payload_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload_hash: Mapped[str] = mapped_column(String(64))  # domain.content_key
    file_id: Mapped[str] = mapped_column(String(64), index=True)
    cci_code: Mapped[str | None] = mapped_column(String(4))
    size: Mapped[int]
    pages: Mapped[int]
    signed: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class StoredImage(Base):
    """A signature image extracted from a scan (REG-7), kept in the file store."""

    __tablename__ = "stored_images"

    file_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    source_file_id: Mapped[str] = mapped_column(String(64))  # the uploaded scan, kept too
    width: Mapped[int]
    height: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
