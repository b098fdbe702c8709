"""Scale: trigram indexes for free-text search in case titles (case search, the inbox's search box) on
PostgreSQL, so that `title LIKE '%…%'` over a million cases reads an index instead of every row.

The other lists already walk btree indexes (README "Scale"); pg_trgm ships with PostgreSQL. Where the
database user may not create extensions, the indexes are left out and the searches scan as before.

Revision ID: 0008_scale_indexes
Revises: 0008_rota
"""
import logging

import sqlalchemy as sa
from alembic import op

revision = "0008_scale_indexes"
down_revision = "0008_rota"
branch_labels = None
depends_on = None

TRIGRAM = [("ix_instances_title_trgm", "instances", "title"), ("ix_tasks_case_title_trgm", "tasks", "case_title")]


def _trigram_schema(conn):
    """The schema pg_trgm lives in (created in `public` when missing), or None when it cannot be had."""
    find = sa.text("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                   "WHERE e.extname = 'pg_trgm'")
    schema = conn.scalar(find)
    if schema is None:
        try:
            with conn.begin_nested():
                conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
        except sa.exc.DBAPIError as exc:        # no right to create it, or created by someone else meanwhile
            logging.getLogger(__name__).warning("pg_trgm not available, no trigram indexes: %s", exc.orig)
        schema = conn.scalar(find)
    return schema


def upgrade():
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    schema = _trigram_schema(conn)
    if schema is None:
        return
    for name, table, column in TRIGRAM:
        op.execute(f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} "{schema}".gin_trgm_ops)')


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name, _, _ in TRIGRAM:
            op.execute(f"DROP INDEX IF EXISTS {name}")
