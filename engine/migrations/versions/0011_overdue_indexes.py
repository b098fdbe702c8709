"""Overdue cases of one unit (audit search `unit=…&overdue=true`): two small partial indexes, so that the search
walks the unit's late cases newest first and reads the unit's open cases past their deadline from a range,
instead of walking every case of a big unit (1.6 s on a million cases; 1 ms with these).

Revision ID: 0011_overdue_indexes
Revises: 0008_scale_indexes
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_overdue_indexes"
down_revision = "0008_scale_indexes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_instances_unit_late", "instances", ["unit", "created_at", "id"],
                    postgresql_where=sa.text("late IS TRUE"), sqlite_where=sa.text("late IS TRUE"))
    open_not_late = sa.text("status = 'running' AND due_at IS NOT NULL AND late IS NOT TRUE")
    op.create_index("ix_instances_unit_overdue", "instances", ["unit", "due_at"],
                    postgresql_include=["created_at", "id"], postgresql_where=open_not_late, sqlite_where=open_not_late)


def downgrade():
    op.drop_index("ix_instances_unit_overdue", "instances")
    op.drop_index("ix_instances_unit_late", "instances")
