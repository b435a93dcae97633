from sqlalchemy.orm import DeclarativeBase

from tradecert.db import TYPE_ANNOTATION_MAP, new_metadata


class Base(DeclarativeBase):
    """Issuance's tables; the outbox tables come from tradecert.outbox."""

    metadata = new_metadata()
    type_annotation_map = TYPE_ANNOTATION_MAP
