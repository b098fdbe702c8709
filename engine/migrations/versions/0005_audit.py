"""Audit: search columns on instances (case number, unit, deadline, closed, late) with their indexes,
and the append-only access log of auditors' views, exports, replays and reveals.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

from engine.sql.tables import UTCDateTime

revision = "0005_audit"
down_revision = "0004_deployment_comment"
branch_labels = None
depends_on = None

INDEXES = [("ix_instances_created", ["created_at", "id"]), ("ix_instances_process_created", ["process_key", "created_at"]),
           ("ix_instances_status_created", ["status", "created_at"]), ("ix_instances_unit_created", ["unit", "created_at"]),
           ("ix_instances_case_no", ["case_no"]), ("ix_instances_status_due", ["status", "due_at"]),
           ("ix_instances_late_created", ["late", "created_at"])]
APPEND_ONLY_SQLITE = """CREATE TRIGGER access_log_append_only_{op} BEFORE {op} ON access_log
BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END"""
APPEND_ONLY_PG = """
CREATE OR REPLACE FUNCTION access_log_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'the access log is append-only'; END $$ LANGUAGE plpgsql;
CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log
FOR EACH ROW EXECUTE FUNCTION access_log_append_only();
"""


def upgrade():
    with op.batch_alter_table("instances") as batch:
        batch.add_column(sa.Column("case_no", sa.String(60)))
        batch.add_column(sa.Column("unit", sa.String(100)))
        batch.add_column(sa.Column("due_at", UTCDateTime))
        batch.add_column(sa.Column("closed_at", UTCDateTime))
        batch.add_column(sa.Column("late", sa.Boolean, nullable=False, server_default=sa.false()))
    _backfill()
    for name, columns in INDEXES:
        op.create_index(name, "instances", columns)
    op.create_table("access_log", sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                    sa.Column("at", UTCDateTime, nullable=False), sa.Column("actor", sa.String(100), nullable=False),
                    sa.Column("action", sa.String(30), nullable=False),
                    sa.Column("instance_id", sa.String(36), index=True), sa.Column("case_no", sa.String(60)),
                    sa.Column("detail", sa.JSON))
    op.create_index("ix_access_log_at", "access_log", ["at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY_PG)
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(APPEND_ONLY_SQLITE.format(op=verb))


def _backfill():
    """Cases that exist already get their case number, unit and closing time from their data."""
    from engine.audit.search import unit_of
    table = sa.table("instances", sa.column("id"), sa.column("data", sa.JSON), sa.column("status"),
                     sa.column("updated_at", UTCDateTime), sa.column("case_no"), sa.column("unit"),
                     sa.column("closed_at", UTCDateTime))
    bind = op.get_bind()
    for row in bind.execute(sa.select(table.c.id, table.c.data, table.c.status, table.c.updated_at)).all():
        data = row.data or {}
        bind.execute(table.update().where(table.c.id == row.id).values(
            case_no=str(data.get("case_no", ""))[:60], unit=unit_of(data)[:100],
            closed_at=row.updated_at if row.status in ("completed", "cancelled") else None))


def downgrade():
    op.drop_table("access_log")
    for name, _ in INDEXES:
        op.drop_index(name, "instances")
    with op.batch_alter_table("instances") as batch:
        for column in ("late", "closed_at", "due_at", "unit", "case_no"):
            batch.drop_column(column)
