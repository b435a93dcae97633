"""fee schedules per chamber and their history

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

FEES = ("co_member_jpy", "co_non_member_jpy", "signature_member_jpy",
        "signature_non_member_jpy", "copy_member_jpy", "copy_non_member_jpy")


def upgrade() -> None:
    op.create_table(
        "fee_schedules",
        sa.Column("cci_code", sa.String(4), primary_key=True),
        *[sa.Column(name, sa.Integer, nullable=False) for name in FEES],
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
    )
    op.create_table(
        "fee_schedule_changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("cci_code", sa.String(4), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("changed_by", sa.String(64), nullable=False),
        sa.Column("old", sa.JSON, nullable=False),
        sa.Column("new", sa.JSON, nullable=False),
    )
    op.create_index("ix_fee_schedule_changes_cci_code", "fee_schedule_changes", ["cci_code"])


def downgrade() -> None:
    op.drop_table("fee_schedule_changes")
    op.drop_table("fee_schedules")
