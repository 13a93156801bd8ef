"""The exception store: runs, rejects, exceptions, their history, counts, measures.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "run_tables",
    "run_checks",
    "rejects",
    "measures",
    "exception_history",
    "check_counts",
    "runs",
    "exceptions",
)


def upgrade() -> None:
    op.create_table(
        "exceptions",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("check", sa.String(length=64), nullable=False),
        sa.Column("crn", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("staff_code", sa.String(length=32), nullable=True),
        sa.Column("team_code", sa.String(length=32), nullable=True),
        sa.Column("spo_staff_code", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("first_seen", sa.Date(), nullable=False),
        sa.Column("last_seen", sa.Date(), nullable=False),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column("triage", sa.String(length=16), nullable=False),
        sa.Column("snoozed_until", sa.Date(), nullable=True),
        sa.Column("dispute_reason", sa.Text(), nullable=True),
        sa.Column("triage_by", sa.String(length=128), nullable=True),
        sa.Column("triage_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'resolved', 'record_missing', 'unconfirmed')",
            name=op.f("ck_exceptions_status"),
        ),
        sa.CheckConstraint(
            "triage IN ('none', 'acknowledged', 'snoozed', 'disputed', 'done')",
            name=op.f("ck_exceptions_triage"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exceptions")),
        sa.UniqueConstraint("check", "crn", "subject", name="uq_exceptions_identity"),
    )
    op.create_index(
        op.f("ix_exceptions_spo_staff_code_status"),
        "exceptions",
        ["spo_staff_code", "status"],
        unique=False,
    )
    op.create_index(
        op.f("ix_exceptions_team_code_status"), "exceptions", ["team_code", "status"], unique=False
    )

    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('succeeded', 'failed')", name=op.f("ck_runs_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
    )
    op.create_index(op.f("ix_runs_as_of"), "runs", ["as_of"], unique=False)

    op.create_table(
        "check_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("check", sa.String(length=64), nullable=False),
        sa.Column("team_code", sa.String(length=32), nullable=True),
        sa.Column("open", sa.Integer(), nullable=False),
        sa.Column("new", sa.Integer(), nullable=False),
        sa.Column("still_open", sa.Integer(), nullable=False),
        sa.Column("reopened", sa.Integer(), nullable=False),
        sa.Column("resolved", sa.Integer(), nullable=False),
        sa.Column("record_missing", sa.Integer(), nullable=False),
        sa.Column("unconfirmed", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_check_counts_run_id_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_counts")),
    )
    op.create_index(op.f("ix_check_counts_run_id"), "check_counts", ["run_id"], unique=False)

    op.create_table(
        "exception_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exception_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("person", sa.String(length=128), nullable=True),
        sa.Column("what", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["exception_id"],
            ["exceptions.id"],
            name=op.f("fk_exception_history_exception_id_exceptions"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_exception_history_run_id_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exception_history")),
    )
    op.create_index(
        op.f("ix_exception_history_exception_id"),
        "exception_history",
        ["exception_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_exception_history_run_id"), "exception_history", ["run_id"], unique=False
    )

    op.create_table(
        "measures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("provider_code", sa.String(length=32), nullable=True),
        sa.Column("team_code", sa.String(length=32), nullable=True),
        sa.Column("provider_type", sa.String(length=8), nullable=True),
        sa.Column("met", sa.Integer(), nullable=False),
        sa.Column("eligible", sa.Integer(), nullable=False),
        sa.Column("percent", sa.Float(), nullable=True),
        sa.Column("inspection_figure", sa.Text(), nullable=True),
        sa.Column("inspection_paragraph", sa.Text(), nullable=True),
        sa.Column("window_from", sa.Date(), nullable=False),
        sa.Column("window_to", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_measures_run_id_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measures")),
    )
    op.create_index(op.f("ix_measures_run_id"), "measures", ["run_id"], unique=False)

    op.create_table(
        "rejects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=True),
        sa.Column("key", sa.Text(), nullable=True),
        sa.Column("column_name", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_rejects_run_id_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rejects")),
    )
    op.create_index(op.f("ix_rejects_run_id"), "rejects", ["run_id"], unique=False)

    op.create_table(
        "run_checks",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("check", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("found", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_run_checks_run_id_runs")),
        sa.PrimaryKeyConstraint("run_id", "check", name=op.f("pk_run_checks")),
    )
    op.create_table(
        "run_tables",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_kept", sa.Integer(), nullable=False),
        sa.Column("rows_rejected", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_run_tables_run_id_runs")),
        sa.PrimaryKeyConstraint("run_id", "table_name", name=op.f("pk_run_tables")),
    )


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)
