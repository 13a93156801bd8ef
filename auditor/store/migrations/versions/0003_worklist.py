"""The worklist: who is who as of the latest run, users and their scopes, sign-ins,
API tokens; each exception's assignee, dispute state and version; the triage before
and after each person's change.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "directory_persons",
        sa.Column("crn", sa.String(length=32), nullable=False),
        sa.Column("forename", sa.Text(), nullable=True),
        sa.Column("surname", sa.Text(), nullable=True),
        sa.Column("provider_code", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("crn", name=op.f("pk_directory_persons")),
    )
    with op.batch_alter_table("directory_persons", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_directory_persons_provider_code"), ["provider_code"], unique=False
        )

    op.create_table(
        "directory_staff",
        sa.Column("staff_code", sa.String(length=32), nullable=False),
        sa.Column("forename", sa.Text(), nullable=True),
        sa.Column("surname", sa.Text(), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("team_code", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("staff_code", name=op.f("pk_directory_staff")),
    )
    op.create_table(
        "directory_teams",
        sa.Column("team_code", sa.String(length=32), nullable=False),
        sa.Column("team_name", sa.Text(), nullable=True),
        sa.Column("provider_code", sa.String(length=32), nullable=True),
        sa.Column("provider_name", sa.Text(), nullable=True),
        sa.Column("spo_staff_code", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("team_code", name=op.f("pk_directory_teams")),
    )
    with op.batch_alter_table("directory_teams", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_directory_teams_provider_code"), ["provider_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_directory_teams_spo_staff_code"), ["spo_staff_code"], unique=False
        )

    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(length=128), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_login_failures_address_at"), ["address", "at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_login_failures_username_at"), ["username", "at"], unique=False
        )

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=128), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("staff_code", sa.String(length=32), nullable=True),
        sa.Column("all_scope", sa.Boolean(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('admin', 'spo', 'senior_manager', 'sysadmin')", name=op.f("ck_users_role")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "user_scopes",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.CheckConstraint("kind IN ('provider', 'team')", name=op.f("ck_user_scopes_kind")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_scopes_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", "kind", "code", name=op.f("pk_user_scopes")),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_web_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_sessions_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("exception_history", schema=None) as batch_op:
        batch_op.add_column(sa.Column("from_triage", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("to_triage", sa.String(length=16), nullable=True))

    with op.batch_alter_table("exceptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assigned_to", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("dispute_state", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch_op.create_check_constraint(
            op.f("ck_exceptions_dispute_state"),
            "dispute_state IN ('pending', 'approved', 'rejected')",
        )
        batch_op.create_index(batch_op.f("ix_exceptions_crn"), ["crn"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_exceptions_status_team_code_check_severity_triage"),
            ["status", "team_code", "check", "severity", "triage"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("exceptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exceptions_status_team_code_check_severity_triage"))
        batch_op.drop_index(batch_op.f("ix_exceptions_crn"))
        batch_op.drop_constraint(op.f("ck_exceptions_dispute_state"), type_="check")
        batch_op.drop_column("version")
        batch_op.drop_column("dispute_state")
        batch_op.drop_column("assigned_to")

    with op.batch_alter_table("exception_history", schema=None) as batch_op:
        batch_op.drop_column("to_triage")
        batch_op.drop_column("from_triage")

    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_sessions_user_id"))

    op.drop_table("web_sessions")
    op.drop_table("user_scopes")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    op.drop_table("users")
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_failures_username_at"))
        batch_op.drop_index(batch_op.f("ix_login_failures_address_at"))

    op.drop_table("login_failures")
    with op.batch_alter_table("directory_teams", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directory_teams_spo_staff_code"))
        batch_op.drop_index(batch_op.f("ix_directory_teams_provider_code"))

    op.drop_table("directory_teams")
    op.drop_table("directory_staff")
    with op.batch_alter_table("directory_persons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directory_persons_provider_code"))

    op.drop_table("directory_persons")
