"""The repository's reads and bulk writes, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from sqlalchemy import select

from auditor.lifecycle import KNOWN_SCHEMA, reconcile
from auditor.store import repository
from auditor.store.database import Store
from auditor.store.models import Reject, StoredException
from auditor.store.triage import set_triage
from checks.base import EXCEPTION_SCHEMA
from tests.auditor.audits import REJECTS, TABLES, finding

MON, TUE = dt.date(2026, 1, 5), dt.date(2026, 1, 6)
DAY = dt.timedelta(days=1)
STARTED = dt.datetime(2026, 1, 5, 6, 0, tzinfo=dt.UTC)
NO_RECORDS = pl.LazyFrame(schema=dict.fromkeys(("check", "crn", "subject"), pl.String()))


def test_an_empty_store_knows_nothing(store: Store) -> None:
    with store.reading() as connection:
        assert repository.read_known(connection, None).schema == pl.Schema(KNOWN_SCHEMA)
        assert repository.read_known(connection, None).is_empty()
        assert repository.next_exception_id(connection) == 1
        assert repository.latest_as_of(connection) is None


def test_written_changes_read_back_as_known_exceptions(store: Store) -> None:
    found = pl.DataFrame(
        [finding("X1", due_date=MON), finding("X2", staff_code=None)], schema=EXCEPTION_SCHEMA
    )
    with store.writing(exclusive=True) as connection:
        run_id = repository.insert_run(connection, MON, STARTED, "extract")
        changes = reconcile(
            repository.read_known(connection, run_id),
            found,
            {"rsr_missing": "ok"},
            NO_RECORDS,
            MON,
            1,
        )
        repository.write_changes(connection, run_id, changes, STARTED)

    with store.reading() as connection:
        known = repository.read_known(connection, None)
        assert repository.next_exception_id(connection) == 3
    assert known.drop("first_seen", "last_seen").to_dicts() == [
        {"id": 1, **finding("X1", due_date=MON), "status": "open", "resolved_on": None,
         "reopen_count": 0, "triage": "none", "snoozed_until": None, "triage_by": None},
        {"id": 2, **finding("X2", staff_code=None), "status": "open", "resolved_on": None,
         "reopen_count": 0, "triage": "none", "snoozed_until": None, "triage_by": None},
    ]  # fmt: skip


def run_day(store: Store, day: dt.date, *crns: str, outcome: str = "ok") -> None:
    """One run of rsr_missing as of ``day`` finding ``crns`` (its check ``outcome``)."""
    found = pl.DataFrame([finding(crn) for crn in crns], schema=EXCEPTION_SCHEMA)
    with store.writing(exclusive=True) as connection:
        run_id = repository.insert_run(connection, day, STARTED, "extract")
        known = repository.read_known(connection, run_id)
        changes = reconcile(
            known, found, {"rsr_missing": outcome}, NO_RECORDS, day, 1 + known.height
        )
        repository.write_changes(connection, run_id, changes, STARTED)


def last_seen(store: Store) -> list[tuple[str, str, dt.date, dt.date]]:
    with store.reading() as connection:
        known = repository.read_known(connection, None).sort("crn")
    return known.select("crn", "status", "first_seen", "last_seen").rows()


def test_a_run_moves_last_seen_of_the_exceptions_it_found_and_no_other(store: Store) -> None:
    run_day(store, MON, "X1", "X2")
    run_day(store, TUE, "X1", "X3")  # X1 still failing as it was: nothing written for it

    assert last_seen(store) == [
        ("X1", "open", MON, TUE),
        ("X2", "record_missing", MON, MON),
        ("X3", "open", TUE, TUE),
    ]
    with store.reading() as connection:
        query = select(StoredException.last_seen).where(StoredException.crn == "X1")
        assert connection.scalar(query) == MON  # not written again: its run gives TUE


def test_an_errored_check_leaves_last_seen_where_it_was(store: Store) -> None:
    run_day(store, MON, "X1", "X2")
    run_day(store, TUE, "X1")
    run_day(store, TUE + DAY, outcome="error")  # nothing known: not found, not resolved

    assert last_seen(store) == [
        ("X1", "unconfirmed", MON, TUE),
        ("X2", "unconfirmed", MON, MON),
    ]


def test_an_exception_found_again_is_last_seen_on_that_run(store: Store) -> None:
    run_day(store, MON, "X1")
    run_day(store, TUE)  # record missing
    run_day(store, TUE + DAY, "X1")

    assert last_seen(store) == [("X1", "open", MON, TUE + DAY)]


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


def stored_exceptions(store: Store) -> None:
    """X1 open since Monday (exception 2); X2 resolved on Tuesday; X3 resolved on
    Monday; X4 (exception 1, of another check) unconfirmed."""
    found = pl.DataFrame(
        [finding("X1", due_date=MON), finding("X2"), finding("X3"), finding("X4", check="other")],
        schema=EXCEPTION_SCHEMA,
    )
    later = found.filter(pl.col("crn") == "X1")
    examined = pl.LazyFrame(
        {"check": ["rsr_missing"] * 2, "crn": ["X2", "X3"], "subject": ["", ""]}
    )
    runs = [
        (MON, found, {"rsr_missing": "ok", "other": "ok"}, NO_RECORDS),
        (MON, found.filter(pl.col("crn") != "X3"), {"rsr_missing": "ok", "other": "ok"}, examined),
        (TUE, later, {"rsr_missing": "ok"}, examined),
    ]
    for day, frame, outcomes, records in runs:
        with store.writing(exclusive=True) as connection:
            run_id = repository.insert_run(connection, day, STARTED, "extract")
            known = repository.read_known(connection, run_id)
            next_id = repository.next_exception_id(connection)
            changes = reconcile(known, frame, outcomes, records, day, next_id)
            repository.write_changes(connection, run_id, changes, STARTED)


def test_the_open_exceptions_are_read_with_their_triage(store: Store) -> None:
    stored_exceptions(store)
    set_triage(store, 2, "snoozed", "Sue Senior", until=TUE + DAY)  # X1

    with store.reading() as connection:
        frame = repository.read_open(connection)

    assert frame.schema == pl.Schema(repository.OPEN_SCHEMA)
    assert frame.drop("reason").rows(named=True) == [
        {"exception_id": 2, "check": "rsr_missing", "crn": "X1", "subject": "",
         "severity": "high", "due_date": MON, "staff_code": "N07A001",
         "team_code": "N07T01", "spo_staff_code": "N07S001", "first_seen": MON,
         "triage": "snoozed", "snoozed_until": TUE + DAY, "dispute_state": None},
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("after", "until", "crns"),
    [(MON - DAY, TUE, ["X3", "X2"]), (MON, TUE, ["X2"]), (MON - DAY, MON, ["X3"])],
)
def test_the_exceptions_resolved_in_a_window(
    store: Store, after: dt.date, until: dt.date, crns: list[str]
) -> None:
    stored_exceptions(store)

    with store.reading() as connection:
        frame = repository.read_resolved(connection, after, until)

    assert frame.schema == pl.Schema(repository.RESOLVED_SCHEMA)
    assert sorted(zip(frame["resolved_on"], frame["crn"], strict=True)) == sorted(
        zip([MON if c == "X3" else TUE for c in crns], crns, strict=True)
    )


def test_a_run_is_read_back_and_the_latest_successful_one_named(store: Store) -> None:
    with store.writing() as connection:
        first = repository.insert_run(connection, MON, STARTED, "extract")
        failed = repository.insert_run(connection, TUE, STARTED, "extract", "failed", "bad")

    with store.reading() as connection:
        assert repository.read_run(connection, failed) == repository.RunRecord(
            failed, TUE, "failed", "bad"
        )
        assert repository.read_run(connection, failed + 1) is None
        assert repository.latest_run_id(connection) == first
