"""Security: lock-out and session generation on users, token ids and expiry, throttling counters.

Revision ID: 0003_security
Revises: 0002
"""
import datetime as dt

import sqlalchemy as sa
from alembic import op

from engine.sql.tables import UTCDateTime

revision = "0003_security"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"))
    op.add_column("users", sa.Column("locked_at", UTCDateTime))
    op.add_column("users", sa.Column("session_gen", sa.Integer, nullable=False, server_default="0"))
    op.add_column("tokens", sa.Column("token_id", sa.String(16)))
    op.add_column("tokens", sa.Column("created_at", UTCDateTime))
    op.add_column("tokens", sa.Column("expires_at", UTCDateTime))
    tokens = sa.table("tokens", sa.column("token_hash", sa.String), sa.column("token_id", sa.String),
                      sa.column("expires_at", UTCDateTime))
    conn = op.get_bind()
    expiry = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=90)   # tokens made before expiry existed
    for (token_hash,) in conn.execute(sa.select(tokens.c.token_hash)).all():
        conn.execute(tokens.update().where(tokens.c.token_hash == token_hash)
                     .values(token_id=token_hash[:12], expires_at=expiry))
    op.create_index("ix_tokens_token_id", "tokens", ["token_id"], unique=True)
    op.create_table("counters", sa.Column("key", sa.String(200), primary_key=True),
                    sa.Column("window", sa.Integer, primary_key=True), sa.Column("hits", sa.Integer, nullable=False))


def downgrade():
    op.drop_table("counters")
    op.drop_index("ix_tokens_token_id", "tokens")
    for column in ("expires_at", "created_at", "token_id"):
        op.drop_column("tokens", column)
    for column in ("session_gen", "locked_at", "failed_logins"):
        op.drop_column("users", column)
