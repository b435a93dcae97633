"""change requests (変更申請) of an approved registration, and the signers they add

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "change_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("change_request_number", sa.String(30), nullable=False, unique=True),
        sa.Column("cci_code", sa.String(4), nullable=False, index=True),
        sa.Column("registration_id", sa.Integer, sa.ForeignKey("registrations.id"),
                  nullable=False, index=True),
        sa.Column("status", sa.String(12), nullable=False, index=True),
        sa.Column("requested_by", sa.String(32), nullable=False),
        sa.Column("company", sa.JSON),
        sa.Column("signers_removed", sa.JSON, nullable=False),
        sa.Column("returned_reason", sa.String(2000)),
        sa.Column("created_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("decided_at", TZ),
        sa.Column("signers_added_ids", sa.JSON),
    )
    op.alter_column("signers", "application_id", nullable=True)
    op.add_column("signers", sa.Column(
        "change_request_id", sa.Integer,
        sa.ForeignKey("change_requests.id", ondelete="CASCADE"), index=True))


def downgrade() -> None:
    op.drop_column("signers", "change_request_id")
    op.execute("DELETE FROM signers WHERE application_id IS NULL")
    op.alter_column("signers", "application_id", nullable=False)
    op.drop_table("change_requests")
