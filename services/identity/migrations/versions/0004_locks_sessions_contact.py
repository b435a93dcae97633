"""staff lock IDs, new admin passwords, page sessions' own cookie credential, chamber contact

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("chambers", sa.Column("contact", sa.JSON))
    for name in ("locked_at", "unlocked_at"):
        op.add_column("accounts", sa.Column(name, sa.DateTime(timezone=True)))
    for name in ("locked_by", "unlocked_by"):
        op.add_column("accounts", sa.Column(name, sa.String(32)))
    op.add_column("sessions", sa.Column("cookie_hash", sa.String(64)))
    op.create_unique_constraint("uq_sessions_cookie_hash", "sessions", ["cookie_hash"])
    op.create_table(
        "admin_password_resets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ref", sa.String(32), nullable=False),
        sa.Column("account_id", sa.Integer,
                  sa.ForeignKey("accounts.id", ondelete="CASCADE",
                                name="fk_admin_password_resets_account_id_accounts"),
                  nullable=False),
        sa.Column("password_sealed", sa.LargeBinary),
        sa.Column("issued_by", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("ref", name="uq_admin_password_resets_ref"),
    )
    op.create_index("ix_admin_password_resets_account_id", "admin_password_resets",
                    ["account_id"])


def downgrade() -> None:
    op.drop_table("admin_password_resets")
    op.drop_constraint("uq_sessions_cookie_hash", "sessions")
    op.drop_column("sessions", "cookie_hash")
    for name in ("locked_at", "unlocked_at", "locked_by", "unlocked_by"):
        op.drop_column("accounts", name)
    op.drop_column("chambers", "contact")
