"""a registration's IDs and a user ID's sub IDs are found by index, not by reading every
account (issue 13: 500,000 IDs of 265 chambers, `make bench-scale`)

Revision ID: 0008
Revises: 0007
"""
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_accounts_registration_id", "accounts", ["registration_id"])
    op.create_index("ix_accounts_creator_id", "accounts", ["creator_id"])


def downgrade() -> None:
    op.drop_index("ix_accounts_creator_id", table_name="accounts")
    op.drop_index("ix_accounts_registration_id", table_name="accounts")
