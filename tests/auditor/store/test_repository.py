"""The repository's reads and bulk writes, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import polars as pl
from sqlalchemy import select

from auditor.lifecycle import KNOWN_SCHEMA, reconcile
from auditor.store import repository
from auditor.store.database import Store
from auditor.store.models import Reject
from checks.base import EXCEPTION_SCHEMA
from tests.auditor.audits import REJECTS, TABLES, finding

MON, TUE = dt.date(2026, 1, 5), dt.date(2026, 1, 6)
STARTED = dt.datetime(2026, 1, 5, 6, 0, tzinfo=dt.UTC)
NO_RECORDS = pl.LazyFrame(schema=dict.fromkeys(("check", "crn", "subject"), pl.String()))


def test_an_empty_store_knows_nothing(store: Store) -> None:
    with store.reading() as connection:
        assert repository.read_known(connection).schema == pl.Schema(KNOWN_SCHEMA)
        assert repository.read_known(connection).is_empty()
        assert repository.next_exception_id(connection) == 1
        assert repository.latest_as_of(connection) is None


def test_written_changes_read_back_as_known_exceptions(store: Store) -> None:
    found = pl.DataFrame(
        [finding("X1", due_date=MON), finding("X2", staff_code=None)], schema=EXCEPTION_SCHEMA
    )
    with store.writing(exclusive=True) as connection:
        run_id = repository.insert_run(connection, MON, STARTED, "extract")
        changes = reconcile(
            repository.read_known(connection), found, {"rsr_missing": "ok"}, NO_RECORDS, MON, 1
        )
        repository.write_changes(connection, run_id, changes, STARTED)

    with store.reading() as connection:
        known = repository.read_known(connection)
        assert repository.next_exception_id(connection) == 3
    assert known.drop("first_seen", "last_seen").to_dicts() == [
        {"id": 1, **finding("X1", due_date=MON), "status": "open", "resolved_on": None,
         "reopen_count": 0, "triage": "none", "snoozed_until": None, "triage_by": None},
        {"id": 2, **finding("X2", staff_code=None), "status": "open", "resolved_on": None,
         "reopen_count": 0, "triage": "none", "snoozed_until": None, "triage_by": None},
    ]  # fmt: skip


def test_the_latest_as_of_date_counts_only_successful_runs(store: Store) -> None:
    with store.writing() as connection:
        repository.insert_run(connection, MON, STARTED, "extract")
        repository.insert_run(connection, TUE, STARTED, "extract", "failed", "bad extract")

    with store.reading() as connection:
        assert repository.latest_as_of(connection) == MON


def test_frames_are_written_under_the_stores_column_names(store: Store) -> None:
    empty = pl.DataFrame()
    with store.writing() as connection:
        run_id = repository.insert_run(connection, MON, STARTED, "extract")
        repository.write_run_details(connection, run_id, TABLES, REJECTS, empty, empty)

    with store.reading() as connection:
        rejects = connection.execute(select(Reject.table_name, Reject.column_name)).all()
    assert [tuple(r) for r in rejects] == [("offenders", "crn")]
