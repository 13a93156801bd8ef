"""The trends: each run's configuration fingerprint; per team its active cases and
exceptions (team_run_totals); per provider and check its exceptions
(provider_check_totals); indexes for the trends' reads.

Runs recorded before this revision get their exception totals from check_counts, with
the team's provider as the directory has it now; their active cases and fingerprint stay
null, and the trends show them as not recorded.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEAM_BACKFILL = """
INSERT INTO team_run_totals (run_id, team_code, provider_code, open, new, reopened, resolved)
SELECT c.run_id, c.team_code, t.provider_code, SUM(c.open), SUM(c.new), SUM(c.reopened),
       SUM(c.resolved)
FROM check_counts c LEFT JOIN directory_teams t ON t.team_code = c.team_code
GROUP BY c.run_id, c.team_code, t.provider_code
"""
PROVIDER_BACKFILL = """
INSERT INTO provider_check_totals (run_id, provider_code, "check", open, new, reopened, resolved)
SELECT c.run_id, t.provider_code, c."check", SUM(c.open), SUM(c.new), SUM(c.reopened),
       SUM(c.resolved)
FROM check_counts c LEFT JOIN directory_teams t ON t.team_code = c.team_code
GROUP BY c.run_id, t.provider_code, c."check"
"""


def _counts() -> list[sa.Column[int]]:
    return [sa.Column(name, sa.Integer(), nullable=False) for name in _COUNT_NAMES]


_COUNT_NAMES = ("open", "new", "reopened", "resolved")


def upgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("config_fingerprint", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("config_description", sa.Text(), nullable=True))
    op.create_table(
        "team_run_totals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("team_code", sa.String(length=32), nullable=True),
        sa.Column("provider_code", sa.String(length=32), nullable=True),
        sa.Column("active_persons", sa.Integer(), nullable=True),
        sa.Column("active_events", sa.Integer(), nullable=True),
        *_counts(),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_team_run_totals_run_id_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_run_totals")),
    )
    with op.batch_alter_table("team_run_totals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_run_totals_run_id"), ["run_id"])
        batch_op.create_index(
            batch_op.f("ix_team_run_totals_team_code_run_id"), ["team_code", "run_id"]
        )
        batch_op.create_index(
            batch_op.f("ix_team_run_totals_provider_code_run_id"), ["provider_code", "run_id"]
        )
    op.create_table(
        "provider_check_totals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("provider_code", sa.String(length=32), nullable=True),
        sa.Column("check", sa.String(length=64), nullable=False),
        *_counts(),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_provider_check_totals_run_id_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_check_totals")),
    )
    with op.batch_alter_table("provider_check_totals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_provider_check_totals_run_id"), ["run_id"])
        batch_op.create_index(
            batch_op.f("ix_provider_check_totals_provider_code_run_id"),
            ["provider_code", "run_id"],
        )
    _indexes_for_reading()
    op.execute(TEAM_BACKFILL)
    op.execute(PROVIDER_BACKFILL)


def _indexes_for_reading() -> None:
    with op.batch_alter_table("check_counts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_check_counts_team_code_run_id"), ["team_code", "run_id"]
        )
    with op.batch_alter_table("measures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_measures_team_code_run_id"), ["team_code", "run_id"])
        batch_op.create_index(
            batch_op.f("ix_measures_level_provider_code_run_id"),
            ["level", "provider_code", "run_id"],
        )
    with op.batch_alter_table("exceptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exceptions_status_resolved_on"), ["status", "resolved_on"]
        )


def downgrade() -> None:
    with op.batch_alter_table("exceptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exceptions_status_resolved_on"))
    with op.batch_alter_table("measures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measures_level_provider_code_run_id"))
        batch_op.drop_index(batch_op.f("ix_measures_team_code_run_id"))
    with op.batch_alter_table("check_counts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_check_counts_team_code_run_id"))
    op.drop_table("provider_check_totals")
    op.drop_table("team_run_totals")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_column("config_description")
        batch_op.drop_column("config_fingerprint")
