"""Bulk writes and reads of frames keep every value as it was, on SQLite and PostgreSQL:
NULL apart from an empty string, text with commas, quotes and line ends, dates, times."""

from __future__ import annotations

import datetime as dt

import polars as pl
from sqlalchemy import Table, select

from auditor.store.bulk import insert_frame, read_frame, update_by_id
from auditor.store.database import Store
from auditor.store.models import HistoryEntry, Run, StoredException

EXCEPTIONS: Table = StoredException.__table__  # type: ignore[assignment]
HISTORY: Table = HistoryEntry.__table__  # type: ignore[assignment]
RUNS: Table = Run.__table__  # type: ignore[assignment]
AT = dt.datetime(2026, 1, 5, 6, 30, 15, 123456, tzinfo=dt.UTC)
DAY = dt.date(2026, 1, 5)
ODD_TEXT = ["", None, 'a "quoted", comma', "two\nlines\r\nend", "Ó Súilleabháin – ‏x", "NULL"]
TEXT = [text if text is not None else "\\N" for text in ODD_TEXT]  # for NOT NULL columns
SCHEMA: dict[str, pl.DataType] = {
    "id": pl.Int64(), "check": pl.String(), "crn": pl.String(), "subject": pl.String(),
    "severity": pl.String(), "reason": pl.String(), "due_date": pl.Date(),
    "staff_code": pl.String(), "team_code": pl.String(), "spo_staff_code": pl.String(),
    "status": pl.String(), "first_seen": pl.Date(), "last_seen": pl.Date(),
    "resolved_on": pl.Date(), "reopen_count": pl.Int64(), "triage": pl.String(),
    "snoozed_until": pl.Date(),
}  # fmt: skip


def exceptions() -> pl.DataFrame:
    count = len(ODD_TEXT)
    return pl.DataFrame(
        {
            "id": list(range(1, count + 1)), "check": ["rsr_missing"] * count,
            "crn": [f"X{n}" for n in range(count)], "subject": TEXT,
            "severity": ["high"] * count, "reason": list(reversed(TEXT)),
            "due_date": [DAY, None, dt.date(999, 1, 2), DAY, None, dt.date(9999, 12, 31)],
            "staff_code": ODD_TEXT, "team_code": [None] * count, "spo_staff_code": ODD_TEXT,
            "status": ["open"] * count, "first_seen": [DAY] * count, "last_seen": [DAY] * count,
            "resolved_on": [None] * count, "reopen_count": list(range(count)),
            "triage": ["none"] * count, "snoozed_until": [None, DAY] * (count // 2),
        },
        schema=SCHEMA,
    )  # fmt: skip


def stored(store: Store) -> pl.DataFrame:
    with store.reading() as connection:
        query = select(*[EXCEPTIONS.c[name] for name in SCHEMA]).order_by(EXCEPTIONS.c.id)
        return read_frame(connection, query, SCHEMA)


def test_inserted_rows_read_back_as_they_were(store: Store) -> None:
    frame = exceptions()
    with store.writing() as connection:
        insert_frame(connection, EXCEPTIONS, frame, dispute_reason=None, triage_at=AT)

    assert stored(store).equals(frame)
    with store.reading() as connection:
        times = set(connection.scalars(select(EXCEPTIONS.c.triage_at)))
    assert {utc(at) for at in times} == {AT}


def test_updated_rows_read_back_as_they_were(store: Store) -> None:
    frame = exceptions()
    with store.writing() as connection:
        insert_frame(connection, EXCEPTIONS, frame)
    changed = frame.select(
        "id",
        status=pl.lit("resolved"),
        reason=pl.col("subject"),
        resolved_on=pl.col("due_date"),
    )
    with store.writing() as connection:
        update_by_id(connection, EXCEPTIONS, changed.filter(pl.col("id") > 2))

    expected = frame.with_columns(
        status=pl.when(pl.col("id") > 2).then(pl.lit("resolved")).otherwise("status"),
        reason=pl.when(pl.col("id") > 2).then("subject").otherwise("reason"),
        resolved_on=pl.when(pl.col("id") > 2).then("due_date").otherwise("resolved_on"),
    )
    assert stored(store).equals(expected)


def test_a_read_of_no_rows_is_an_empty_frame_of_the_schema(store: Store) -> None:
    frame = stored(store)

    assert frame.is_empty() and frame.schema == pl.Schema(SCHEMA)


def test_a_timestamp_and_a_run_id_shared_by_every_row(store: Store) -> None:
    run = {"as_of": DAY, "started_at": AT, "finished_at": AT, "source": "x", "status": "succeeded"}
    with store.writing() as connection:
        run_id = connection.scalar(RUNS.insert().values(run).returning(Run.id))
        insert_frame(connection, EXCEPTIONS, exceptions())
        history = pl.DataFrame({"exception_id": [1, 2], "what": ["opened", "opened"]})
        insert_frame(connection, HISTORY, history, at=AT, run_id=run_id)

    with store.reading() as connection:
        rows = connection.execute(select(HistoryEntry.at, HistoryEntry.run_id)).all()
    assert [(utc(at), run) for at, run in rows] == [(AT, run_id), (AT, run_id)]


def utc(at: dt.datetime) -> dt.datetime:
    """SQLite gives back naive times, written in UTC."""
    return at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at
