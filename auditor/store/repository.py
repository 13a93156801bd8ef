"""Reads and writes of a run: the run record, what reconcile needs, its changes, and
what its emails are built from.

Every function takes an open connection from ``Store.reading()`` or ``Store.writing()``
and never commits: the caller's transaction decides. Frames are written in bulk
(auditor/store/bulk.py), never one ORM object per row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import ColumnElement, Connection, Table, case, func, insert, select, update

from auditor.lifecycle import DETAILS, IDENTITY, KNOWN_SCHEMA, Reconciliation
from auditor.store.bulk import insert_frame, read_frame, update_by_id
from auditor.store.models import (
    CheckCount,
    HistoryEntry,
    MeasureFigure,
    Reject,
    Run,
    RunCheck,
    RunStage,
    RunTable,
    StoredException,
)

EXCEPTIONS: Table = StoredException.__table__  # type: ignore[assignment]
HISTORY: Table = HistoryEntry.__table__  # type: ignore[assignment]


def _stored(*names: str) -> dict[str, pl.DataType]:
    """The id as exception_id, then the named columns as KNOWN_SCHEMA types them."""
    return {"exception_id": pl.Int64(), **{name: KNOWN_SCHEMA[name] for name in names}}


# The open exceptions as the emails need them, with their triage (which hides some).
OPEN_SCHEMA = _stored(*IDENTITY, *DETAILS, "first_seen", "triage", "snoozed_until") | {
    "dispute_state": pl.String()
}
RESOLVED_SCHEMA = _stored(
    "check", "crn", "staff_code", "team_code", "spo_staff_code", "resolved_on"
)


@dataclass(frozen=True)
class RunRecord:
    id: int
    as_of: dt.date
    status: str  # succeeded or failed
    error: str | None


def read_run(connection: Connection, run_id: int) -> RunRecord | None:
    """A run's record, or None when there is no such run."""
    query = select(Run.id, Run.as_of, Run.status, Run.error).where(Run.id == run_id)
    row = connection.execute(query).one_or_none()
    return None if row is None else RunRecord(*row)


def latest_run_id(connection: Connection) -> int | None:
    """The id of the latest successful run: the one whose outcome the exceptions hold."""
    return connection.scalar(select(func.max(Run.id)).where(Run.status == "succeeded"))


def latest_as_of(connection: Connection) -> dt.date | None:
    """The as-of date of the latest successful run, if any."""
    latest = select(func.max(Run.as_of)).where(Run.status == "succeeded")
    return connection.scalar(latest)


def insert_run(
    connection: Connection,
    as_of: dt.date,
    started_at: dt.datetime,
    source: str,
    status: str = "succeeded",
    error: str | None = None,
) -> int:
    """Record a run (its end time is the time of writing) and return its id."""
    values = {
        "as_of": as_of,
        "started_at": started_at,
        "finished_at": now(),
        "source": source,
        "status": status,
        "error": error,
    }
    run_id = connection.scalar(insert(Run).values(values).returning(Run.id))
    assert run_id is not None
    return run_id


def finish_run(connection: Connection, run_id: int) -> None:
    connection.execute(update(Run).where(Run.id == run_id).values(finished_at=now()))


def write_run_stages(connection: Connection, run_id: int, seconds: dict[str, float]) -> None:
    """The seconds each stage of the run took (those it reached)."""
    rows = [{"run_id": run_id, "stage": k, "seconds": v} for k, v in seconds.items()]
    if rows:
        connection.execute(insert(RunStage), rows)


def write_run_details(
    connection: Connection,
    run_id: int,
    tables: pl.DataFrame,
    rejects: pl.DataFrame,
    outcomes: pl.DataFrame,
    measures: pl.DataFrame,
) -> None:
    """Rows read per table, the rejects, each check's outcome and the measures."""
    for model, frame in (
        (RunTable, tables),
        (Reject, rejects),
        (RunCheck, outcomes),
        (MeasureFigure, measures),
    ):
        insert_frame(connection, model.__table__, frame, run_id=run_id)  # type: ignore[arg-type]


def read_known(connection: Connection, before_run: int | None) -> pl.DataFrame:
    """Every stored exception, as lifecycle.reconcile needs it (KNOWN_SCHEMA), as it
    stood before run ``before_run`` (the run being reconciled, already recorded; None:
    as the store stands): the open ones' last_seen is the latest successful run's
    as-of date before it (see ``last_seen``)."""
    columns = [
        last_seen(before_run).label(name) if name == "last_seen" else EXCEPTIONS.c[name]
        for name in KNOWN_SCHEMA
    ]
    return read_frame(connection, select(*columns), KNOWN_SCHEMA)


def last_seen(before_run: int | None = None) -> ColumnElement[dt.date]:
    """An exception's last_seen: the latest as-of date it was found failing.

    An open exception was found by the latest successful run (open after a run means
    found by it), so its last_seen is that run's as-of date, read from the run: the
    column is not moved on every open exception every day (issue 11). The column holds
    it once the exception is not open (resolved, record missing or unconfirmed: whatever
    its check did, it stays). ``before_run``: the latest successful run before that one.
    """
    latest = select(func.max(Run.as_of)).where(Run.status == "succeeded")
    if before_run is not None:
        latest = latest.where(Run.id < before_run)
    return case(
        (EXCEPTIONS.c.status == "open", latest.scalar_subquery()), else_=EXCEPTIONS.c.last_seen
    )


def read_open(connection: Connection) -> pl.DataFrame:
    """Every open exception (OPEN_SCHEMA), oldest first."""
    columns = [_as_exception_id(name) for name in OPEN_SCHEMA]
    query = select(*columns).where(EXCEPTIONS.c.status == "open").order_by(EXCEPTIONS.c.id)
    return read_frame(connection, query, OPEN_SCHEMA)


def read_resolved(connection: Connection, after: dt.date, until: dt.date) -> pl.DataFrame:
    """The exceptions resolved after ``after`` and by ``until`` (RESOLVED_SCHEMA)."""
    resolved_on = EXCEPTIONS.c.resolved_on
    query = (
        select(*[_as_exception_id(name) for name in RESOLVED_SCHEMA])
        .where(EXCEPTIONS.c.status == "resolved", resolved_on > after, resolved_on <= until)
        .order_by(EXCEPTIONS.c.id)
    )
    return read_frame(connection, query, RESOLVED_SCHEMA)


def _as_exception_id(name: str) -> Any:
    return EXCEPTIONS.c.id.label(name) if name == "exception_id" else EXCEPTIONS.c[name]


def next_exception_id(connection: Connection) -> int:
    return (connection.scalar(select(func.max(StoredException.id))) or 0) + 1


def write_changes(
    connection: Connection, run_id: int, changes: Reconciliation, at: dt.datetime
) -> None:
    """Apply a reconciliation: new exceptions, changed ones, their history, the counts."""
    insert_frame(
        connection, EXCEPTIONS, changes.inserts, dispute_reason=None, triage_by=None, triage_at=None
    )
    update_by_id(connection, EXCEPTIONS, changes.updates)
    insert_frame(connection, HISTORY, changes.history, at=at, run_id=run_id, person=None)
    insert_frame(connection, CheckCount.__table__, changes.counts, run_id=run_id)  # type: ignore[arg-type]


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
