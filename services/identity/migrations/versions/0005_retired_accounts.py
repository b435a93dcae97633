"""accounts retired by an approved change request (変更申請): removed signers and their sub IDs

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("accounts", sa.Column("retired_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    op.drop_column("accounts", "retired_at")
