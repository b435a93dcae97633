"""the counters of verification tries per address go: the gateway limits the tries (issue 12,
gateway/verifications.py) and passes no address, so issuance's own were never written

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.drop_table("rate_limits")


def downgrade() -> None:
    op.create_table(
        "rate_limits",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("hits", sa.Integer, nullable=False),
        sa.Column("expires_at", TZ, nullable=False, index=True),
    )
