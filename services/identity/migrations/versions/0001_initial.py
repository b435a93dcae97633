"""chambers and accounts

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

from tradecert import outbox

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    outbox.create_tables(op)
    op.create_table(
        "chambers",
        sa.Column("cci_code", sa.String(4), primary_key=True),
        sa.Column("name_ja", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("registration_fee_member_jpy", sa.Integer, nullable=False),
        sa.Column("registration_fee_non_member_jpy", sa.Integer, nullable=False),
        sa.Column("registration_validity_years", sa.Integer, nullable=False),
        sa.Column("rules", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("cci_code", sa.String(4), sa.ForeignKey("chambers.cci_code"), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("login_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254)),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("must_change_password", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.UniqueConstraint("cci_code", "login_id", name="uq_accounts_cci_code"),
    )


def downgrade() -> None:
    op.drop_table("accounts")
    op.drop_table("chambers")
    op.drop_table("processed_events")
    op.drop_table("outbox_events")
