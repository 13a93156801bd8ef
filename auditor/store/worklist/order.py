"""The worklist's order and its keyset pages: the sort keys, the cursors that hold them,
and the ids of a page, read from the exceptions' indexes in the sort's order."""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    false,
    select,
    true,
    tuple_,
    union_all,
)

from auditor.store.scope import (
    Scope,
)
from auditor.store.worklist.filters import (
    DUE_KEY,
    FACETS,
    NO_DATE,
    SEVERITY_RANK,
    UNOWNED,
    E,
    Filters,
    base_filter,
    facet_filters,
    owner_parts,
)


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


def page_ids(
    scope: Scope, filters: Filters, as_of: dt.date, sort: str, cursor: list[Any] | None,
    backwards: bool, limit: int, sqlite: bool,
) -> Select[Any]:  # fmt: skip
    """The ids of a page's rows, at most ``limit``, from the exceptions alone: the
    first rows of each part of them (owner_parts, _arms), in the sort's order."""
    base = base_filter(filters, as_of, sqlite)
    parts: list[Select[Any]] = []
    by_provider = bool(scope.providers or filters.providers)
    for owner in owner_parts(scope, filters, providers=True):
        # Read from the index of a filter (or of the scope's teams), and sorted, when it
        # finds few rows: a narrowing filter's; the unowned's; a provider's teams', unless
        # the rows are many and the sort's index has all they are filtered by. Otherwise
        # read in the sort's order (in parts, for the severity and due sorts).
        narrowed = (
            _narrowed(scope, filters)
            or owner[0] is UNOWNED
            or (by_provider and (sort not in ("severity", "due") or _filtered(filters)))
        )
        # SQLite has no statistics: steered off the status's indexes when narrowed.
        facets = facet_filters(filters, only=_BUT_PROVIDER, steer=sqlite and narrowed)
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


_BUT_PROVIDER = tuple(name for name in FACETS if name != "provider")  # owner_parts has it


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
