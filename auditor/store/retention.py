"""Retention: what the store forgets, by the ``[store]`` settings.

- **Rejects** (``reject_retention_days``): the rejected rows of runs whose as-of date is
  more than that many days before the latest run's. They hold keys and values from the
  extract; the counts per table (run_tables) stay.
- **History** (``history_retention_days``): the history of exceptions resolved more than
  that many days before the latest run. The exception rows stay, so the trends' time to
  fix and the counts are unchanged; the history of open exceptions is always kept.

Days are counted from the latest run's as-of date, not the clock, so a store restored
from an old backup loses nothing the day it comes back. 0 keeps everything.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Table, delete, func, select

from auditor.config import StoreSettings
from auditor.store.database import Store
from auditor.store.models import HistoryEntry, Reject, Run, StoredException

TABLES: dict[str, Table] = {
    "rejects": Reject.__table__,  # type: ignore[dict-item]
    "history": HistoryEntry.__table__,  # type: ignore[dict-item]
}


@dataclass(frozen=True)
class Pruned:
    rejects: int
    history: int


def prune(store: Store, settings: StoreSettings, dry_run: bool = False) -> Pruned:
    """Delete what the retention settings no longer keep (in one transaction); with
    ``dry_run``, count it and delete nothing."""
    with store.writing() as connection:
        latest = connection.scalar(select(func.max(Run.as_of)))
        if latest is None:
            return Pruned(0, 0)
        statements = (
            _old_rejects(latest, settings.reject_retention_days),
            _old_history(latest, settings.history_retention_days),
        )
        counts = []
        for where in statements:
            if where is None:
                counts.append(0)
                continue
            table, condition = where
            counted = select(func.count()).select_from(table).where(condition)
            counts.append(int(connection.scalar(counted) or 0))
            if not dry_run:
                connection.execute(delete(table).where(condition))
        return Pruned(*counts)


def _old_rejects(latest: dt.date, days: int) -> tuple[Table, ColumnElement[bool]] | None:
    if days <= 0:
        return None
    old_runs = select(Run.id).where(Run.as_of < latest - dt.timedelta(days=days))
    return TABLES["rejects"], Reject.run_id.in_(old_runs)


def _old_history(latest: dt.date, days: int) -> tuple[Table, ColumnElement[bool]] | None:
    if days <= 0:
        return None
    cutoff = latest - dt.timedelta(days=days)
    fixed = select(StoredException.id).where(
        StoredException.status == "resolved", StoredException.resolved_on < cutoff
    )
    return TABLES["history"], HistoryEntry.exception_id.in_(fixed)
