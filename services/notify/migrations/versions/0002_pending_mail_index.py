"""a partial index on the mails not yet sent

Revision ID: 0002
Revises: 0001

Issue 12: the mails-pending gauge counts them on every scrape, and delivery looks for the
next one every second; both read only the few pending rows, not every mail ever sent.
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_mail_messages_pending", "mail_messages", ["id"],
                    postgresql_where=sa.text("status = 'pending'"))


def downgrade() -> None:
    op.drop_index("ix_mail_messages_pending", table_name="mail_messages")
