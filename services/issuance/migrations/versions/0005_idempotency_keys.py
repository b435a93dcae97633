"""the Idempotency-Key of the request that created an application (issue 12: a create that
timed out is safe to repeat), unique per chamber and applying ID

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
    op.add_column("applications", sa.Column("idempotency_key", sa.String(255)))
    op.create_index("uq_applications_idempotency_key", "applications",
                    ["cci_code", "applicant_account_id", "idempotency_key"], unique=True,
                    postgresql_where=sa.text("idempotency_key IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("uq_applications_idempotency_key", table_name="applications")
    op.drop_column("applications", "idempotency_key")
