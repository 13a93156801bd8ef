"""The exception store's tables, as SQLAlchemy 2 declarative models.

The models hold data, not behaviour (STYLE.md rule 4): the lifecycle is in
auditor/lifecycle.py and every read and write in auditor/store/repository.py. The schema
is created and upgraded by the Alembic migrations in auditor/store/migrations, which a
test keeps in step with these models.

- ``runs``: one row per run (as-of date, start and end, source, status, error), with
  ``run_tables`` (rows read, kept and rejected per table), ``rejects`` (one row per
  rejected row and fault), ``run_checks`` (each check's outcome), ``check_counts``
  (per check and team, for trends) and ``measures`` (the timeliness measures); for the
  trends also ``team_run_totals`` (active cases and exceptions per team),
  ``provider_run_totals`` (the same per provider) and ``provider_check_totals``
  (exceptions per provider and check).
- ``exceptions``: one row per identity (check, crn, subject) ever raised, with its
  current details, its system status and the triage state people gave it.
- ``exception_history``: append-only, one row per change to an exception.
- ``notification_ledger``: one row per run and email recipient, the delivery ledger of
  notifiers/ledger.py (auditor/store/ledger.py reads and writes it).
- ``directory_teams``, ``directory_staff``, ``directory_persons``: who is who, as of the
  latest run (names, providers, SPOs), for the worklist and its scoping
  (auditor/store/directory.py).
- ``users``, ``user_scopes``, ``api_tokens``, ``web_sessions``, ``login_failures``: the
  worklist's people, what each may see, and their sign-ins (auditor/store/users.py,
  auditor/store/sessions.py).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

RUN_STATUSES = ("succeeded", "failed")
STATUSES = ("open", "resolved", "record_missing", "unconfirmed")
TRIAGE_STATES = ("none", "acknowledged", "snoozed", "disputed", "done")
LEDGER_STATUSES = ("sending", "sent", "deferred", "rejected")  # notifiers.ledger.Status
DISPUTE_STATES = ("pending", "approved", "rejected")
ROLES = ("admin", "spo", "senior_manager", "sysadmin")
SCOPE_KINDS = ("provider", "team")

CheckName = String(64)  # a registry key
Code = String(32)  # a CRN, subject, staff, team or provider code
Timestamp = DateTime(timezone=True)
Address = String(320)  # an email address (RFC 5321: 64 + 1 + 255), or a key naming one


def _one_of(column: str, values: tuple[str, ...]) -> str:
    listed = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({listed})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Run(Base):
    __tablename__ = "runs"
    __table_args__ = (CheckConstraint(_one_of("status", RUN_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date, index=True)
    started_at: Mapped[dt.datetime] = mapped_column(Timestamp)
    finished_at: Mapped[dt.datetime] = mapped_column(Timestamp)
    source: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    # The checks and parameters in force (auditor/trends_recording.py): a change shows on
    # the trends. Null on runs recorded before migration 0004.
    config_fingerprint: Mapped[str | None] = mapped_column(String(64))
    config_description: Mapped[str | None] = mapped_column(Text)


class RunTable(Base):
    """Rows read, kept and rejected from one table of the extract on one run."""

    __tablename__ = "run_tables"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), primary_key=True)
    table_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    rows_read: Mapped[int] = mapped_column(Integer)
    rows_kept: Mapped[int] = mapped_column(Integer)
    rows_rejected: Mapped[int] = mapped_column(Integer)


class Reject(Base):
    """A row of the extract that was not checked, and why (DATA-CONTRACT.md)."""

    __tablename__ = "rejects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    table_name: Mapped[str] = mapped_column(String(64))
    row_number: Mapped[int | None] = mapped_column(Integer)
    key: Mapped[str | None] = mapped_column(Text)
    column_name: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)


class RunStage(Base):
    """How long one stage of one run took (auditor/stopwatch.py), for the metrics."""

    __tablename__ = "run_stages"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), primary_key=True)
    stage: Mapped[str] = mapped_column(String(16), primary_key=True)
    seconds: Mapped[float] = mapped_column(Float)


class RunCheck(Base):
    """How one check fared on one run: ok, disabled or error."""

    __tablename__ = "run_checks"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), primary_key=True)
    check: Mapped[str] = mapped_column(CheckName, primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    found: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)


# The columns of the worklist's other filters (an unowned exception's person and the CRN
# search; overdue; new since and age; assigned to; offender manager), at the end of its
# counts' indexes, so that those read the index alone whatever the filter.
FILTERED = ("crn", "due_date", "first_seen", "assigned_to", "staff_code")


class StoredException(Base):
    """One exception, followed from the day it appears to the day its fix is confirmed."""

    __tablename__ = "exceptions"
    __table_args__ = (
        UniqueConstraint("check", "crn", "subject", name="uq_exceptions_identity"),
        CheckConstraint(_one_of("status", STATUSES), name="status"),
        CheckConstraint(_one_of("triage", TRIAGE_STATES), name="triage"),
        CheckConstraint(_one_of("dispute_state", DISPUTE_STATES), name="dispute_state"),
        Index(None, "spo_staff_code", "status"),
        # The trends' time to fix, read from the index alone (migration 0006).
        Index(None, "status", "resolved_on", "check", "first_seen", "team_code"),
        # PostgreSQL: pattern ops, so that a CRN search (LIKE 'X12%') can use it whatever
        # the database's collation (equality still can).
        Index(None, "crn", postgresql_ops={"crn": "varchar_pattern_ops"}),
        # The worklist (auditor/store/worklist/). Its counts' two grouped queries each
        # read one of the first two alone, in its order: no table, no sort. Its pages are
        # the first rows of the others, by status: severity then due date (the severity
        # and due-date sorts, read a severity at a time), first seen (age), CRN.
        Index(
            "ix_exceptions_team_facets",
            "team_code",
            "status",
            "triage",
            "dispute_state",
            "check",
            "severity",
            *FILTERED,
        ),  # fmt: skip
        Index(
            "ix_exceptions_check_facets",
            "check",
            "severity",
            "status",
            "triage",
            "dispute_state",
            "team_code",
            *FILTERED,
        ),  # fmt: skip
        Index(
            "ix_exceptions_due_order",
            "status",
            "due_date",
            "id",
            "severity",
            "triage",
            "dispute_state",
            "team_code",
            *(column for column in FILTERED if column != "due_date"),
        ),  # fmt: skip
        Index(None, "status", "first_seen", "id"),
        Index(None, "status", "crn", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    check: Mapped[str] = mapped_column(CheckName)
    crn: Mapped[str] = mapped_column(Code)
    subject: Mapped[str] = mapped_column(Code)
    severity: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(Text)
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    staff_code: Mapped[str | None] = mapped_column(Code)
    team_code: Mapped[str | None] = mapped_column(Code)
    spo_staff_code: Mapped[str | None] = mapped_column(Code)
    status: Mapped[str] = mapped_column(String(16))
    first_seen: Mapped[dt.date] = mapped_column(Date)
    # The latest as-of date it was found failing, once it is not open. An open one was
    # found by the latest successful run: read its last_seen as that run's as-of date
    # (repository.last_seen); this column is not moved on every open row each day.
    last_seen: Mapped[dt.date] = mapped_column(Date)
    resolved_on: Mapped[dt.date | None] = mapped_column(Date)
    reopen_count: Mapped[int] = mapped_column(Integer)
    triage: Mapped[str] = mapped_column(String(16))
    snoozed_until: Mapped[dt.date | None] = mapped_column(Date)
    dispute_reason: Mapped[str | None] = mapped_column(Text)
    triage_by: Mapped[str | None] = mapped_column(String(128))
    triage_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    # The worklist's: which admin has it, how a dispute stands, and a counter that every
    # person's change moves on (optimistic concurrency: a change made on a stale page is
    # refused).
    assigned_to: Mapped[str | None] = mapped_column(String(128))
    dispute_state: Mapped[str | None] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, server_default="1")


class HistoryEntry(Base):
    """One change to an exception: what, when, and which run or which person."""

    __tablename__ = "exception_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exception_id: Mapped[int] = mapped_column(ForeignKey("exceptions.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(Timestamp)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), index=True)
    person: Mapped[str | None] = mapped_column(String(128))
    what: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    # A person's change: the triage before and after (runs' changes leave them null).
    from_triage: Mapped[str | None] = mapped_column(String(16))
    to_triage: Mapped[str | None] = mapped_column(String(16))


class CheckCount(Base):
    """Exceptions per run, check and team after the run: for trends."""

    __tablename__ = "check_counts"
    __table_args__ = (Index(None, "team_code", "run_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    check: Mapped[str] = mapped_column(CheckName)
    team_code: Mapped[str | None] = mapped_column(Code)
    open: Mapped[int] = mapped_column(Integer)
    new: Mapped[int] = mapped_column(Integer)
    still_open: Mapped[int] = mapped_column(Integer)
    reopened: Mapped[int] = mapped_column(Integer)
    resolved: Mapped[int] = mapped_column(Integer)
    record_missing: Mapped[int] = mapped_column(Integer)
    unconfirmed: Mapped[int] = mapped_column(Integer)


class MeasureFigure(Base):
    """One timeliness measure at one level (national, provider, team) on one run."""

    __tablename__ = "measures"
    __table_args__ = (
        Index(None, "level", "team_code", "run_id"),
        Index(None, "level", "provider_code", "run_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    measure: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(16))
    provider_code: Mapped[str | None] = mapped_column(Code)
    team_code: Mapped[str | None] = mapped_column(Code)
    provider_type: Mapped[str | None] = mapped_column(String(8))
    met: Mapped[int] = mapped_column(Integer)
    eligible: Mapped[int] = mapped_column(Integer)
    percent: Mapped[float | None] = mapped_column(Float)
    inspection_figure: Mapped[str | None] = mapped_column(Text)
    inspection_paragraph: Mapped[str | None] = mapped_column(Text)
    window_from: Mapped[dt.date] = mapped_column(Date)
    window_to: Mapped[dt.date] = mapped_column(Date)


class TeamRunTotal(Base):
    """One team on one run (auditor/store/trends.py): its active cases at D and its
    exceptions over every check after the run. Team and provider are null for the
    unowned; the active counts are null for runs recorded before migration 0004."""

    __tablename__ = "team_run_totals"
    __table_args__ = (Index(None, "team_code", "run_id"), Index(None, "provider_code", "run_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    team_code: Mapped[str | None] = mapped_column(Code)
    provider_code: Mapped[str | None] = mapped_column(Code)
    active_persons: Mapped[int | None] = mapped_column(Integer)
    active_events: Mapped[int | None] = mapped_column(Integer)
    open: Mapped[int] = mapped_column(Integer)
    new: Mapped[int] = mapped_column(Integer)
    reopened: Mapped[int] = mapped_column(Integer)
    resolved: Mapped[int] = mapped_column(Integer)


class ProviderRunTotal(Base):
    """One provider on one run: team_run_totals summed over its teams (the unowned under
    no provider), so that national and provider trends read tens of rows per run."""

    __tablename__ = "provider_run_totals"
    __table_args__ = (Index(None, "provider_code", "run_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    provider_code: Mapped[str | None] = mapped_column(Code)
    active_persons: Mapped[int | None] = mapped_column(Integer)
    active_events: Mapped[int | None] = mapped_column(Integer)
    open: Mapped[int] = mapped_column(Integer)
    new: Mapped[int] = mapped_column(Integer)
    reopened: Mapped[int] = mapped_column(Integer)
    resolved: Mapped[int] = mapped_column(Integer)


class ProviderCheckTotal(Base):
    """One check in one provider on one run: check_counts summed over the provider's
    teams, so that national and provider trends read hundreds of rows, not millions."""

    __tablename__ = "provider_check_totals"
    __table_args__ = (Index(None, "provider_code", "run_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    provider_code: Mapped[str | None] = mapped_column(Code)
    check: Mapped[str] = mapped_column(CheckName)
    open: Mapped[int] = mapped_column(Integer)
    new: Mapped[int] = mapped_column(Integer)
    reopened: Mapped[int] = mapped_column(Integer)
    resolved: Mapped[int] = mapped_column(Integer)


class Notification(Base):
    """One email of one run to one recipient: where it went and how its delivery stands.

    Written in its own short transaction at each step of a delivery, apart from the run's
    data (notifiers/ledger.py). ``last_sent`` reads it by recipient, status and as-of
    date, hence the index.
    """

    __tablename__ = "notification_ledger"
    __table_args__ = (
        CheckConstraint(_one_of("status", LEDGER_STATUSES), name="status"),
        Index(None, "recipient_key", "status", "as_of"),
    )

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), primary_key=True)
    recipient_key: Mapped[str] = mapped_column(Address, primary_key=True)
    address: Mapped[str] = mapped_column(Address)
    as_of: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    message_id: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(Timestamp)


class DirectoryTeam(Base):
    """A team as the latest run's extract had it, with its provider and SPO."""

    __tablename__ = "directory_teams"

    team_code: Mapped[str] = mapped_column(Code, primary_key=True)
    team_name: Mapped[str | None] = mapped_column(Text)
    provider_code: Mapped[str | None] = mapped_column(Code, index=True)
    provider_name: Mapped[str | None] = mapped_column(Text)
    spo_staff_code: Mapped[str | None] = mapped_column(Code, index=True)


class DirectoryStaff(Base):
    """A member of staff as the latest run's extract had them."""

    __tablename__ = "directory_staff"

    staff_code: Mapped[str] = mapped_column(Code, primary_key=True)
    forename: Mapped[str | None] = mapped_column(Text)
    surname: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Address)
    team_code: Mapped[str | None] = mapped_column(Code)


class DirectoryPerson(Base):
    """A person with an exception: their name, and the provider of their latest
    offender manager's team (which scopes their unowned exceptions)."""

    __tablename__ = "directory_persons"

    crn: Mapped[str] = mapped_column(Code, primary_key=True)
    forename: Mapped[str | None] = mapped_column(Text)
    surname: Mapped[str | None] = mapped_column(Text)
    provider_code: Mapped[str | None] = mapped_column(Code, index=True)


class User(Base):
    """Someone who signs in to the worklist. ``all_scope``: every provider and team;
    otherwise ``user_scopes`` (admins, senior managers) or, for an SPO, the teams whose
    SPO is ``staff_code``."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_one_of("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(128), unique=True)
    display_name: Mapped[str] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Address)
    role: Mapped[str] = mapped_column(String(16))
    staff_code: Mapped[str | None] = mapped_column(Code)
    all_scope: Mapped[bool] = mapped_column(Boolean)
    disabled: Mapped[bool] = mapped_column(Boolean)
    password_hash: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp)
    updated_at: Mapped[dt.datetime] = mapped_column(Timestamp)


class UserScope(Base):
    """One provider or team a user may see."""

    __tablename__ = "user_scopes"
    __table_args__ = (CheckConstraint(_one_of("kind", SCOPE_KINDS), name="kind"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    code: Mapped[str] = mapped_column(Code, primary_key=True)


class ApiToken(Base):
    """A user's token for the JSON API; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)


class WebSession(Base):
    """A signed-in browser. The cookie carries a random token; only its SHA-256 is
    kept, with the session's CSRF token and when it was last used (idle timeout)."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp)
    last_seen_at: Mapped[dt.datetime] = mapped_column(Timestamp)


class LoginFailure(Base):
    """A failed sign-in, for the rate limit per user name and per address."""

    __tablename__ = "login_failures"
    __table_args__ = (Index(None, "username", "at"), Index(None, "address", "at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(Timestamp)
    username: Mapped[str] = mapped_column(String(128))
    address: Mapped[str] = mapped_column(String(64))
