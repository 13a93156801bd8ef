"""What a store holds, in a form two stores can be compared by: ids, times and
durations left out, each run's rows named by its as-of date, rows as multisets."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import create_engine, select

from auditor.store.models import Base

IGNORED = {"id", "exception_id", "run_id", "user_id", "at", "started_at", "finished_at",
           "seconds", "message_id", "updated_at", "attempts", "detail"}  # fmt: skip
WHOLE = ("exceptions", "exception_history", "directory_persons", "directory_staff",
         "directory_teams")  # fmt: skip
LEDGER = "notification_ledger"
TIMINGS = {"run_stages"}  # how long each stage took: a killed run has no email stage


def store_state(url: str, leave_out: set[int] | frozenset[int] = frozenset()) -> dict[str, Any]:
    """Every table of the store, the rows of the runs in ``leave_out`` left out (the
    killed run's); the ledger as the ``sent`` entries per (recipient, as-of date)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            tables = {t.name: [r._asdict() for r in connection.execute(select(t))]
                      for t in Base.metadata.sorted_tables}  # fmt: skip
    finally:
        engine.dispose()
    runs = {r["id"]: r["as_of"] for r in tables["runs"]}
    exceptions = {r["id"]: (r["check"], r["crn"], r["subject"]) for r in tables["exceptions"]}
    state: dict[str, Any] = {}
    for name, rows in tables.items():
        if name in TIMINGS:
            continue
        kept = [r for r in rows if r.get("run_id") not in leave_out]
        if name == "runs":
            kept = [r for r in rows if r["id"] not in leave_out]
        state[name] = Counter(_normal(r, runs, exceptions) for r in kept)
    state[LEDGER] = Counter(
        (r["recipient_key"], r["address"], r["as_of"])
        for r in tables[LEDGER]
        if r["status"] == "sent"
    )
    return state


def unsettled(url: str) -> list[tuple[Any, ...]]:
    """Ledger entries of a day whose recipient has no ``sent`` entry for that day."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            table = Base.metadata.tables[LEDGER]
            rows = connection.execute(select(table)).all()
    finally:
        engine.dispose()
    sent = {(r.recipient_key, r.as_of) for r in rows if r.status == "sent"}
    return [tuple(r) for r in rows if (r.recipient_key, r.as_of) not in sent]


def _normal(
    row: dict[str, Any], runs: dict[int, Any], exceptions: dict[int, Any]
) -> tuple[Any, ...]:
    values = {k: v for k, v in row.items() if k not in IGNORED}
    if "run_id" in row:
        values["run"] = runs.get(row["run_id"])
    if "exception_id" in row:
        values["exception"] = exceptions.get(row["exception_id"])
    if "error" in values:  # a failed run's message names no temporary path
        values["error"] = values["error"] is not None
    return tuple(sorted(values.items(), key=lambda item: item[0]))
