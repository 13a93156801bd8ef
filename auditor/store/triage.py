"""What people do to an exception (the worklist's writes): triage it, or mark it done.

Triage persists across runs (auditor/lifecycle.py explains what runs do to it). Each
call is one transaction and one history row naming the person. A resolved exception
cannot be triaged: there is nothing left to do.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, get_args

import polars as pl
from sqlalchemy import Connection, insert, select, update

from auditor.errors import AuditorError
from auditor.store.database import Store
from auditor.store.models import HistoryEntry, StoredException
from auditor.store.repository import now

TriageState = Literal["none", "acknowledged", "snoozed", "disputed"]
_HISTORY_WHAT = {
    "none": "triage_cleared",
    "acknowledged": "acknowledged",
    "snoozed": "snoozed",
    "disputed": "disputed",
    "done": "done",
}


class TriageRefused(AuditorError):
    """A person's change to an exception that cannot be made (the message says why)."""


class ExceptionNotFound(TriageRefused):
    """No exception has this id."""


def set_triage(
    store: Store,
    exception_id: int,
    state: TriageState,
    person: str,
    comment: str | None = None,
    until: dt.date | None = None,
    reason: str | None = None,
) -> None:
    """Acknowledge, snooze (``until`` a date), dispute (with a ``reason``) or clear
    ('none') an exception's triage."""
    _check_request(state, until, reason)
    note = "; ".join(x for x in (_detail(state, until, reason), comment) if x) or None
    with store.writing() as connection:
        _require_unresolved(connection, exception_id)
        _write(connection, exception_id, state, person, note, until, reason)


def mark_done(store: Store, exception_id: int, person: str, comment: str | None = None) -> None:
    """An administrator fixed the record in nDelius: the next run confirms it (resolved)
    or finds it still failing (triage cleared, with a history note)."""
    with store.writing() as connection:
        _require_unresolved(connection, exception_id)
        _write(connection, exception_id, "done", person, comment, None, None)


def history_of(store: Store, exception_id: int) -> pl.DataFrame:
    """An exception's history, oldest first."""
    entries = select(HistoryEntry).where(HistoryEntry.exception_id == exception_id)
    columns = [c.name for c in HistoryEntry.__table__.columns]
    with store.reading() as connection:
        rows = connection.execute(entries.order_by(HistoryEntry.id)).all()
    return pl.DataFrame(rows, schema=columns, orient="row", infer_schema_length=None)


def _check_request(state: str, until: dt.date | None, reason: str | None) -> None:
    if state not in get_args(TriageState):
        raise TriageRefused(f"'{state}' is not a triage state")
    if (state == "snoozed") != (until is not None):
        raise TriageRefused("give a date to snooze until, and only when snoozing")
    if state == "disputed" and not (reason or "").strip():
        raise TriageRefused("a dispute needs a reason")
    if state != "disputed" and reason is not None:
        raise TriageRefused("a reason goes only with a dispute")


def _detail(state: str, until: dt.date | None, reason: str | None) -> str | None:
    if state == "snoozed":
        return f"until {until}"
    return reason if state == "disputed" else None


def _require_unresolved(connection: Connection, exception_id: int) -> None:
    status = connection.scalar(
        select(StoredException.status).where(StoredException.id == exception_id)
    )
    if status is None:
        raise ExceptionNotFound(f"there is no exception {exception_id}")
    if status == "resolved":
        raise TriageRefused(f"exception {exception_id} is resolved: there is nothing to do")


def _write(
    connection: Connection,
    exception_id: int,
    state: str,
    person: str,
    comment: str | None,
    until: dt.date | None,
    reason: str | None,
) -> None:
    at = now()
    connection.execute(
        update(StoredException)
        .where(StoredException.id == exception_id)
        .values(
            triage=state,
            snoozed_until=until,
            dispute_reason=reason,
            triage_by=person,
            triage_at=at,
        )
    )
    entry = {
        "exception_id": exception_id,
        "at": at,
        "person": person,
        "what": _HISTORY_WHAT[state],
        "comment": comment,
    }
    connection.execute(insert(HistoryEntry).values(entry))
