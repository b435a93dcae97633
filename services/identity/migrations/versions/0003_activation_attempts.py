"""count wrong passwords on a sub ID's activation link

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sub_id_activations", sa.Column("failed_attempts", sa.Integer,
                                                  nullable=False, server_default="0"))


def downgrade() -> None:
    op.drop_column("sub_id_activations", "failed_attempts")
