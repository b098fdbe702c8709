"""PostgreSQL: the workflow state (tens of KB, rewritten by every step) compressed with lz4 instead of pglz, where
the server has lz4 (PostgreSQL 14+ built with it): a step's update of a 22 KB state 0.33 -> 0.24 ms of server time,
its read a little faster too. Rows keep the compression they were written with until their next step. SQLite:
nothing to do.

Revision ID: 0012_state_lz4
Revises: 0011_overdue_indexes
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_state_lz4"
down_revision = "0011_overdue_indexes"
branch_labels = None
depends_on = None


def _lz4_available(bind) -> bool:
    found = bind.execute(sa.text("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'"))
    values = found.scalar()
    return bool(values) and "lz4" in values


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql" and _lz4_available(bind):
        op.execute("ALTER TABLE instances ALTER COLUMN state SET COMPRESSION lz4")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql" and _lz4_available(bind):
        op.execute("ALTER TABLE instances ALTER COLUMN state SET COMPRESSION pglz")
