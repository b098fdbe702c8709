"""Deployment log: each deployed version keeps its designer's change comment.

Revision ID: 0003_deployment_comment
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_deployment_comment"
down_revision = "0003_security"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("deployments") as batch:
        batch.add_column(sa.Column("comment", sa.Text, nullable=True))


def downgrade():
    with op.batch_alter_table("deployments") as batch:
        batch.drop_column("comment")
