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
    FromClause,
    Select,
    String,
    and_,
    case,
    false,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    true,
    tuple_,
    type_coerce,
    union_all,
)
from sqlalchemy.types import Date

from auditor.calendar import earliest_start_within, working_days_after
from auditor.store.directory import PERSONS, STAFF, TEAMS
from auditor.store.models import HistoryEntry, Run
from auditor.store.scope import (
    EXCEPTIONS,
    Scope,
    of_providers,
    owned_of_providers,
    unowned_of_providers,
    visible,
    visible_owned,
    visible_teams,
    visible_unowned,
)

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
    cursor = decode_cursor(before or after, sort)
    backwards = bool(before) and cursor is not None
    ids = _page_ids(scope, filters, as_of, sort, cursor, backwards, size + 1,
                    _sqlite(connection)).subquery("page")  # fmt: skip
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


def counts(connection: Connection, scope: Scope, filters: Filters, as_of: dt.date) -> Counts:
    """How many rows each filter value would give, with the other filters as they are.

    Two grouped queries, each read from one index alone (auditor/store/models.py): the
    rows of every team (and of the unowned, by their person's provider) that pass the
    check, severity, status and triage filters, for the provider and team counts; and
    the rows of each check, severity, status and triage that pass the provider and team
    filters, for the others. Each facet's other filters are then applied in polars."""
    sqlite = _sqlite(connection)
    base = _base(filters, as_of, sqlite)
    by_team = [base, *_facet_clauses(filters, only=_NOT_OWNERS, steer=sqlite)]
    nobody = type_coerce(null(), String()).label("unowned_provider")
    grouped_teams = [
        select(E.team_code, nobody, func.count().label("n"))
        .where(E.team_code.is_not(None), visible_owned(scope), *by_team)
        .group_by(E.team_code)
    ]
    unowned = visible_unowned(scope)
    if unowned is not None:
        person = PERSONS.alias("person")
        grouped_teams.append(
            select(
                E.team_code,
                person.c.provider_code.label("unowned_provider"),
                func.count().label("n"),
            )  # fmt: skip
            .select_from(EXCEPTIONS.outerjoin(person, person.c.crn == E.crn))
            .where(E.team_code.is_(None), unowned, *by_team)
            .group_by(E.team_code, person.c.provider_code)
        )
    team_rows = connection.execute(union_all(*grouped_teams)).all()
    columns = (E.check, E.severity, E.status, E.triage, E.dispute_state)
    by_check = [base, *_facet_clauses(filters, only=("team",))]
    grouped_checks = [
        select(*columns, func.count().label("n")).where(*owner, *by_check).group_by(*columns)
        for owner in _owners(scope, filters, providers=True)
    ]
    check_rows = connection.execute(union_all(*grouped_checks)).all()
    teams = connection.execute(select(TEAMS.c.team_code, TEAMS.c.provider_code)).all()
    grouped = {"team": _by_team(team_rows, teams), "check": _by_check(check_rows)}
    facets = {name: _facet_counts(grouped[_FACET_QUERY[name]], filters, name) for name in FACETS}
    total = int(_selected(grouped["team"], filters, exclude=None)["n"].sum())
    return Counts(total, facets)


def exception_detail(
    connection: Connection, scope: Scope, exception_id: int, as_of: dt.date
) -> dict[str, Any] | None:
    """One exception with its names, history and the person's other open exceptions;
    None when it does not exist or is outside the scope."""
    everything = Filters(statuses=(), triages=())
    query = _rows(scope, everything, as_of, _sqlite(connection)).where(E.id == exception_id)
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


def _rows(scope: Scope, filters: Filters, as_of: dt.date, sqlite: bool) -> Select[Any]:
    where = [visible(scope), _base(filters, as_of, sqlite), *_facet_clauses(filters)]
    return _select_rows(EXCEPTIONS).where(*where)


def _select_rows(source: FromClause) -> Select[Any]:
    """Each exception of ``source`` (the exceptions, or a join to them) with its names."""
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
        .select_from(source)
        .outerjoin(TEAMS, TEAMS.c.team_code == E.team_code)
        .outerjoin(officer, officer.c.staff_code == E.staff_code)
        .outerjoin(PERSONS, PERSONS.c.crn == E.crn)
    )


@dataclass(frozen=True)
class _Arm:
    """A part of the rows whose sort key an index gives in order: ``where`` picks it,
    ``keys`` is its sort key (a constant where the part fixes it), ``order`` the
    columns that order it."""

    where: tuple[ColumnElement[bool], ...]
    keys: tuple[Any, ...]
    order: tuple[ColumnElement[Any], ...]


# The severity and due-date sorts' keys hold expressions no index orders (the severity's
# rank; a missing due date last). With no filter that narrows the rows down by an index
# of its own, a page of one status is read from the parts of the rows with one rank and
# a due date, none, or one past NO_DATE: each is in (status, due_date, id) order, so its
# first rows are the start of an index range, and the page is the first of theirs.
_RANKS: tuple[tuple[tuple[str, ...], int, bool], ...] = (
    (("high",), 0, True), (("medium",), 1, True), (("high", "medium"), 2, False),
)  # (severities, rank, whether the severity is one of them or none of them)  # fmt: skip


def _page_ids(
    scope: Scope, filters: Filters, as_of: dt.date, sort: str, cursor: list[Any] | None,
    backwards: bool, limit: int, sqlite: bool,
) -> Select[Any]:  # fmt: skip
    """The ids of a page's rows, at most ``limit``, from the exceptions alone: the
    first rows of each part of them (_owners, _arms), in the sort's order."""
    base = _base(filters, as_of, sqlite)
    parts: list[Select[Any]] = []
    by_provider = bool(scope.providers or filters.providers)
    for owner in _owners(scope, filters, providers=True):
        # Read from the index of a filter (or of the scope's teams), and sorted, when it
        # finds few rows: a narrowing filter's; the unowned's; a provider's teams', unless
        # the rows are many and the sort's index has all they are filtered by. Otherwise
        # read in the sort's order (in parts, for the severity and due sorts).
        narrowed = (
            _narrowed(scope, filters)
            or owner[0] is _UNOWNED
            or (by_provider and (sort not in ("severity", "due") or _filtered(filters)))
        )
        # SQLite has no statistics: steered off the status's indexes when narrowed.
        facets = _facet_clauses(filters, only=_BUT_PROVIDER, steer=sqlite and narrowed)
        where = [*owner, base, *facets]
        arms = None if narrowed else _arms(sort, filters)
        if arms is None:
            keys = sort_keys(sort)
            part = select(E.id).where(*where)
            if cursor is not None:
                part = part.where(_beyond(keys, cursor, backwards))
            parts.append(part.order_by(*(k.desc() if backwards else k for k in keys)))
            continue
        for arm in arms:
            beyond = true() if cursor is None else _beyond(list(arm.keys), cursor, backwards)
            if beyond is not _NEVER:
                ordered = (c.desc() if backwards else c for c in arm.order)
                parts.append(select(E.id).where(*where, *arm.where, beyond).order_by(*ordered))
    if not parts:
        return select(E.id).where(false())
    if len(parts) == 1:
        return parts[0].limit(limit)
    firsts = [select(part.limit(limit).subquery().c.id) for part in parts]
    return union_all(*firsts)  # type: ignore[return-value]


def _owners(scope: Scope, filters: Filters, providers: bool) -> list[list[ColumnElement[bool]]]:
    """The scope, and with ``providers`` the provider filter, as the clauses of one part
    of the rows; or, when they name providers, of two: the rows with a team and those
    with none, each in the form an index on the team code serves."""
    chosen = set(filters.providers) if providers else set()
    if not scope.providers and not chosen:
        return [[visible(scope)]]
    owned = [E.team_code.is_not(None), visible_owned(scope)]
    parts = [owned + ([owned_of_providers(chosen)] if chosen else [])]
    unowned = visible_unowned(scope)
    if unowned is not None:
        mine = [unowned_of_providers(chosen)] if chosen else []
        parts.append([_UNOWNED, unowned, *mine])
    return parts


_UNOWNED = E.team_code.is_(None)


def _narrowed(scope: Scope, filters: Filters) -> bool:
    """Whether an index of a filter (or of the scope's teams) finds the rows: few of
    them, soon sorted."""
    return bool(filters.crn or filters.officers or filters.teams or filters.checks
                or scope.teams or scope.spo)  # fmt: skip


def _filtered(filters: Filters) -> bool:
    """Whether a filter with no counts (bar the CRN and officers, which narrow) is set."""
    return bool(filters.new_since or filters.overdue or filters.age_band
                or filters.assigned is not None)  # fmt: skip


def _arms(sort: str, filters: Filters) -> list[_Arm] | None:
    """The parts a page of this sort is read from, or None to read it in one query."""
    if sort not in ("severity", "due") or len(filters.statuses) != 1:
        return None
    arms = []
    for severities, rank, among in _RANKS:
        if filters.severities and all((s in severities) != among for s in filters.severities):
            continue  # none of its rows is chosen
        which = E.severity.in_(severities) if among else E.severity.not_in(severities)
        due: tuple[tuple[ColumnElement[bool], Any, tuple[ColumnElement[Any], ...]], ...] = (
            (E.due_date < NO_DATE, E.due_date, (E.due_date, E.id)),
            (E.due_date.is_(None), NO_DATE, (E.id,)),
            (E.due_date >= NO_DATE, E.due_date, (E.due_date, E.id)),
        )
        for dated, due_key, order in due:
            keys = (rank, due_key, E.id) if sort == "severity" else (due_key, rank, E.id)
            arms.append(_Arm((which, dated), keys, order))
    return arms


_NEVER = false()


def _beyond(keys: list[Any], cursor: list[Any], backwards: bool) -> ColumnElement[bool]:
    """Rows whose sort key is after the cursor (before it, ``backwards``): the key
    compared as a row, with its constant parts (those of an arm) compared here, so that
    what is left is a range of index columns. _NEVER when no row can be."""
    columns: list[ColumnElement[Any]] = []
    values: list[Any] = []
    for key, value in zip(keys, cursor, strict=True):
        if isinstance(key, ColumnElement):
            columns.append(key)
            values.append(value)
        elif key != value:  # the comparison is decided here
            decided = key < value if backwards else key > value
            if not columns:
                return true() if decided else _NEVER
            return _compare(columns, values, backwards, or_equal=decided)
    return _compare(columns, values, backwards, or_equal=False) if columns else _NEVER


def _compare(
    columns: list[ColumnElement[Any]], values: list[Any], backwards: bool, or_equal: bool
) -> ColumnElement[bool]:
    left: Any = columns[0] if len(columns) == 1 else tuple_(*columns)
    right: Any = values[0] if len(columns) == 1 else tuple_(*values)
    if backwards:
        return left <= right if or_equal else left < right  # type: ignore[no-any-return]
    return left >= right if or_equal else left > right  # type: ignore[no-any-return]


def _sqlite(connection: Connection) -> bool:
    return connection.dialect.name == "sqlite"


def _base(filters: Filters, as_of: dt.date, sqlite: bool) -> ColumnElement[bool]:
    """Every filter that has no counts."""
    clauses: list[ColumnElement[bool]] = []
    if filters.crn:
        prefix = filters.crn.strip().upper()
        clauses.append(E.crn.like(_prefix(prefix), escape="\\"))
        if sqlite:
            clauses.append(_prefix_ranges(prefix))
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


def _prefix_ranges(prefix: str) -> ColumnElement[bool]:
    """SQLite: the CRN ranges a LIKE of this prefix lies within (LIKE there ignores the
    case of ASCII letters: a range for each way of casing them), so that the CRN index
    finds the rows the LIKE then checks; true when there are too many to be worth it."""
    letters = [i for i, char in enumerate(prefix) if char.isalpha()]
    if not prefix.isascii() or len(letters) > 3:
        return true()
    variants = {prefix}
    for i in letters:
        variants |= {v[:i] + v[i].swapcase() + v[i + 1 :] for v in variants}
    ranges = [and_(E.crn >= v, E.crn < v[:-1] + chr(ord(v[-1]) + 1)) for v in sorted(variants)]
    return or_(*ranges)


def _started_before(as_of: dt.date, low: int) -> dt.date:
    """The latest first-seen date with at least ``low`` working days open."""
    return as_of if low == 0 else earliest_start_within(as_of, low - 1) - dt.timedelta(days=1)


def _facet_clauses(
    filters: Filters,
    exclude: str | None = None,
    only: Sequence[str] = FACETS,
    steer: bool = False,
) -> list[ColumnElement[bool]]:
    """The facets' filters; ``steer`` (SQLite, for the counts): the status filter in a
    form no index serves, so that SQLite, which has no statistics to tell it better,
    reads the team's index that covers the grouped query, not the status's."""
    clauses = []
    for name in only:
        chosen = filters.facet(name)
        if name == exclude or not chosen:
            continue
        if name == "provider":
            clauses.append(of_providers(set(chosen)))
        elif name == "team":
            clauses.append(E.team_code.in_(chosen))
        elif name == "triage":
            clauses.append(_triage_in(chosen))
        elif name == "status" and steer:
            clauses.append((E.status + literal_column("''")).in_(chosen))
        else:
            clauses.append(getattr(E, "check" if name == "check" else name).in_(chosen))
    return clauses


def _triage_in(chosen: Sequence[str]) -> ColumnElement[bool]:
    """TRIAGE_VIEW IN chosen, written out on the columns (which a planner's statistics
    know, where the CASE is a guess): an upheld dispute reads as false_positive."""
    upheld = and_(E.triage == "disputed", E.dispute_state == "approved")
    clauses: list[ColumnElement[bool]] = []
    plain = [value for value in chosen if value not in ("disputed", "false_positive")]
    if plain:
        clauses.append(E.triage.in_(plain))
    if "disputed" in chosen:
        clauses.append(and_(E.triage == "disputed", E.dispute_state.is_distinct_from("approved")))
    if "false_positive" in chosen:
        clauses.append(or_(upheld, E.triage == "false_positive"))
    return or_(*clauses)


_BUT_PROVIDER = tuple(name for name in FACETS if name != "provider")  # _owners has it
_NOT_OWNERS = ("check", "severity", "status", "triage")
_FACET_QUERY = {"provider": "team", "team": "team", "status": "check", "triage": "check",
                "check": "check", "severity": "check"}  # fmt: skip


def _by_team(rows: Sequence[Any], teams: Sequence[Any]) -> pl.DataFrame:
    schema = {"team": pl.String(), "unowned_provider": pl.String(), "n": pl.Int64()}
    frame = pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")
    providers = pl.DataFrame([tuple(t) for t in teams], orient="row",
                             schema={"team": pl.String, "team_provider": pl.String})  # fmt: skip
    return frame.join(providers, on="team", how="left").with_columns(
        provider=pl.coalesce("team_provider", "unowned_provider")
    )


def _by_check(rows: Sequence[Any]) -> pl.DataFrame:
    schema = dict.fromkeys(("check", "severity", "status", "triage", "dispute_state"),
                           pl.String()) | {"n": pl.Int64()}  # fmt: skip
    frame = pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")
    return frame.with_columns(triage=_triage_view())


def _triage_view() -> pl.Expr:
    """TRIAGE_VIEW, in polars."""
    upheld = (pl.col("triage") == "disputed") & (pl.col("dispute_state") == "approved")
    return pl.when(upheld).then(pl.lit("false_positive")).otherwise("triage")


def _selected(grouped: pl.DataFrame, filters: Filters, exclude: str | None) -> pl.DataFrame:
    """The groups the facets' filters choose (those whose columns the frame has: the
    others were applied in SQL)."""
    for name in FACETS:
        chosen = filters.facet(name)
        if name != exclude and chosen and name in grouped.columns:
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
