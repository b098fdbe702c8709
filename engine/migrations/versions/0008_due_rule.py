"""Task rows keep the rule their due date was counted by (a task's dueRule: "CD:60", "WD:5" or a text).

Revision ID: 0008_due_rule
Revises: 0007_directory
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_due_rule"
down_revision = "0007_directory"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("tasks", sa.Column("due_rule", sa.String(200)))


def downgrade():
    op.drop_column("tasks", "due_rule")
