"""the Idempotency-Key of the request that created a sub ID (issue 12: a create that timed out
is safe to repeat), unique per creating user ID

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("accounts", sa.Column("idempotency_key", sa.String(255)))
    op.create_index("uq_accounts_idempotency_key", "accounts",
                    ["creator_id", "idempotency_key"], unique=True,
                    postgresql_where=sa.text("idempotency_key IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("uq_accounts_idempotency_key", table_name="accounts")
    op.drop_column("accounts", "idempotency_key")
