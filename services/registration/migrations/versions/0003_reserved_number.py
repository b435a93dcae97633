"""the trade registration number reserved on its application when approval starts (REG-8)

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
    op.add_column("applications", sa.Column("trade_registration_number", sa.String(20)))
    op.create_unique_constraint("uq_applications_trade_registration_number", "applications",
                                ["trade_registration_number"])
    # Applications approved before this column existed: their number is their registration's.
    op.execute("UPDATE applications SET trade_registration_number = r.trade_registration_number"
               " FROM registrations r WHERE r.application_id = applications.id")


def downgrade() -> None:
    op.drop_constraint("uq_applications_trade_registration_number", "applications")
    op.drop_column("applications", "trade_registration_number")
