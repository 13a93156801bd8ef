"""A hand-built store with known trends (tests/auditor/store/test_trends.py and
tests/web/test_trends.py): four runs, four teams in two providers, through the real
writers of the trends' totals.

- T1, T2 (provider P1) and T4 (P2) have active cases; T3 (P2) has exceptions and no case;
  T4 has cases and no exception; the unowned (no team) have cases and, on two runs, one
  exception.
- Check A (rsr_missing in the recorded configuration) is disabled from the third run;
  allocation_unrecorded's parameter changes on the fourth; one exception of check B in
  T1 is reopened on the third run.
- Directory: T<n> has SPO ST<n>.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from sqlalchemy import Connection, insert

from auditor.store import repository
from auditor.store.bulk import insert_frame
from auditor.store.database import Store
from auditor.store.directory import TEAMS as DIRECTORY_TEAMS
from auditor.store.models import CheckCount, MeasureFigure
from auditor.store.scope import EXCEPTIONS
from auditor.store.trend_totals import write_trend_totals
from auditor.trends_recording import CASES_SCHEMA, config_in_force
from tests.web.stores import exception_row

DAYS = [dt.date(2026, 11, 2), dt.date(2026, 11, 3), dt.date(2026, 11, 9), dt.date(2026, 11, 10)]
WHOLE = (dt.date(2026, 10, 1), DAYS[-1])
TEAMS = pl.DataFrame(
    {"team_code": ["T1", "T2", "T3", "T4"], "provider_code": ["P1", "P1", "P2", "P2"]}
)
# Per run: cases (team, persons, events) and counts (check, team, open, new, reopened,
# resolved). T3 has exceptions and no case; T4 cases and no exception; check A is
# disabled from the third run; check B's parameter changes on the fourth; one T1
# exception of B is reopened on the third.
CASES = [("T1", 40, 44), ("T2", 10, 12), ("T4", 25, 25), (None, 5, 5)]
COUNTS: list[list[tuple[Any, ...]]] = [
    [("A", "T1", 4, 4, 0, 0), ("B", "T1", 6, 6, 0, 0), ("B", "T3", 2, 2, 0, 0)],
    [("A", "T1", 3, 0, 0, 1), ("B", "T1", 5, 0, 0, 1), ("B", "T3", 2, 0, 0, 0),
     ("B", None, 1, 1, 0, 0)],
    [("B", "T1", 6, 0, 1, 0), ("B", "T2", 1, 1, 0, 0), ("B", None, 1, 0, 0, 0)],
    [("B", "T1", 2, 0, 0, 4), ("B", "T2", 1, 0, 0, 0)],
]  # fmt: skip
OFF = {"rsr_missing": {"enabled": False}}
CONFIGS: list[dict[str, dict[str, Any]]] = [
    {},
    {},
    OFF,
    OFF | {"allocation_unrecorded": {"within_working_days": 2}},
]


def build_store(store: Store) -> None:
    started = dt.datetime(2026, 11, 2, 6, tzinfo=dt.UTC)
    for day, cases, counts, config in zip(DAYS, [CASES] * 4, COUNTS, CONFIGS, strict=True):
        with store.writing() as connection:
            run_id = repository.insert_run(connection, day, started, "tests")
            frame = _counts(counts)
            insert_frame(connection, CheckCount.__table__, frame, run_id=run_id)  # type: ignore[arg-type]
            cases_frame = pl.DataFrame(
                [(t, None, p, e) for t, p, e in cases], schema=CASES_SCHEMA, orient="row"
            )
            write_trend_totals(connection, run_id, cases_frame, frame, TEAMS,
                               config_in_force(config))  # fmt: skip
            _measures(connection, run_id, day)
    _exceptions(store)


def _counts(rows: list[tuple[Any, ...]]) -> pl.DataFrame:
    schema = {"check": pl.String, "team_code": pl.String, "open": pl.Int64, "new": pl.Int64,
              "reopened": pl.Int64, "resolved": pl.Int64}  # fmt: skip
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    return frame.with_columns(
        still_open=pl.col("open") - pl.col("new") - pl.col("reopened"),
        record_missing=pl.lit(0), unconfirmed=pl.lit(0),
    )  # fmt: skip


def _measures(connection: Connection, run_id: int, day: dt.date) -> None:
    rows = [("national", None, None, 7 + run_id, 10), ("provider", "P1", None, 5, 8),
            ("provider", "P2", None, 2 + run_id, 2 + run_id), ("team", "P1", "T1", 4, 6),
            ("team", "P1", "T2", 1, 2)]  # fmt: skip
    values = [
        {"run_id": run_id, "measure": "rsr_score_recorded", "title": "RSR score recorded",
         "level": level, "provider_code": provider, "team_code": team, "provider_type": None,
         "met": met, "eligible": eligible, "percent": None, "inspection_figure": "about 50 %",
         "inspection_paragraph": "para 2.28", "window_from": day, "window_to": day}
        for level, provider, team, met, eligible in rows
    ]  # fmt: skip
    connection.execute(insert(MeasureFigure), values)


def _exceptions(store: Store) -> None:
    rows = [
        exception_row(1, check="B", team_code="T1", first_seen=DAYS[0], status="resolved",
                      resolved_on=DAYS[3]),
        exception_row(2, check="B", team_code="T1", first_seen=DAYS[0], status="resolved",
                      resolved_on=DAYS[1], reopen_count=0),
        exception_row(3, check="A", team_code="T1", first_seen=DAYS[0], status="resolved",
                      resolved_on=DAYS[1]),
        exception_row(4, check="B", team_code="T1", first_seen=DAYS[0], status="open",
                      reopen_count=1),
        exception_row(5, check="B", team_code="T2", first_seen=DAYS[2], status="open"),
        exception_row(6, check="B", team_code="T3", first_seen=dt.date(2026, 6, 1)),
        exception_row(7, check="A", team_code="T1", first_seen=DAYS[0], status="unconfirmed"),
    ]  # fmt: skip
    teams = [{"team_code": t, "team_name": f"Team {t}", "provider_code": p, "provider_name": p,
              "spo_staff_code": f"S{t}"} for t, p in TEAMS.iter_rows()]  # fmt: skip
    with store.writing() as connection:
        connection.execute(insert(EXCEPTIONS), rows)
        connection.execute(insert(DIRECTORY_TEAMS), teams)
