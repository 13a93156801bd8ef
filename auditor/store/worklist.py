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
  (choosing a check does not zero the other checks' counts). They come from one grouped
  query over the rows the non-count filters leave, summed in polars.
- **Sort** by severity (then due date), due date (then severity), age (first seen) or
  CRN, always with the id last so that the order is total. **Pages** are keyset pages:
  the cursor holds the sort key of the last (or first) row shown, and a page is read
  with ``WHERE (keys) > (cursor) ORDER BY keys LIMIT n``, never OFFSET.
- **Days open** are working days from first seen to the as-of date (to the date it was
  resolved, for a resolved one); **days overdue** are calendar days after the due
  date, as in the emails.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from typing import Any

import polars as pl
from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    case,
    func,
    literal,
    select,
    true,
    tuple_,
)
from sqlalchemy.types import Date

from auditor.calendar import earliest_start_within, working_days_after
from auditor.store.directory import PERSONS, STAFF, TEAMS
from auditor.store.models import HistoryEntry, Run
from auditor.store.scope import EXCEPTIONS, Scope, of_providers, visible

E = EXCEPTIONS.c
SORTS = ("severity", "due", "age", "crn")
STATUS_VALUES = ("open", "record_missing", "unconfirmed", "resolved")
TRIAGE_VALUES = ("none", "acknowledged", "snoozed", "disputed", "false_positive", "done")
TO_DO = ("none", "acknowledged", "disputed")
SEVERITY_VALUES = ("high", "medium", "low")
AGE_BANDS: dict[str, tuple[int, int | None]] = {
    "0-5": (0, 5), "6-20": (6, 20), "21-60": (21, 60), "over-60": (61, None),
}  # fmt: skip
FACETS = ("provider", "team", "check", "severity", "status", "triage")
NO_DATE = dt.date(9999, 12, 31)  # sorts a missing due date last

TRIAGE_VIEW = case(
    (and_(E.triage == "disputed", E.dispute_state == "approved"), "false_positive"),
    else_=E.triage,
).label("triage_view")
SEVERITY_RANK = case((E.severity == "high", 0), (E.severity == "medium", 1), else_=2)
DUE_KEY = func.coalesce(E.due_date, literal(NO_DATE, Date()))


@dataclass(frozen=True)
class Filters:
    providers: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    officers: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ("open",)
    triages: tuple[str, ...] = TO_DO
    crn: str | None = None
    new_since: dt.date | None = None
    overdue: bool = False
    age_band: str | None = None
    assigned: str | None = None  # a user name, or "" for nobody

    def facet(self, name: str) -> tuple[str, ...]:
        return getattr(self, _FACET_FIELDS[name])


_FACET_FIELDS = {"provider": "providers", "team": "teams", "check": "checks",
                 "severity": "severities", "status": "statuses", "triage": "triages"}  # fmt: skip


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    next_cursor: str | None
    previous_cursor: str | None


@dataclass(frozen=True)
class Counts:
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


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
    query = _rows(scope, filters, as_of)
    cursor = decode_cursor(before or after, sort)
    if cursor is not None and before:
        query = query.where(tuple_(*keys) < tuple_(*cursor)).order_by(*(k.desc() for k in keys))
    else:
        if cursor is not None:
            query = query.where(tuple_(*keys) > tuple_(*cursor))
        query = query.order_by(*keys)
    fetched = connection.execute(query.limit(size + 1)).mappings().all()
    more = len(fetched) > size
    rows = [dict(row) for row in fetched[:size]]
    if before and cursor is not None:
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


def counts(connection: Connection, scope: Scope, filters: Filters, as_of: dt.date) -> Counts:
    """How many rows each filter value would give, with the other filters as they are."""
    unowned_provider = case(
        (E.team_code.is_(None),
         select(PERSONS.c.provider_code).where(PERSONS.c.crn == E.crn).scalar_subquery()),
    )  # fmt: skip
    group = (E.team_code, unowned_provider.label("unowned_provider"), E.check, E.severity,
             TRIAGE_VIEW, E.status)  # fmt: skip
    query = select(*group, func.count().label("n")).where(_base(scope, filters, as_of))
    rows = connection.execute(query.group_by(*group)).all()
    teams = connection.execute(select(TEAMS.c.team_code, TEAMS.c.provider_code)).all()
    grouped = _grouped(rows, teams)
    facets = {name: _facet_counts(grouped, filters, name) for name in FACETS}
    total = int(_selected(grouped, filters, exclude=None)["n"].sum())
    return Counts(total, facets)


def exception_detail(
    connection: Connection, scope: Scope, exception_id: int, as_of: dt.date
) -> dict[str, Any] | None:
    """One exception with its names, history and the person's other open exceptions;
    None when it does not exist or is outside the scope."""
    query = _rows(scope, Filters(statuses=(), triages=()), as_of).where(E.id == exception_id)
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
    if not scope.everything:
        in_scope = select(E.team_code).where(visible(scope), E.team_code.is_not(None)).distinct()
        query = query.where(TEAMS.c.team_code.in_(in_scope.scalar_subquery()))
    return [dict(r) for r in connection.execute(query.order_by(TEAMS.c.team_code)).mappings()]


def officers_of(connection: Connection, teams: Sequence[str]) -> list[dict[str, Any]]:
    """The offender managers of these teams (for the officer filter)."""
    query = (
        select(STAFF.c.staff_code, STAFF.c.forename, STAFF.c.surname)
        .where(STAFF.c.team_code.in_(list(teams)))
        .order_by(STAFF.c.surname, STAFF.c.forename)
    )
    return [dict(r) for r in connection.execute(query).mappings()]


def sort_keys(sort: str) -> list[ColumnElement[Any]]:
    if sort == "due":
        return [DUE_KEY, SEVERITY_RANK, E.id]
    if sort == "age":
        return [E.first_seen, E.id]
    if sort == "crn":
        return [E.crn, E.id]
    return [SEVERITY_RANK, DUE_KEY, E.id]


def encode_cursor(row: dict[str, Any], sort: str) -> str:
    rank = {"high": 0, "medium": 1}.get(row["severity"], 2)
    due = (row["due_date"] or NO_DATE).isoformat()
    values: list[Any] = {
        "due": [due, rank], "age": [row["first_seen"].isoformat()], "crn": [row["crn"]],
    }.get(sort, [rank, due])  # fmt: skip
    raw = json.dumps([*values, row["id"]]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, sort: str) -> list[Any] | None:
    """The sort key in a cursor, or None for a missing or unreadable one (first page)."""
    if not cursor:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        kinds = {"due": "dii", "age": "di", "crn": "si"}.get(sort, "idi")
        if not isinstance(values, list) or len(values) != len(kinds):
            return None
        return [_typed(kind, value) for kind, value in zip(kinds, values, strict=True)]
    except (ValueError, TypeError, RecursionError):  # RecursionError: "[[[[..."
        return None


def _typed(kind: str, value: Any) -> Any:
    if kind == "d":
        return dt.date.fromisoformat(value)
    if kind == "i":
        if not isinstance(value, int):
            raise TypeError(value)
        return value
    return str(value)


def _rows(scope: Scope, filters: Filters, as_of: dt.date) -> Select[Any]:
    officer = STAFF.alias("officer")
    provider = func.coalesce(TEAMS.c.provider_code, PERSONS.c.provider_code)
    return (
        select(
            *E,
            TRIAGE_VIEW,
            TEAMS.c.team_name,
            provider.label("provider_code"),
            TEAMS.c.provider_name,
            officer.c.forename.label("officer_forename"),
            officer.c.surname.label("officer_surname"),
            PERSONS.c.forename.label("forename"),
            PERSONS.c.surname.label("surname"),
        )  # fmt: skip
        .select_from(EXCEPTIONS)
        .outerjoin(TEAMS, TEAMS.c.team_code == E.team_code)
        .outerjoin(officer, officer.c.staff_code == E.staff_code)
        .outerjoin(PERSONS, PERSONS.c.crn == E.crn)
        .where(_base(scope, filters, as_of), *_facet_clauses(filters, exclude=None))
    )


def _base(scope: Scope, filters: Filters, as_of: dt.date) -> ColumnElement[bool]:
    """The scope and every filter that has no counts."""
    clauses = [visible(scope)]
    if filters.crn:
        clauses.append(E.crn.like(_prefix(filters.crn.strip().upper()), escape="\\"))
    if filters.officers:
        clauses.append(E.staff_code.in_(filters.officers))
    if filters.new_since:
        clauses.append(E.first_seen >= filters.new_since)
    if filters.overdue:
        clauses.append(E.due_date < as_of)
    if filters.assigned is not None:
        assigned = E.assigned_to
        clauses.append(assigned == filters.assigned if filters.assigned else assigned.is_(None))
    if filters.age_band in AGE_BANDS:
        low, high = AGE_BANDS[filters.age_band]
        clauses.append(E.first_seen <= _started_before(as_of, low))
        if high is not None:
            clauses.append(E.first_seen >= earliest_start_within(as_of, high))
    return and_(true(), *clauses)


def _started_before(as_of: dt.date, low: int) -> dt.date:
    """The latest first-seen date with at least ``low`` working days open."""
    return as_of if low == 0 else earliest_start_within(as_of, low - 1) - dt.timedelta(days=1)


def _facet_clauses(filters: Filters, exclude: str | None) -> list[ColumnElement[bool]]:
    clauses = []
    for name in FACETS:
        chosen = filters.facet(name)
        if name == exclude or not chosen:
            continue
        if name == "provider":
            clauses.append(of_providers(set(chosen)))
        elif name == "team":
            clauses.append(E.team_code.in_(chosen))
        elif name == "triage":
            clauses.append(TRIAGE_VIEW.in_(chosen))
        else:
            clauses.append(getattr(E, "check" if name == "check" else name).in_(chosen))
    return clauses


def _grouped(rows: Sequence[Any], teams: Sequence[Any]) -> pl.DataFrame:
    schema = dict.fromkeys(("team", "unowned_provider", "check", "severity", "triage", "status"),
                           pl.String()) | {"n": pl.Int64()}  # fmt: skip
    frame = pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")
    providers = pl.DataFrame([tuple(t) for t in teams], orient="row",
                             schema={"team": pl.String, "team_provider": pl.String})  # fmt: skip
    return frame.join(providers, on="team", how="left").with_columns(
        provider=pl.coalesce("team_provider", "unowned_provider")
    )


def _selected(grouped: pl.DataFrame, filters: Filters, exclude: str | None) -> pl.DataFrame:
    for name in FACETS:
        chosen = filters.facet(name)
        if name != exclude and chosen:
            grouped = grouped.filter(pl.col(name).is_in(chosen))
    return grouped


def _facet_counts(grouped: pl.DataFrame, filters: Filters, name: str) -> dict[str, int]:
    summed = _selected(grouped, filters, exclude=name).group_by(name).agg(pl.col("n").sum())
    return {value or "": int(n) for value, n in summed.sort(name).iter_rows()}


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


def _prefix(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def with_filters(filters: Filters, **changes: Any) -> Filters:
    return replace(filters, **changes)
