"""The worklist's indexes: one for each of the counts' two grouped queries, one for each
sort order after the status, and, on PostgreSQL, pattern ops on the CRN index (for the
CRN search). The two indexes these cover go: (team_code, status) is a prefix of the
first, and the status-first ones serve what (status, team_code, ...) served.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As auditor/store/models.py has them.
FILTERED = ["crn", "due_date", "first_seen", "assigned_to", "staff_code"]
NEW = {
    "ix_exceptions_team_facets":
        ["team_code", "status", "triage", "dispute_state", "check", "severity", *FILTERED],
    "ix_exceptions_check_facets":
        ["check", "severity", "status", "triage", "dispute_state", "team_code", *FILTERED],
    "ix_exceptions_due_order":
        ["status", "due_date", "id", "severity", "triage", "dispute_state", "team_code",
         "crn", "first_seen", "assigned_to", "staff_code"],
    "ix_exceptions_status_first_seen_id": ["status", "first_seen", "id"],
    "ix_exceptions_status_crn_id": ["status", "crn", "id"],
}  # fmt: skip
OLD = {
    "ix_exceptions_team_code_status": ["team_code", "status"],
    "ix_exceptions_status_team_code_check_severity_triage":
        ["status", "team_code", "check", "severity", "triage"],
}  # fmt: skip


def upgrade() -> None:
    for name in OLD:
        op.drop_index(name, table_name="exceptions")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_exceptions_crn", table_name="exceptions")
        op.create_index("ix_exceptions_crn", "exceptions", ["crn"],
                        postgresql_ops={"crn": "varchar_pattern_ops"})  # fmt: skip
    for name, columns in NEW.items():
        op.create_index(name, "exceptions", columns)


def downgrade() -> None:
    for name in NEW:
        op.drop_index(name, table_name="exceptions")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_exceptions_crn", table_name="exceptions")
        op.create_index("ix_exceptions_crn", "exceptions", ["crn"])
    for name, columns in OLD.items():
        op.create_index(name, "exceptions", columns)
