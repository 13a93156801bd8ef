"""The worklist's filters (``Filters``), and the SQL clauses that apply them: those with
counts beside them (the facets), those without, and the scope's parts of the rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    case,
    func,
    literal,
    literal_column,
    or_,
    true,
)
from sqlalchemy.types import Date

from auditor.calendar import earliest_start_within
from auditor.store.scope import (
    EXCEPTIONS,
    Scope,
    of_providers,
    owned_of_providers,
    unowned_of_providers,
    visible,
    visible_owned,
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


def with_filters(filters: Filters, **changes: Any) -> Filters:
    return replace(filters, **changes)


def base_filter(filters: Filters, as_of: dt.date, sqlite: bool) -> ColumnElement[bool]:
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


def _prefix(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


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


def facet_filters(
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


def owner_parts(scope: Scope, filters: Filters, providers: bool) -> list[list[ColumnElement[bool]]]:
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
        parts.append([UNOWNED, unowned, *mine])
    return parts


UNOWNED = E.team_code.is_(None)


def is_sqlite(connection: Connection) -> bool:
    return connection.dialect.name == "sqlite"
