"""The delivery ledger of the morning emails: one row per run and recipient.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notification_ledger",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("recipient_key", sa.String(length=320), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('sending', 'sent', 'deferred', 'rejected')",
            name=op.f("ck_notification_ledger_status"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_notification_ledger_run_id_runs")
        ),
        sa.PrimaryKeyConstraint("run_id", "recipient_key", name=op.f("pk_notification_ledger")),
    )
    op.create_index(
        op.f("ix_notification_ledger_recipient_key_status_as_of"),
        "notification_ledger",
        ["recipient_key", "status", "as_of"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_notification_ledger_recipient_key_status_as_of"),
        table_name="notification_ledger",
    )
    op.drop_table("notification_ledger")
