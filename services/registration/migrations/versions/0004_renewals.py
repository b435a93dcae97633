"""renewals (REG-9): the admin's request, the chamber's renewal and its history; the request
moves from the registration's `renewal_requested_at` to a row of its own

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "renewals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("registration_id", sa.Integer, sa.ForeignKey("registrations.id"),
                  nullable=False, index=True),
        sa.Column("status", sa.String(12), nullable=False, index=True),
        sa.Column("requested_at", TZ),
        sa.Column("requested_by", sa.String(32)),
        sa.Column("registration_fee_receipt_no", sa.String(50)),
        sa.Column("previous_valid_until", sa.Date),
        sa.Column("valid_until", sa.Date),
        sa.Column("renewed_at", TZ),
        sa.Column("renewed_by", sa.String(32)),
    )
    op.create_index("uq_renewals_open", "renewals", ["registration_id"], unique=True,
                    postgresql_where=sa.text("status = 'requested'"))
    # Requests made before this table existed are open requests now.
    op.execute("INSERT INTO renewals (registration_id, status, requested_at, requested_by)"
               " SELECT id, 'requested', renewal_requested_at, admin_login_id"
               " FROM registrations WHERE renewal_requested_at IS NOT NULL")
    op.drop_column("registrations", "renewal_requested_at")


def downgrade() -> None:
    op.add_column("registrations", sa.Column("renewal_requested_at", TZ))
    op.execute("UPDATE registrations SET renewal_requested_at = r.requested_at"
               " FROM renewals r WHERE r.registration_id = registrations.id"
               " AND r.status = 'requested'")
    op.drop_index("uq_renewals_open", "renewals")
    op.drop_table("renewals")
