"""PostgreSQL: room on each page of exceptions for a row's next version (fillfactor 70).

Every run moves last_seen on every open exception (about 100,000 rows at national
scale) in one UPDATE. last_seen is in no index, so with free space on the page
PostgreSQL can make each new row version a heap-only tuple and leave the exceptions'
wide worklist indexes alone; on full pages every index gets a new entry for every
row (measured at national scale: 6-7 s a day; 3.9 s the first day with room, 1.3-2.3 s
on the days after). Pages written from now on keep the room; older ones take it as
their rows move. SQLite updates rows in place and needs nothing.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FILLFACTOR = 70


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE exceptions SET (fillfactor = {FILLFACTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE exceptions RESET (fillfactor)")
