"""Reads and writes of a run: the run record, what reconcile needs, and its changes.

Every function takes an open connection from ``Store.reading()`` or ``Store.writing()``
and never commits: the caller's transaction decides. Frames are written in bulk
(auditor/store/bulk.py), never one ORM object per row.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from sqlalchemy import Connection, Table, func, insert, select, update

from auditor.lifecycle import KNOWN_SCHEMA, Reconciliation
from auditor.store.bulk import insert_frame, update_by_id
from auditor.store.models import (
    CheckCount,
    HistoryEntry,
    MeasureFigure,
    Reject,
    Run,
    RunCheck,
    RunTable,
    StoredException,
)

EXCEPTIONS: Table = StoredException.__table__  # type: ignore[assignment]
HISTORY: Table = HistoryEntry.__table__  # type: ignore[assignment]


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


def read_known(connection: Connection) -> pl.DataFrame:
    """Every stored exception, as lifecycle.reconcile needs it (KNOWN_SCHEMA)."""
    columns = [EXCEPTIONS.c[name] for name in KNOWN_SCHEMA]
    rows = connection.execute(select(*columns)).all()
    return pl.DataFrame(rows, schema=KNOWN_SCHEMA, orient="row")


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
