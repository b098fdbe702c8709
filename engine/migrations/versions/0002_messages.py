"""Messages between cases (transactional outbox): thrown with the sender's step, delivered once.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

from engine.sql.tables import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("messages", sa.Column("id", sa.String(36), primary_key=True),
                    sa.Column("sender_id", sa.String(36), sa.ForeignKey("instances.id"), nullable=False),
                    sa.Column("name", sa.String(100), nullable=False), sa.Column("payload", sa.JSON),
                    sa.Column("created_at", UTCDateTime), sa.Column("delivered_at", UTCDateTime, index=True))


def downgrade():
    op.drop_table("messages")
