"""registrations, admin / user / sub IDs, sessions, throttles, e-mail verification, activation

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
        "registrations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("cci_code", sa.String(4), sa.ForeignKey("chambers.cci_code"), nullable=False),
        sa.Column("trade_registration_number", sa.String(40), nullable=False),
        sa.Column("company", sa.JSON, nullable=False),
        sa.Column("created_at", TZ, server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("cci_code", "trade_registration_number",
                            name="uq_registrations_cci_code"),
    )
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("registration_id", sa.Integer,
                                   sa.ForeignKey("registrations.id"), nullable=True))
        batch.add_column(sa.Column("signer", sa.JSON))
        batch.add_column(sa.Column("signature_file_id", sa.String(64)))
        batch.add_column(sa.Column("email_verified_at", TZ))
        batch.add_column(sa.Column("initial_password_sealed", sa.LargeBinary))
        batch.add_column(sa.Column("certificate_first_output_on", sa.Date))
        batch.add_column(sa.Column("creator_id", sa.Integer,
                                   sa.ForeignKey("accounts.id", ondelete="CASCADE")))
        batch.add_column(sa.Column("phone", sa.String(30)))
        batch.add_column(sa.Column("notified_at", TZ))
        batch.add_column(sa.Column("activated_at", TZ))
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("created_at", TZ, server_default=sa.func.now(), nullable=False),
        sa.Column("last_seen_at", TZ, server_default=sa.func.now(), nullable=False),
        sa.Column("ended_at", TZ),
        sa.Column("end_reason", sa.String(20)),
    )
    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("window_started_at", TZ, nullable=False),
        sa.Column("locked_until", TZ),
    )
    op.create_table(
        "email_verifications",
        sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("code_hash", sa.String(200), nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("created_at", TZ, server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "sub_id_activations",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("used_at", TZ),
        sa.Column("cancelled_at", TZ),
        sa.Column("created_at", TZ, server_default=sa.func.now(), nullable=False),
    )


def downgrade() -> None:
    for table in ("sub_id_activations", "email_verifications", "login_throttles", "sessions"):
        op.drop_table(table)
    with op.batch_alter_table("accounts") as batch:
        for column in ("activated_at", "notified_at", "phone", "creator_id",
                       "certificate_first_output_on", "initial_password_sealed",
                       "email_verified_at", "signature_file_id", "signer", "registration_id"):
            batch.drop_column(column)
    op.drop_table("registrations")
