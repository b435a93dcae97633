"""the lists' indexes cover what they filter on, so counting a list's pages reads the index
only (issue 10: the applicant's list with 10,000 applications, benchmarks/issuance.py)

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # one status of a registration's applications (the list's filter)
    op.create_index("ix_applications_registration_status", "applications",
                    ["cci_code", "trade_registration_number", "status", "updated_at"])
    # a sub ID's own: visible() filters on the registration too
    op.drop_index("ix_applications_applicant", table_name="applications")
    op.create_index("ix_applications_applicant", "applications",
                    ["cci_code", "trade_registration_number", "applicant_login_id",
                     "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_applications_applicant", table_name="applications")
    op.create_index("ix_applications_applicant", "applications",
                    ["cci_code", "applicant_login_id", "updated_at"])
    op.drop_index("ix_applications_registration_status", table_name="applications")
