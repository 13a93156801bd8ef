"""The trends at national scale: per provider and run its active cases and exceptions
(provider_run_totals, backfilled from team_run_totals); the time to fix read from an
index alone; the measures of a team found by level and team.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKFILL = """
INSERT INTO provider_run_totals
    (run_id, provider_code, active_persons, active_events, open, new, reopened, resolved)
SELECT run_id, provider_code, SUM(active_persons), SUM(active_events), SUM(open), SUM(new),
       SUM(reopened), SUM(resolved)
FROM team_run_totals GROUP BY run_id, provider_code
"""
FIX_OLD = ["status", "resolved_on"]
FIX_NEW = ["status", "resolved_on", "check", "first_seen", "team_code"]


def upgrade() -> None:
    op.create_table(
        "provider_run_totals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("provider_code", sa.String(length=32), nullable=True),
        sa.Column("active_persons", sa.Integer(), nullable=True),
        sa.Column("active_events", sa.Integer(), nullable=True),
        *[sa.Column(name, sa.Integer(), nullable=False)
          for name in ("open", "new", "reopened", "resolved")],
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_provider_run_totals_run_id_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_run_totals")),
    )  # fmt: skip
    with op.batch_alter_table("provider_run_totals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_provider_run_totals_run_id"), ["run_id"])
        batch_op.create_index(
            batch_op.f("ix_provider_run_totals_provider_code_run_id"), ["provider_code", "run_id"]
        )
    _replace_index("measures", ["team_code", "run_id"], ["level", "team_code", "run_id"])
    _replace_index("exceptions", FIX_OLD, FIX_NEW)
    op.execute(BACKFILL)


def downgrade() -> None:
    _replace_index("exceptions", FIX_NEW, FIX_OLD)
    _replace_index("measures", ["level", "team_code", "run_id"], ["team_code", "run_id"])
    op.drop_table("provider_run_totals")


def _replace_index(table: str, old: list[str], new: list[str]) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(f"ix_{table}_{'_'.join(old)}"))
        batch_op.create_index(batch_op.f(f"ix_{table}_{'_'.join(new)}"), new)
