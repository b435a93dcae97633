"""printing and public verification (issue 11; ISS-8, ISS-9, ISS-12, ISS-14): the first
ORIGINAL printed and the outputs per version, every verification lookup, and the counters of
verification tries per client address

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("applications", sa.Column("first_printed_at", TZ))
    op.add_column("applications", sa.Column("first_printed_by", sa.String(40)))
    op.add_column("applications", sa.Column("originals_printed", sa.Integer, nullable=False,
                                            server_default="0"))
    op.add_column("applications", sa.Column("copies_printed", sa.Integer, nullable=False,
                                            server_default="0"))
    op.create_table(
        "verification_lookups",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("application_id", sa.String(32),
                  sa.ForeignKey("applications.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", TZ, nullable=False),
    )
    op.create_index("ix_verification_lookups_application", "verification_lookups",
                    ["application_id", "at"])
    op.create_table(
        "rate_limits",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("hits", sa.Integer, nullable=False),
        sa.Column("expires_at", TZ, nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("rate_limits")
    op.drop_index("ix_verification_lookups_application", table_name="verification_lookups")
    op.drop_table("verification_lookups")
    for column in ("copies_printed", "originals_printed", "first_printed_by",
                   "first_printed_at"):
        op.drop_column("applications", column)
