"""The seconds each stage of a run took (load, validate, context, checks, measures,
reconcile, store, email), for the metrics. Runs recorded before have none.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "run_stages",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_run_stages_run_id_runs")),
        sa.PrimaryKeyConstraint("run_id", "stage", name=op.f("pk_run_stages")),
    )


def downgrade() -> None:
    op.drop_table("run_stages")
