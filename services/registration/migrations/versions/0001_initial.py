"""outbox tables

Revision ID: 0001
Revises:
"""
from alembic import op

from tradecert import outbox

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    outbox.create_tables(op)


def downgrade() -> None:
    op.drop_table("processed_events")
    op.drop_table("outbox_events")
