"""Retention: rejects of old runs and the history of long-fixed exceptions go, counted
from the latest run's as-of date; everything else stays."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, select

from auditor.config import StoreSettings
from auditor.store.database import Store
from auditor.store.models import HistoryEntry, Reject, Run
from auditor.store.retention import Pruned, prune
from tests.auditor.stores import snapshot
from tests.web.stores import AS_OF, exception_row, put_exceptions

DAY = dt.timedelta(days=1)


@pytest.fixture
def aged(store: Store) -> Store:
    """Runs 100 and 10 days before AS_OF (run 1, the latest, is AS_OF), two rejects
    each; exceptions 1 resolved 60 days before, 2 resolved 5 days before, 3 open since
    100 days before; two history rows each."""
    put_exceptions(store, [
        exception_row(1, status="resolved", resolved_on=AS_OF - 60 * DAY),
        exception_row(2, status="resolved", resolved_on=AS_OF - 5 * DAY),
        exception_row(3, first_seen=AS_OF - 100 * DAY),
    ])  # fmt: skip
    at = dt.datetime(2025, 9, 1, 6, tzinfo=dt.UTC)
    with store.writing() as connection:
        for run_id, days in ((2, 100), (3, 10)):
            connection.execute(insert(Run).values(
                id=run_id, as_of=AS_OF - days * DAY, started_at=at, finished_at=at,
                source="t", status="succeeded"))  # fmt: skip
        rejects = [{"run_id": run_id, "table_name": "events", "row_number": n, "key": str(n),
                    "column_name": "crn", "reason": "bad"}
                   for run_id in (1, 2, 3) for n in (1, 2)]  # fmt: skip
        connection.execute(insert(Reject), rejects)
        connection.execute(insert(HistoryEntry), [
            {"exception_id": i, "at": at, "what": "updated"} for i in (1, 2, 3)])  # fmt: skip
    return store


def remaining(store: Store) -> tuple[list[int], list[int]]:
    """The run of each reject left, and the exception of each history row left."""
    with store.reading() as connection:
        rejects = connection.scalars(select(Reject.run_id).order_by(Reject.run_id)).all()
        entries = select(HistoryEntry.exception_id).order_by(HistoryEntry.exception_id)
        history = connection.scalars(entries).all()
    return list(rejects), list(history)


@pytest.mark.parametrize(
    ("rejects", "history", "pruned", "left"),
    [
        (0, 0, Pruned(0, 0), ([1, 1, 2, 2, 3, 3], [1, 1, 2, 2, 3, 3])),
        (30, 0, Pruned(2, 0), ([1, 1, 3, 3], [1, 1, 2, 2, 3, 3])),
        (9, 0, Pruned(4, 0), ([1, 1], [1, 1, 2, 2, 3, 3])),
        (0, 30, Pruned(0, 2), ([1, 1, 2, 2, 3, 3], [2, 2, 3, 3])),
        (100, 60, Pruned(0, 0), ([1, 1, 2, 2, 3, 3], [1, 1, 2, 2, 3, 3])),
        (99, 4, Pruned(2, 4), ([1, 1, 3, 3], [3, 3])),
    ],
)
def test_retention_deletes_only_what_is_older_than_it_keeps(
    aged: Store, rejects: int, history: int, pruned: Pruned, left: tuple[list[int], list[int]]
) -> None:
    settings = StoreSettings(reject_retention_days=rejects, history_retention_days=history)

    assert prune(aged, settings) == pruned
    assert remaining(aged) == left


def test_a_dry_run_counts_and_deletes_nothing(aged: Store) -> None:
    before = snapshot(aged)
    settings = StoreSettings(reject_retention_days=1, history_retention_days=1)

    assert prune(aged, settings, dry_run=True) == Pruned(4, 4)
    assert snapshot(aged) == before


def test_an_empty_store_has_nothing_to_prune(store: Store) -> None:
    assert prune(store, StoreSettings(reject_retention_days=1)) == Pruned(0, 0)
