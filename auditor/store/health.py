"""What operations staff watch, read from the store: the latest run, how it went and
how long each of its stages took, the open exceptions per check, the rows each table
lost to rejects, and the emails of the latest run by delivery status.

Read at each look (`/healthz`, `/metrics`), so every instance of `auditor serve` tells
the same story whichever process ran the audit. Each read is one small grouped query
on an index.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select

from auditor.store.models import CheckCount, Notification, Run, RunCheck, RunStage, RunTable


@dataclass(frozen=True)
class RunSummary:
    id: int
    as_of: dt.date
    status: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    error: str | None


@dataclass(frozen=True)
class Figures:
    """The figures of the latest run (and of the latest successful one)."""

    latest: RunSummary | None
    latest_succeeded: RunSummary | None
    stage_seconds: dict[str, float]  # stage -> seconds, latest run (auditor/stopwatch.py)
    check_seconds: dict[str, float]  # check -> seconds, latest run
    open_by_check: dict[str, int]  # check -> open exceptions, latest successful run
    rejected_by_table: dict[str, int]  # table -> rows rejected, latest run
    read_by_table: dict[str, int]  # table -> rows read, latest run
    emails_by_status: dict[str, int]  # delivery status -> emails, latest run


def latest_run(connection: Connection, succeeded: bool = False) -> RunSummary | None:
    """The latest run (by id), or the latest successful one."""
    query = select(Run.id, Run.as_of, Run.status, Run.started_at, Run.finished_at, Run.error)
    if succeeded:
        query = query.where(Run.status == "succeeded")
    row = connection.execute(query.order_by(Run.id.desc()).limit(1)).one_or_none()
    return RunSummary(*row) if row is not None else None


def figures(connection: Connection) -> Figures:
    latest = latest_run(connection)
    succeeded = latest_run(connection, succeeded=True)
    run_id = latest.id if latest else None
    succeeded_id = succeeded.id if succeeded else None
    tables = _grouped(connection, RunTable.table_name, run_id, RunTable.run_id,
                      func.sum(RunTable.rows_rejected), func.sum(RunTable.rows_read))  # fmt: skip
    return Figures(
        latest=latest,
        latest_succeeded=succeeded,
        stage_seconds=_one(
            connection, RunStage.stage, run_id, RunStage.run_id, func.sum(RunStage.seconds), float
        ),  # fmt: skip
        check_seconds=_one(
            connection, RunCheck.check, run_id, RunCheck.run_id, func.sum(RunCheck.seconds), float
        ),  # fmt: skip
        open_by_check=_one(
            connection,
            CheckCount.check,
            succeeded_id,
            CheckCount.run_id,
            func.sum(CheckCount.open),
            int,
        ),  # fmt: skip
        rejected_by_table={k: int(v[0]) for k, v in tables.items()},
        read_by_table={k: int(v[1]) for k, v in tables.items()},
        emails_by_status=_one(
            connection, Notification.status, run_id, Notification.run_id, func.count(), int
        ),  # fmt: skip
    )


def _one(
    connection: Connection,
    key: Any,
    run_id: int | None,
    run_column: Any,
    value: Any,
    kind: Callable[[Any], Any],
) -> dict[str, Any]:
    """``_grouped`` of one value, as ``kind``."""
    return {k: kind(v[0]) for k, v in _grouped(connection, key, run_id, run_column, value).items()}


def _grouped(
    connection: Connection, key: Any, run_id: int | None, run_column: Any, *values: Any
) -> dict[str, tuple[Any, ...]]:
    """``values`` summed per ``key`` over one run's rows (nothing when there is no run)."""
    if run_id is None:
        return {}
    query = select(key, *values).where(run_column == run_id).group_by(key).order_by(key)
    return {row[0]: tuple(row[1:]) for row in connection.execute(query)}
