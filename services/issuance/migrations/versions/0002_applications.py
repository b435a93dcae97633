"""applications, their status history and attachments, certificate number counters

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "applications",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("cci_code", sa.String(4), nullable=False),
        sa.Column("trade_registration_number", sa.String(20), nullable=False),
        sa.Column("certificate_type", sa.String(12), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("applicant_login_id", sa.String(40), nullable=False),
        sa.Column("applicant_kind", sa.String(8), nullable=False),
        sa.Column("applicant_account_id", sa.Integer, nullable=False),
        sa.Column("signer_login_id", sa.String(40), nullable=False),
        sa.Column("exporter_name", sa.String(300), nullable=False),
        sa.Column("signer_name", sa.String(300), nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("consignee_name", sa.String(300)),
        sa.Column("destination_country", sa.String(300)),
        sa.Column("copy_of_id", sa.String(32)),
        sa.Column("replaces_id", sa.String(32), sa.ForeignKey("applications.id")),
        sa.Column("replaced_by_id", sa.String(32)),
        sa.Column("return_reason", sa.String(2000)),
        sa.Column("created_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("submitted_at", TZ),
        sa.Column("certificate_no", sa.String(20)),
        sa.Column("access_code", sa.String(16)),
        sa.Column("issued_on", sa.Date),
        sa.Column("certified_at", TZ),
        sa.Column("fee_jpy", sa.Integer),
        sa.Column("membership", sa.String(12)),
        sa.Column("certificate", sa.JSON),
        sa.Column("certificate_file_id", sa.String(64)),
        sa.Column("paid_at", TZ),
        sa.Column("print_until", sa.Date),
        sa.UniqueConstraint("cci_code", "certificate_no", name="uq_applications_certificate_no"),
    )
    op.create_index("ix_applications_registration", "applications",
                    ["cci_code", "trade_registration_number", "updated_at"])
    op.create_index("ix_applications_applicant", "applications",
                    ["cci_code", "applicant_login_id", "updated_at"])
    op.create_index("ix_applications_queue", "applications",
                    ["cci_code", "status", "submitted_at"])
    op.create_table(
        "status_changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("application_id", sa.String(32),
                  sa.ForeignKey("applications.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("by_login_id", sa.String(40), nullable=False),
        sa.Column("by_kind", sa.String(8), nullable=False),
        sa.Column("reason", sa.String(2000)),
    )
    op.create_table(
        "attachments",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("application_id", sa.String(32),
                  sa.ForeignKey("applications.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(40), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("file_id", sa.String(64), nullable=False),
        sa.Column("pages", sa.Integer),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("created_by", sa.String(40), nullable=False),
    )
    op.create_table(
        "certificate_counters",
        sa.Column("cci_code", sa.String(4), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("last", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("certificate_counters")
    op.drop_table("attachments")
    op.drop_table("status_changes")
    op.drop_table("applications")
