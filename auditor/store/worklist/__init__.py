"""The worklist's reads: filtered, sorted, paged lists of exceptions, the counts beside
each filter, one exception with its history, and every row of a filter for export.

Every query is scoped (auditor/store/scope.py): nothing outside a person's scope is
read, counted or exported.

- **Filters** (``Filters``): provider, team, offender manager, check, severity, status,
  triage, new since (first seen on or after), overdue (due before the as-of date), age
  band (working days open: 0–5, 6–20, 21–60, over 60), assignee and a CRN search (a
  prefix of the CRN, any case). The triage filter knows ``false_positive``: a dispute
  the SPO upheld. With no triage chosen the list shows what is still to do: not
  snoozed, not done, not an upheld dispute.
- **Counts per filter value** are those of the list with every *other* filter applied
  (choosing a check does not zero the other checks' counts). They come from two grouped
  queries, each read from one index alone, summed in polars (``counts.py``).
- **Sort** by severity (then due date), due date (then severity), age (first seen) or
  CRN, always with the id last so that the order is total. **Pages** are keyset pages:
  the cursor holds the sort key of the last (or first) row shown, and a page is read
  with ``WHERE (keys) > (cursor) ORDER BY keys LIMIT n``, never OFFSET, in parts that an
  index gives in order (``order.py``). The filters' SQL is in ``filters.py``.
- **Days open** are working days from first seen to the as-of date (to the date it was
  resolved, for a resolved one); **days overdue** are calendar days after the due
  date, as in the emails.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, FromClause, Select, func, select

from auditor.calendar import working_days_after
from auditor.store.directory import PERSONS, STAFF, TEAMS
from auditor.store.models import HistoryEntry, Run
from auditor.store.repository import last_seen
from auditor.store.scope import EXCEPTIONS, Scope, visible, visible_teams
from auditor.store.worklist.counts import Counts, counts
from auditor.store.worklist.filters import (
    AGE_BANDS,
    FACETS,
    NO_DATE,
    SEVERITY_VALUES,
    SORTS,
    STATUS_VALUES,
    TO_DO,
    TRIAGE_VALUES,
    TRIAGE_VIEW,
    E,
    Filters,
    base_filter,
    facet_filters,
    is_sqlite,
    with_filters,
)
from auditor.store.worklist.order import decode_cursor, encode_cursor, page_ids, sort_keys

__all__ = [
    "AGE_BANDS",
    "FACETS",
    "NO_DATE",
    "SEVERITY_VALUES",
    "SORTS",
    "STATUS_VALUES",
    "TO_DO",
    "TRIAGE_VALUES",
    "Counts",
    "Filters",
    "Page",
    "all_rows",
    "counts",
    "decode_cursor",
    "encode_cursor",
    "exception_detail",
    "initials",
    "list_page",
    "officers_of",
    "sort_keys",
    "teams_in_scope",
    "with_filters",
]


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    next_cursor: str | None
    previous_cursor: str | None


def list_page(
    connection: Connection,
    scope: Scope,
    filters: Filters,
    as_of: dt.date,
    sort: str = "severity",
    after: str | None = None,
    before: str | None = None,
    size: int = 50,
) -> Page:
    """One page of the list: after the ``after`` cursor, or before ``before``."""
    keys = sort_keys(sort)
    cursor = decode_cursor(before or after, sort)
    backwards = bool(before) and cursor is not None
    ids = page_ids(scope, filters, as_of, sort, cursor, backwards, size + 1,
                    is_sqlite(connection)).subquery("page")  # fmt: skip
    query = _select_rows(ids.join(EXCEPTIONS, E.id == ids.c.id))
    query = query.order_by(*(k.desc() for k in keys) if backwards else keys)
    fetched = connection.execute(query.limit(size + 1)).mappings().all()
    more = len(fetched) > size
    rows = [dict(row) for row in fetched[:size]]
    if backwards:
        rows.reverse()
    rows = [_shown(row, as_of) for row in rows]
    if not rows:
        return Page([], None, None)
    has_next = more if not before else True
    has_previous = (cursor is not None) if not before else more
    return Page(
        rows,
        encode_cursor(rows[-1], sort) if has_next else None,
        encode_cursor(rows[0], sort) if has_previous else None,
    )


def all_rows(
    reading: Callable[[], AbstractContextManager[Connection]], scope: Scope, filters: Filters,
    as_of: dt.date, sort: str = "severity", batch: int = 2000,
) -> Iterator[dict[str, Any]]:  # fmt: skip
    """Every row of the filter, in order, read a keyset page at a time, each page in a
    short transaction of its own (``reading``: Store.reading), so that a slow reader of
    an export holds no connection between pages."""
    after = None
    while True:
        with reading() as connection:
            page = list_page(connection, scope, filters, as_of, sort, after=after, size=batch)
        yield from page.rows
        if page.next_cursor is None:
            return
        after = page.next_cursor


def exception_detail(
    connection: Connection, scope: Scope, exception_id: int, as_of: dt.date
) -> dict[str, Any] | None:
    """One exception with its names, history and the person's other open exceptions;
    None when it does not exist or is outside the scope."""
    everything = Filters(statuses=(), triages=())
    query = _rows(scope, everything, as_of, is_sqlite(connection)).where(E.id == exception_id)
    found = connection.execute(query).mappings().one_or_none()
    if found is None:
        return None
    row = _shown(dict(found), as_of)
    row["history"] = _history(connection, exception_id)
    others = Filters(statuses=("open",), triages=(), crn=row["crn"])
    page = list_page(connection, scope, others, as_of, "severity", size=100)
    row["others"] = [other for other in page.rows if other["id"] != exception_id]
    return row


def teams_in_scope(connection: Connection, scope: Scope) -> list[dict[str, Any]]:
    """The teams (code, name, provider) a scope covers, for the filter's choices."""
    query = select(TEAMS.c.team_code, TEAMS.c.team_name, TEAMS.c.provider_code,
                   TEAMS.c.provider_name, TEAMS.c.spo_staff_code)  # fmt: skip
    if not scope.everything:  # those it sees, that have an exception
        any_exception = select(E.id).where(E.team_code == TEAMS.c.team_code).exists()
        query = query.where(visible_teams(scope), any_exception)
    return [dict(r) for r in connection.execute(query.order_by(TEAMS.c.team_code)).mappings()]


def officers_of(connection: Connection, teams: Sequence[str]) -> list[dict[str, Any]]:
    """The offender managers of these teams (for the officer filter)."""
    query = (
        select(STAFF.c.staff_code, STAFF.c.forename, STAFF.c.surname)
        .where(STAFF.c.team_code.in_(list(teams)))
        .order_by(STAFF.c.surname, STAFF.c.forename)
    )
    return [dict(r) for r in connection.execute(query).mappings()]


def _rows(scope: Scope, filters: Filters, as_of: dt.date, sqlite: bool) -> Select[Any]:
    where = [visible(scope), base_filter(filters, as_of, sqlite), *facet_filters(filters)]
    return _select_rows(EXCEPTIONS).where(*where)


def _select_rows(source: FromClause) -> Select[Any]:
    """Each exception of ``source`` (the exceptions, or a join to them) with its names."""
    officer = STAFF.alias("officer")
    provider = func.coalesce(TEAMS.c.provider_code, PERSONS.c.provider_code)
    return (
        select(
            *(column for column in E if column.name != "last_seen"),
            last_seen().label("last_seen"),  # an open one's is its latest run's
            TRIAGE_VIEW,
            TEAMS.c.team_name,
            provider.label("provider_code"),
            TEAMS.c.provider_name,
            officer.c.forename.label("officer_forename"),
            officer.c.surname.label("officer_surname"),
            PERSONS.c.forename.label("forename"),
            PERSONS.c.surname.label("surname"),
        )  # fmt: skip
        .select_from(source)
        .outerjoin(TEAMS, TEAMS.c.team_code == E.team_code)
        .outerjoin(officer, officer.c.staff_code == E.staff_code)
        .outerjoin(PERSONS, PERSONS.c.crn == E.crn)
    )


def _history(connection: Connection, exception_id: int) -> list[dict[str, Any]]:
    query = (
        select(HistoryEntry.__table__, Run.as_of.label("run_as_of"))
        .outerjoin(Run, Run.id == HistoryEntry.run_id)
        .where(HistoryEntry.exception_id == exception_id)
        .order_by(HistoryEntry.id)
    )
    return [dict(row) for row in connection.execute(query).mappings()]


def _shown(row: dict[str, Any], as_of: dt.date) -> dict[str, Any]:
    """A row with what the pages show worked out: days overdue and open, initials."""
    due = row.get("due_date")
    overdue = (as_of - due).days if due is not None else None
    until = row["resolved_on"] if row["status"] == "resolved" and row["resolved_on"] else as_of
    row |= {
        "days_overdue": overdue if overdue is not None and overdue > 0 else None,
        "days_open": working_days_after(row["first_seen"], until),
        "initials": initials(row.get("forename"), row.get("surname")),
    }
    return row


def initials(forename: str | None, surname: str | None) -> str:
    letters = [next((c for c in name if c.isalpha()), "") for name in (forename, surname) if name]
    return "".join(f"{letter.upper()}." for letter in letters if letter)
