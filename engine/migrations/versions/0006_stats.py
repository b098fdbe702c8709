"""Figures: one fact row per case (case_facts, written with each step), its running totals (fact_daily,
fact_counts) and issued bulletins.

Revision ID: 0006_stats
Revises: 0005_audit
"""
import sqlalchemy as sa
from alembic import op

from engine.sql.tables import UTCDateTime

revision = "0006_stats"
down_revision = "0005_audit"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "case_facts",
        sa.Column("instance_id", sa.String(36), primary_key=True),
        sa.Column("process_key", sa.String(100)),
        sa.Column("case_no", sa.String(300)),
        sa.Column("parent_id", sa.String(100)),
        sa.Column("status", sa.String(100)),
        sa.Column("outcome", sa.String(100)),
        sa.Column("channel", sa.String(100)),
        sa.Column("matter_type", sa.String(100)),
        sa.Column("unit", sa.String(100)),
        sa.Column("township", sa.String(100)),
        sa.Column("started_month", sa.String(100)),
        sa.Column("bulletin_no", sa.String(100)),
        sa.Column("started_at", UTCDateTime),
        sa.Column("dispatched_at", UTCDateTime),
        sa.Column("accepted_at", UTCDateTime),
        sa.Column("closed_at", UTCDateTime),
        sa.Column("started_on", sa.Date),
        sa.Column("started_week", sa.Date),
        sa.Column("due_date", sa.Date),
        sa.Column("replied_on", sa.Date),
        sa.Column("closed_on", sa.Date),
        sa.Column("closed", sa.Integer, nullable=False, server_default="0"),
        sa.Column("dispatched", sa.Integer, nullable=False, server_default="0"),
        sa.Column("to_accept", sa.Integer, nullable=False, server_default="0"),
        sa.Column("accepted", sa.Integer, nullable=False, server_default="0"),
        sa.Column("returned", sa.Integer, nullable=False, server_default="0"),
        sa.Column("handled", sa.Integer, nullable=False, server_default="0"),
        sa.Column("has_deadline", sa.Integer, nullable=False, server_default="0"),
        sa.Column("on_time", sa.Integer, nullable=False, server_default="0"),
        sa.Column("late", sa.Integer, nullable=False, server_default="0"),
        sa.Column("redone", sa.Integer, nullable=False, server_default="0"),
        sa.Column("extended", sa.Integer, nullable=False, server_default="0"),
        sa.Column("callback", sa.Integer, nullable=False, server_default="0"),
        sa.Column("satisfied", sa.Integer, nullable=False, server_default="0"),
        sa.Column("deemed_closed", sa.Integer, nullable=False, server_default="0"),
        sa.Column("supervised", sa.Integer, nullable=False, server_default="0"),
        sa.Column("criticised", sa.Integer, nullable=False, server_default="0"),
        sa.Column("reply_slip", sa.Integer, nullable=False, server_default="0"),
        sa.Column("held", sa.Integer, nullable=False, server_default="0"),
        sa.Column("accept_minutes", sa.Integer, nullable=False, server_default="0"),
        sa.Column("return_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("redo_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("extension_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("supervision_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("visitor_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("case_count", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_case_facts_process_started", "case_facts", ["process_key", "started_on"])
    op.create_index("ix_case_facts_unit_started", "case_facts", ["unit", "process_key", "started_on"],
                    postgresql_include=["matter_type", "township", "outcome"])
    op.create_index("ix_case_facts_open_due", "case_facts", ["process_key", "started_on"],
                    postgresql_include=["due_date", "unit", "channel"],
                    postgresql_where=sa.text("replied_on IS NULL AND due_date IS NOT NULL AND status = 'running'"))
    op.create_index("ix_case_facts_late", "case_facts", ["process_key", "started_on"],
                    postgresql_include=["due_date", "replied_on", "unit", "channel"],
                    postgresql_where=sa.text("late > 0"))
    op.create_table(
        "fact_daily",
        sa.Column("process_key", sa.String(100), primary_key=True), sa.Column("started_on", sa.Date, primary_key=True),
        sa.Column("unit", sa.String(100), primary_key=True), sa.Column("channel", sa.String(100), primary_key=True),
        sa.Column("cases", sa.Integer, nullable=False, server_default="0"),
        sa.Column("closed", sa.Integer, nullable=False, server_default="0"),
        sa.Column("dispatched", sa.Integer, nullable=False, server_default="0"),
        sa.Column("to_accept", sa.Integer, nullable=False, server_default="0"),
        sa.Column("accepted", sa.Integer, nullable=False, server_default="0"),
        sa.Column("returned", sa.Integer, nullable=False, server_default="0"),
        sa.Column("handled", sa.Integer, nullable=False, server_default="0"),
        sa.Column("has_deadline", sa.Integer, nullable=False, server_default="0"),
        sa.Column("on_time", sa.Integer, nullable=False, server_default="0"),
        sa.Column("late", sa.Integer, nullable=False, server_default="0"),
        sa.Column("redone", sa.Integer, nullable=False, server_default="0"),
        sa.Column("extended", sa.Integer, nullable=False, server_default="0"),
        sa.Column("callback", sa.Integer, nullable=False, server_default="0"),
        sa.Column("satisfied", sa.Integer, nullable=False, server_default="0"),
        sa.Column("deemed_closed", sa.Integer, nullable=False, server_default="0"),
        sa.Column("supervised", sa.Integer, nullable=False, server_default="0"),
        sa.Column("criticised", sa.Integer, nullable=False, server_default="0"),
        sa.Column("reply_slip", sa.Integer, nullable=False, server_default="0"),
        sa.Column("held", sa.Integer, nullable=False, server_default="0"),
        sa.Column("accept_minutes", sa.Integer, nullable=False, server_default="0"),
        sa.Column("return_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("redo_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("extension_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("supervision_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("visitor_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("case_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("closed_with_deadline", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "fact_counts",
        sa.Column("process_key", sa.String(100), primary_key=True), sa.Column("started_on", sa.Date, primary_key=True),
        sa.Column("dim", sa.String(40), primary_key=True),
        sa.Column("value", sa.String(100), primary_key=True), sa.Column("n", sa.Integer, nullable=False,
                                                                         server_default="0"))
    op.create_table(
        "bulletins",
        sa.Column("no", sa.String(60), primary_key=True), sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("year", sa.Integer, nullable=False), sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("title", sa.String(200)), sa.Column("period_start", sa.Date), sa.Column("period_end", sa.Date),
        sa.Column("issued_at", UTCDateTime), sa.Column("issued_by", sa.String(100)),
        sa.Column("content", sa.JSON, nullable=False), sa.Column("content_hash", sa.String(64)),
        sa.UniqueConstraint("kind", "year", "seq"))


def downgrade():
    op.drop_table("bulletins")
    op.drop_table("fact_counts")
    op.drop_table("fact_daily")
    op.drop_table("case_facts")
