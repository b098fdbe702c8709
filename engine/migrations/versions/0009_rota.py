"""The reception rota: who receives on which reception day (engine/reception).

Revision ID: 0008_rota
Revises: 0008_due_rule
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_rota"
down_revision = "0008_due_rule"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("reception_rota", sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                    sa.Column("variant", sa.String(40), nullable=False),
                    sa.Column("reception_date", sa.String(10), nullable=False, index=True),
                    sa.Column("leader", sa.String(100), nullable=False), sa.Column("leader_title", sa.String(50)),
                    sa.Column("convener", sa.String(100)), sa.Column("note", sa.String(500)),
                    sa.Column("start_on", sa.String(10), nullable=False, index=True),
                    sa.Column("instance_id", sa.String(80)),
                    sa.UniqueConstraint("variant", "reception_date"))


def downgrade():
    op.drop_table("reception_rota")
