"""What people do to an exception (the worklist's writes): triage it, mark it done,
assign it, rule on a dispute, comment on it; one at a time or in bulk.

Triage persists across runs (auditor/lifecycle.py explains what runs do to it). Each
change is one transaction and one history row naming the person, with the triage
before and after. A resolved exception cannot be triaged: there is nothing left to do.

- **Scope**: every change takes the person's ``scope`` (auditor/store/scope.py); an
  exception outside it is ExceptionNotFound, exactly as one that does not exist.
- **Optimistic concurrency**: each person's change moves the exception's ``version``
  on. A change made with the ``version`` its page showed is refused with
  ChangeConflict when somebody else changed the exception since, and nothing is
  written: the person reloads and sees what the other did. Runs do not move the
  version (a page open across the morning run stays usable); a comment neither needs
  nor moves it.
- **Disputes**: disputing says "this is a false positive", with a reason
  (``dispute_state`` pending). The team's SPO upholds it (the exception stays
  disputed, ``approved``, out of the to-do list and the emails) or rejects it (triage
  back to none, ``rejected``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

import polars as pl
from sqlalchemy import Connection, Row, Table, bindparam, insert, select, update

from auditor.errors import AuditorError
from auditor.store.database import Store
from auditor.store.models import HistoryEntry, StoredException
from auditor.store.repository import now
from auditor.store.scope import EVERYTHING, Scope, visible

TriageState = Literal["none", "acknowledged", "snoozed", "disputed"]
_HISTORY_WHAT = {
    "none": "triage_cleared",
    "acknowledged": "acknowledged",
    "snoozed": "snoozed",
    "disputed": "disputed",
    "done": "done",
}
TABLE: Table = StoredException.__table__  # type: ignore[assignment]
MAX_TEXT = 2000  # characters of a comment or reason
# What a change is judged on (one exception, or a bulk batch).
_STATE = (TABLE.c.id, TABLE.c.status, TABLE.c.triage, TABLE.c.dispute_state, TABLE.c.version,
          TABLE.c.triage_by)  # fmt: skip


class TriageRefused(AuditorError):
    """A person's change to an exception that cannot be made (the message says why)."""


class ExceptionNotFound(TriageRefused):
    """No exception has this id (within the person's scope)."""


class ChangeConflict(TriageRefused):
    """Somebody else changed the exception since the page was loaded."""


@dataclass(frozen=True)
class Change:
    """One change to make: the columns to set, and its history row."""

    values: Mapping[str, Any]
    what: str
    comment: str | None
    to_triage: str | None = None  # None: the triage does not change


def set_triage(
    store: Store,
    exception_id: int,
    state: TriageState,
    person: str,
    comment: str | None = None,
    until: dt.date | None = None,
    reason: str | None = None,
    *,
    scope: Scope = EVERYTHING,
    version: int | None = None,
) -> int:
    """Acknowledge, snooze (``until`` a date), dispute (with a ``reason``) or clear
    ('none') an exception's triage; returns its new version."""
    return apply(store, exception_id, person, triage_change(state, comment, until, reason),
                 scope=scope, version=version)  # fmt: skip


def mark_done(
    store: Store,
    exception_id: int,
    person: str,
    comment: str | None = None,
    *,
    scope: Scope = EVERYTHING,
    version: int | None = None,
) -> int:
    """An administrator fixed the record in nDelius: the next run confirms it (resolved)
    or finds it still failing (triage cleared, with a history note)."""
    return apply(store, exception_id, person, done_change(comment), scope=scope, version=version)


def triage_change(
    state: str, comment: str | None, until: dt.date | None, reason: str | None
) -> Change:
    _check_request(state, until, reason)
    comment = _text(comment)
    reason = _text(reason)
    note = "; ".join(x for x in (_detail(state, until, reason), comment) if x) or None
    values = {"triage": state, "snoozed_until": until, "dispute_reason": reason,
              "dispute_state": "pending" if state == "disputed" else None}  # fmt: skip
    return Change(values, _HISTORY_WHAT[state], note, state)


def done_change(comment: str | None) -> Change:
    values = {"triage": "done", "snoozed_until": None, "dispute_reason": None,
              "dispute_state": None}  # fmt: skip
    return Change(values, "done", _text(comment), "done")


def assign_change(assignee: str | None, admins: Iterable[str]) -> Change:
    """Assign to a named admin (an enabled admin's user name), or unassign (None)."""
    if assignee is not None and assignee not in set(admins):
        raise TriageRefused(f"'{assignee}' is not an enabled admin: choose one from the list")
    comment = f"assigned to {assignee}" if assignee else "unassigned"
    return Change({"assigned_to": assignee}, "assigned", comment)


def ruling_change(upheld: bool, comment: str | None) -> Change:
    """The SPO's ruling on a pending dispute."""
    comment = _text(comment)
    if upheld:
        return Change({"dispute_state": "approved"}, "dispute_upheld", comment, "disputed")
    values = {"triage": "none", "dispute_state": "rejected"}
    return Change(values, "dispute_rejected", comment, "none")


def comment_change(text: str | None) -> Change:
    comment = _text(text)
    if not comment:
        raise TriageRefused("write a comment first")
    return Change({}, "commented", comment)


def apply(
    store: Store,
    exception_id: int,
    person: str,
    change: Change,
    *,
    scope: Scope = EVERYTHING,
    version: int | None = None,
) -> int:
    """Make one change in its own transaction; returns the exception's new version."""
    with store.writing() as connection:
        return _apply(connection, exception_id, person, change, scope, version, now())


def apply_many(
    store: Store,
    versions: Mapping[int, int | None],
    person: str,
    change: Change,
    *,
    scope: Scope = EVERYTHING,
) -> dict[int, str | None]:
    """The same change to many exceptions (id -> the version the page showed), in one
    transaction; each that cannot be changed is skipped with its reason (id -> None
    when changed). An id outside the scope is reported as not found, and untouched.

    The rows are read (and on PostgreSQL locked) a batch at a time, judged one by one
    as ``apply`` judges them, then changed and written to the history with one
    statement each per batch: 500 rows cost a few statements, not a thousand."""
    outcomes: dict[int, str | None] = {}
    at = now()
    ids = list(versions)
    with store.writing() as connection:
        for start in range(0, len(ids), BATCH):
            batch = {i: versions[i] for i in ids[start : start + BATCH]}
            outcomes |= _apply_batch(connection, batch, person, change, scope, at)
    return {exception_id: outcomes[exception_id] for exception_id in ids}


BATCH = 500  # exceptions per statement of a bulk change


def _apply_batch(
    connection: Connection,
    versions: Mapping[int, int | None],
    person: str,
    change: Change,
    scope: Scope,
    at: dt.datetime,
) -> dict[int, str | None]:
    rows = _current_many(connection, list(versions), scope)
    outcomes: dict[int, str | None] = {}
    allowed = []
    for exception_id, version in versions.items():
        try:
            row = rows.get(exception_id)
            if row is None:
                raise ExceptionNotFound(f"there is no exception {exception_id}")
            _check_allowed(row, change, version)
            allowed.append(row)
            outcomes[exception_id] = None
        except TriageRefused as exc:
            outcomes[exception_id] = str(exc)
    if allowed:
        _write_many(connection, allowed, person, change, at)
    return outcomes


def _current_many(
    connection: Connection, ids: list[int], scope: Scope
) -> dict[int, Row[*tuple[Any, ...]]]:
    """The rows of these ids within the scope, locked until the transaction ends (on
    PostgreSQL; SQLite's write transaction already excludes every other writer)."""
    query = select(
        *_STATE
    ).where(TABLE.c.id.in_(ids), visible(scope))  # fmt: skip
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(of=TABLE)
    return {row.id: row for row in connection.execute(query)}


def _write_many(
    connection: Connection,
    rows: list[Row[*tuple[Any, ...]]],
    person: str,
    change: Change,
    at: dt.datetime,
) -> None:
    """The change and its history rows, for rows already judged allowed (and locked)."""
    if change.what != "commented":
        values: dict[str, Any] = dict(change.values, version=bindparam("new_version"))
        if change.to_triage is not None:
            values |= {"triage_by": person, "triage_at": at}
        statement = (
            update(TABLE)
            .where(TABLE.c.id == bindparam("row_id"), TABLE.c.version == bindparam("old"))
            .values(values)
        )
        moves = [{"row_id": r.id, "old": r.version, "new_version": r.version + 1} for r in rows]
        done = connection.execute(statement, moves)
        if done.rowcount != len(rows):  # cannot happen while the rows are locked
            raise ChangeConflict(_conflict_message(None))
    connection.execute(insert(HistoryEntry), [_entry(r, person, change, at) for r in rows])


def _entry(
    row: Row[*tuple[Any, ...]], person: str, change: Change, at: dt.datetime
) -> dict[str, Any]:
    """The history row of one change to one exception."""
    return {
        "exception_id": row.id, "at": at, "person": person, "what": change.what,
        "comment": change.comment, "from_status": row.status, "to_status": row.status,
        "from_triage": row.triage, "to_triage": change.to_triage or row.triage,
    }  # fmt: skip


def history_of(store: Store, exception_id: int) -> pl.DataFrame:
    """An exception's history, oldest first."""
    entries = select(HistoryEntry).where(HistoryEntry.exception_id == exception_id)
    columns = [c.name for c in HistoryEntry.__table__.columns]
    with store.reading() as connection:
        rows = connection.execute(entries.order_by(HistoryEntry.id)).all()
    return pl.DataFrame(rows, schema=columns, orient="row", infer_schema_length=None)


def _apply(
    connection: Connection,
    exception_id: int,
    person: str,
    change: Change,
    scope: Scope,
    version: int | None,
    at: dt.datetime,
) -> int:
    row = _current(connection, exception_id, scope)
    _check_allowed(row, change, version)
    moves = change.what != "commented"
    new_version = row.version + 1 if moves else row.version
    if moves:
        values = dict(change.values, version=new_version)
        if change.to_triage is not None:
            values |= {"triage_by": person, "triage_at": at}
        done = connection.execute(
            update(TABLE)
            .where(TABLE.c.id == exception_id, TABLE.c.version == row.version)
            .values(values)
        )
        if done.rowcount != 1:
            raise ChangeConflict(_conflict_message(exception_id))
    connection.execute(insert(HistoryEntry).values(_entry(row, person, change, at)))
    return new_version


def _current(connection: Connection, exception_id: int, scope: Scope) -> Row[*tuple[Any, ...]]:
    query = select(
        *_STATE
    ).where(TABLE.c.id == exception_id, visible(scope))  # fmt: skip
    row = connection.execute(query).one_or_none()
    if row is None:
        raise ExceptionNotFound(f"there is no exception {exception_id}")
    return row


def _check_allowed(row: Row[*tuple[Any, ...]], change: Change, version: int | None) -> None:
    if version is not None and row.version != version:
        raise ChangeConflict(_conflict_message(row.triage_by))
    if change.what == "commented":
        return
    if row.status == "resolved":
        raise TriageRefused("this exception is resolved: there is nothing to do")
    if change.what.startswith("dispute_") and not (
        row.triage == "disputed" and row.dispute_state == "pending"
    ):
        raise TriageRefused("there is no dispute waiting for a ruling on this exception")


def _conflict_message(by: object) -> str:
    who = f" by {by}" if isinstance(by, str) and by else ""
    return (
        f"this exception was changed{who} after your page was loaded, so your change was not "
        "made. Look at it again and repeat your change if it still applies."
    )


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


def _text(text: str | None) -> str | None:
    if text is None:
        return None
    cleaned = text.strip()
    if len(cleaned) > MAX_TEXT:
        raise TriageRefused(f"keep it under {MAX_TEXT} characters")
    return cleaned or None
