"""Directory and staff work: units, unit roles, case attachments, notifications.

Revision ID: 0007_directory
Revises: 0006_stats
"""
import sqlalchemy as sa
from alembic import op

from engine.sql.tables import UTCDateTime

revision = "0007_directory"
down_revision = "0006_stats"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("units", sa.Column("name", sa.String(100), primary_key=True),
                    sa.Column("type", sa.String(30), nullable=False), sa.Column("parent", sa.String(100)),
                    sa.Column("group", sa.String(120), nullable=False, index=True),
                    sa.Column("active", sa.Boolean, nullable=False))
    op.create_table("unit_members", sa.Column("unit", sa.String(100), sa.ForeignKey("units.name"), primary_key=True),
                    sa.Column("user", sa.String(100), primary_key=True, index=True),
                    sa.Column("role", sa.String(20), nullable=False))
    op.create_table("attachments", sa.Column("id", sa.String(36), primary_key=True),
                    sa.Column("instance_id", sa.String(36), sa.ForeignKey("instances.id"), nullable=False,
                              index=True),
                    sa.Column("name", sa.String(255), nullable=False), sa.Column("content_type", sa.String(100)),
                    sa.Column("size", sa.Integer, nullable=False), sa.Column("sha256", sa.String(64), nullable=False),
                    sa.Column("field", sa.String(100)), sa.Column("uploaded_by", sa.String(100)),
                    sa.Column("uploaded_at", UTCDateTime), sa.Column("content", sa.LargeBinary, nullable=False))
    op.create_table("notifications", sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                    sa.Column("recipient", sa.String(120), nullable=False),
                    sa.Column("kind", sa.String(30), nullable=False), sa.Column("instance_id", sa.String(36)),
                    sa.Column("task_id", sa.String(36)), sa.Column("text", sa.Text), sa.Column("at", UTCDateTime))
    op.create_index("ix_notifications_recipient_id", "notifications", ["recipient", "id"])
    op.create_table("notification_reads", sa.Column("user", sa.String(100), primary_key=True),
                    sa.Column("last_read_id", sa.Integer, nullable=False))
    _units_from_existing_groups()
    # the inbox's first page: ready tasks in due order, checked against the caller's groups
    op.create_index("ix_tasks_ready_due", "tasks", ["status", "due_at", "created_at", "task_id"])
    op.create_index("ix_tasks_assignee", "tasks", ["assignee", "status", "due_at"])


def _units_from_existing_groups():
    """An existing install keeps working: each `dept:<name>` group its users are in becomes a department."""
    conn = op.get_bind()
    users = sa.table("users", sa.column("groups", sa.JSON))
    names = sorted({g[5:] for (groups,) in conn.execute(sa.select(users.c.groups)) for g in (groups or [])
                    if isinstance(g, str) and g.startswith("dept:") and len(g) > 5})
    if names:
        units = sa.table("units", sa.column("name"), sa.column("type"), sa.column("parent"), sa.column("group"),
                         sa.column("active"))
        conn.execute(sa.insert(units), [{"name": n, "type": "department", "parent": None, "group": f"dept:{n}",
                                         "active": True} for n in names])


def downgrade():
    op.drop_index("ix_tasks_assignee", "tasks")
    op.drop_index("ix_tasks_ready_due", "tasks")
    for table in ("notification_reads", "notifications", "attachments", "unit_members", "units"):
        op.drop_table(table)
