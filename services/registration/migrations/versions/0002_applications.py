"""invitations, applications, signers, registrations

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


def now():
    return sa.Column("created_at", TZ, server_default=sa.func.now(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("cci_code", sa.String(4), nullable=False, index=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("expires_at", TZ, nullable=False),
        now(),
    )
    op.create_table(
        "applications",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("application_number", sa.String(30), nullable=False, unique=True),
        sa.Column("cci_code", sa.String(4), nullable=False, index=True),
        sa.Column("invitation_id", sa.Integer, sa.ForeignKey("invitations.id"), nullable=False,
                  unique=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("status", sa.String(12), nullable=False, index=True),
        sa.Column("company", sa.JSON),
        sa.Column("agreed_privacy_at", TZ, nullable=False),
        sa.Column("agreed_terms_at", TZ, nullable=False),
        now(),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("submitted_at", TZ),
        sa.Column("returned_reason", sa.String(2000)),
        sa.Column("draft_reminder_sent_at", TZ),
    )
    op.create_table(
        "application_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("application_id", sa.Integer,
                  sa.ForeignKey("applications.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        now(),
    )
    op.create_table(
        "signers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("signer_id", sa.String(36), nullable=False, unique=True),
        sa.Column("application_id", sa.Integer,
                  sa.ForeignKey("applications.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("name_ja", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("title_en", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("reason", sa.String(2000)),
        sa.Column("signature_file_id", sa.String(64)),
        now(),
    )
    op.create_table(
        "registrations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("cci_code", sa.String(4), nullable=False),
        sa.Column("trade_registration_number", sa.String(20), nullable=False),
        sa.Column("application_id", sa.Integer, sa.ForeignKey("applications.id"),
                  nullable=False, unique=True),
        sa.Column("company", sa.JSON, nullable=False),
        sa.Column("registration_fee_receipt_no", sa.String(50), nullable=False),
        sa.Column("admin_login_id", sa.String(32), nullable=False),
        sa.Column("certificate_file_id", sa.String(64), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date, nullable=False, index=True),
        sa.Column("reminder_30_sent_at", TZ),
        sa.Column("reminder_10_sent_at", TZ),
        sa.Column("renewal_requested_at", TZ),
        sa.Column("approved_at", TZ, server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("cci_code", "trade_registration_number",
                            name="uq_registrations_cci_code"),
    )
    op.create_table(
        "counters",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("value", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    for table in ("counters", "registrations", "signers", "application_tokens",
                  "applications", "invitations"):
        op.drop_table(table)
