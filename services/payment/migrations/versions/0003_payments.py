"""card payments, their lines, receipt numbers and Stripe's events

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
    aware = sa.DateTime(timezone=True)
    op.create_table(
        "payments",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("cci_code", sa.String(4), nullable=False),
        sa.Column("trade_registration_number", sa.String(20), nullable=False),
        sa.Column("login_id", sa.String(40), nullable=False),
        sa.Column("login_kind", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("amount_jpy", sa.Integer, nullable=False),
        sa.Column("idempotency_key", sa.String(255)),
        sa.Column("stripe_payment_intent", sa.String(255)),
        sa.Column("client_secret", sa.String(255)),
        sa.Column("attempt", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_at", aware, nullable=False),
        sa.Column("paid_at", aware),
        sa.Column("receipt_no", sa.String(24)),
        sa.Column("refunded_jpy", sa.Integer, nullable=False, server_default="0"),
        sa.Column("refunded_at", aware),
        sa.Column("refund_reason", sa.String(2000)),
        sa.Column("refunded_by", sa.String(64)),
        sa.Column("stripe_refund", sa.String(255)),
        sa.UniqueConstraint("cci_code", "receipt_no", name="uq_payments_receipt_no"),
    )
    op.create_index("uq_payments_idempotency_key", "payments",
                    ["cci_code", "login_id", "idempotency_key"], unique=True,
                    postgresql_where=sa.text("idempotency_key IS NOT NULL"))
    op.create_index("ix_payments_registration", "payments",
                    ["cci_code", "trade_registration_number", "paid_at"])
    op.create_index("ix_payments_chamber", "payments", ["cci_code", "created_at"])
    op.create_index("ix_payments_open", "payments", ["status", "created_at"])
    op.create_table(
        "payment_lines",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("payment_id", sa.String(32),
                  sa.ForeignKey("payments.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("application_id", sa.String(32), nullable=False),
        sa.Column("certificate_no", sa.String(20), nullable=False),
        sa.Column("certificate_type", sa.String(12), nullable=False),
        sa.Column("fee_jpy", sa.Integer, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default="true"),
    )
    op.create_index("ix_payment_lines_payment_id", "payment_lines", ["payment_id"])
    op.create_index("uq_payment_lines_active_application", "payment_lines",
                    ["application_id"], unique=True, postgresql_where=sa.text("active"))
    op.create_table(
        "receipt_counters",
        sa.Column("cci_code", sa.String(4), primary_key=True),
        sa.Column("last", sa.Integer, nullable=False),
    )
    op.create_table(
        "stripe_events",
        sa.Column("event_id", sa.String(255), primary_key=True),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("received_at", aware, server_default=sa.func.now(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("stripe_events")
    op.drop_table("receipt_counters")
    op.drop_table("payment_lines")
    op.drop_table("payments")
