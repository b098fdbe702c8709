"""Initial schema: bundles, deployments, instances, tasks, append-only events, users, calendar.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

from engine.sql.tables import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APPEND_ONLY_SQLITE = """CREATE TRIGGER events_append_only_{op} BEFORE {op} ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END"""
APPEND_ONLY_PG = """
CREATE OR REPLACE FUNCTION events_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'events are append-only'; END $$ LANGUAGE plpgsql;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
FOR EACH ROW EXECUTE FUNCTION events_append_only();
"""


def upgrade():
    op.create_table("bundles", sa.Column("hash", sa.String(64), primary_key=True),
                    sa.Column("process_key", sa.String(100)), sa.Column("files", sa.JSON, nullable=False))
    op.create_table("deployments", sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                    sa.Column("process_key", sa.String(100), nullable=False),
                    sa.Column("version", sa.Integer, nullable=False),
                    sa.Column("bundle_hash", sa.String(64), sa.ForeignKey("bundles.hash"), nullable=False),
                    sa.Column("name", sa.String(200)), sa.Column("deployed_at", UTCDateTime),
                    sa.Column("deployed_by", sa.String(100)), sa.UniqueConstraint("process_key", "version"))
    op.create_table("instances", sa.Column("id", sa.String(36), primary_key=True),
                    sa.Column("process_key", sa.String(100), index=True), sa.Column("version", sa.Integer),
                    sa.Column("bundle_hash", sa.String(64)), sa.Column("status", sa.String(20), index=True),
                    sa.Column("state", sa.Text), sa.Column("data", sa.JSON), sa.Column("title", sa.String(300)),
                    sa.Column("parent_id", sa.String(36), index=True), sa.Column("created_at", UTCDateTime),
                    sa.Column("updated_at", UTCDateTime), sa.Column("next_timer_at", UTCDateTime, index=True),
                    sa.Column("timers", sa.JSON), sa.Column("lock_version", sa.Integer, nullable=False),
                    sa.Column("last_seq", sa.Integer), sa.Column("last_hash", sa.String(64)),
                    sa.Column("error", sa.Text))
    op.create_table("tasks", sa.Column("task_id", sa.String(36), primary_key=True),
                    sa.Column("instance_id", sa.String(36), sa.ForeignKey("instances.id"), index=True),
                    sa.Column("process_key", sa.String(100)), sa.Column("bpmn_id", sa.String(100)),
                    sa.Column("title", sa.String(200)), sa.Column("lane", sa.String(100)),
                    sa.Column("case_title", sa.String(300)), sa.Column("due_at", UTCDateTime),
                    sa.Column("status", sa.String(20), nullable=False), sa.Column("created_at", UTCDateTime),
                    sa.Column("assignee", sa.String(100)))
    op.create_table("task_groups",
                    sa.Column("task_id", sa.String(36), sa.ForeignKey("tasks.task_id"), primary_key=True),
                    sa.Column("group_name", sa.String(100), primary_key=True),
                    sa.Column("ready", sa.Boolean, nullable=False))
    op.create_index("ix_task_groups_ready_group", "task_groups", ["ready", "group_name"])
    op.create_table("events", sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                    sa.Column("instance_id", sa.String(36), sa.ForeignKey("instances.id"), nullable=False),
                    sa.Column("seq", sa.Integer, nullable=False), sa.Column("at", UTCDateTime),
                    sa.Column("type", sa.String(40)), sa.Column("actor", sa.String(100)),
                    sa.Column("task", sa.String(100)), sa.Column("task_id", sa.String(36)),
                    sa.Column("data", sa.JSON), sa.Column("result", sa.JSON),
                    sa.Column("prev_hash", sa.String(64)), sa.Column("hash", sa.String(64)),
                    sa.UniqueConstraint("instance_id", "seq"))
    op.create_table("users", sa.Column("name", sa.String(100), primary_key=True),
                    sa.Column("password_hash", sa.String(200)), sa.Column("groups", sa.JSON),
                    sa.Column("display_name", sa.String(200)), sa.Column("active", sa.Boolean))
    op.create_table("tokens", sa.Column("token_hash", sa.String(64), primary_key=True),
                    sa.Column("user_name", sa.String(100), sa.ForeignKey("users.name")))
    op.create_table("calendar_days", sa.Column("day", sa.Date, primary_key=True),
                    sa.Column("kind", sa.String(10), nullable=False))
    op.create_table("calendar_years", sa.Column("year", sa.Integer, primary_key=True),
                    sa.Column("source", sa.String(200)))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY_PG)
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(APPEND_ONLY_SQLITE.format(op=verb))


def downgrade():
    for name in ("calendar_years", "calendar_days", "tokens", "users", "events", "task_groups",
                 "tasks", "instances", "deployments", "bundles"):
        op.drop_table(name)
