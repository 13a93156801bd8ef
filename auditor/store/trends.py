"""The trends' reads: a selection (scope, provider, team, check, period) in, plain rows out.

Each read is one grouped query; auditor/trend_figures.py turns the rows into the figures
the page and the monthly report show.

- **Which rows a selection sees.** A selection with no team, by a user who sees every
  provider or only whole providers, reads the per-provider totals
  (``provider_check_totals``) and filters ``team_run_totals`` by provider: hundreds of
  rows per run at most. Any other selection (a team, an SPO's teams, named teams) reads
  the teams' own rows (``team_run_totals``, ``check_counts``), by team code. A team
  counts under the provider it had on each run. The unowned (no team) are seen only by
  a user who sees everything, and only with no provider or team chosen.
- **Exceptions** (ageing, time to fix, oldest open) are read from ``exceptions``
  through the worklist's own scope clause (auditor/store/scope.py), so a count links to
  the same rows in the worklist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Table,
    and_,
    cast,
    false,
    func,
    or_,
    select,
    true,
)

from auditor.store.directory import TEAMS
from auditor.store.models import CheckCount, MeasureFigure, Run
from auditor.store.scope import EXCEPTIONS, Scope, of_providers, visible
from auditor.store.trend_totals import PROVIDER_RUNS, PROVIDER_TOTALS, TALLIES, TEAM_TOTALS

COUNTS: Table = CheckCount.__table__  # type: ignore[assignment]
MEASURES: Table = MeasureFigure.__table__  # type: ignore[assignment]
RUNS: Table = Run.__table__  # type: ignore[assignment]
E = EXCEPTIONS.c


@dataclass(frozen=True)
class Selection:
    """What one trends page or report shows: the runs from ``since`` to ``until``."""

    scope: Scope
    since: dt.date
    until: dt.date
    provider: str | None = None
    team: str | None = None
    check: str | None = None

    @property
    def by_provider(self) -> bool:
        """Whether the per-provider totals answer it (no team, whole providers)."""
        scope = self.scope
        whole = scope.everything or (scope.providers and not scope.teams and not scope.spo)
        return self.team is None and bool(whole)

    @property
    def national(self) -> bool:
        return self.scope.everything and self.provider is None and self.team is None


@dataclass(frozen=True)
class RunPoint:
    run_id: int
    as_of: dt.date
    fingerprint: str | None
    description: str | None


def runs_in_period(connection: Connection, selection: Selection) -> list[RunPoint]:
    """The successful runs of the period, in order."""
    query = (
        select(RUNS.c.id, RUNS.c.as_of, RUNS.c.config_fingerprint, RUNS.c.config_description)
        .where(RUNS.c.status == "succeeded", _in_period(RUNS, selection))
        .order_by(RUNS.c.as_of, RUNS.c.id)
    )
    return [RunPoint(*row) for row in connection.execute(query)]


def run_totals(connection: Connection, selection: Selection) -> list[tuple[Any, ...]]:
    """Per run: open, new, reopened, resolved, active persons (null when no row of the
    run recorded them) of the selection; with a check chosen, that check's tallies."""
    table = PROVIDER_RUNS if selection.by_provider else TEAM_TOTALS
    cases = func.sum(table.c.active_persons)
    seen = _teams_clause(table, selection)
    if selection.check is None:
        tallies = [func.sum(table.c[name]) for name in TALLIES]
        query = select(table.c.run_id, *tallies, cases)
        return _by_run(connection, query.where(seen), selection)
    by_run = _by_run(connection, select(table.c.run_id, cases).where(seen), selection)
    case_rows = {run_id: count for run_id, count in by_run}
    per_check = {
        run_id: tallies for run_id, _check, *tallies in check_totals(connection, selection)
    }
    run_ids = sorted(case_rows.keys() | per_check.keys())
    zeros = [0] * len(TALLIES)
    return [(r, *per_check.get(r, zeros), case_rows.get(r)) for r in run_ids]


def check_totals(connection: Connection, selection: Selection) -> list[tuple[Any, ...]]:
    """Per run and check: open, new, reopened, resolved (one check when chosen)."""
    table = PROVIDER_TOTALS if selection.by_provider else COUNTS
    tallies = [func.sum(table.c[name]) for name in TALLIES]
    clauses = [_teams_clause(table, selection)]
    if selection.check is not None:
        clauses.append(table.c.check == selection.check)
    query = select(table.c.run_id, table.c.check, *tallies).where(*clauses)
    query = query.join(RUNS, RUNS.c.id == table.c.run_id).where(_in_period(RUNS, selection))
    grouped = query.group_by(table.c.run_id, table.c.check).order_by(table.c.run_id, table.c.check)
    return [tuple(row) for row in connection.execute(grouped)]


def team_rows(
    connection: Connection, selection: Selection, run_ids: list[int], teams: list[str] | None
) -> list[tuple[Any, ...]]:
    """Per run of ``run_ids`` and team: team, provider, open, active persons (of the
    chosen check when there is one); ``teams``: only these (None: every team seen)."""
    table = TEAM_TOTALS
    clauses: list[ColumnElement[bool]] = [
        table.c.run_id.in_(run_ids),
        table.c.team_code.is_not(None),
        _teams_clause(table, selection),
    ]
    if teams is not None:
        clauses.append(table.c.team_code.in_(teams))
    opened: Any = table.c.open
    query = select(table.c.run_id, table.c.team_code, table.c.provider_code)
    if selection.check is not None:
        counted = (
            select(COUNTS.c.run_id, COUNTS.c.team_code, COUNTS.c.open)
            .where(COUNTS.c.check == selection.check, COUNTS.c.run_id.in_(run_ids))
            .subquery()
        )
        opened = func.coalesce(counted.c.open, 0)
        query = query.outerjoin(
            counted,
            and_(counted.c.run_id == table.c.run_id, counted.c.team_code == table.c.team_code),
        )
    query = query.add_columns(opened, table.c.active_persons).where(*clauses)
    return [tuple(row) for row in connection.execute(query.order_by(table.c.run_id))]


def oldest_open(connection: Connection, selection: Selection) -> dict[str, dt.date]:
    """Per team: the first-seen date of its oldest open exception."""
    query = (
        select(E.team_code, func.min(E.first_seen))
        .where(E.status == "open", E.team_code.is_not(None), *_exception_clauses(selection))
        .group_by(E.team_code)
    )
    return {team: first for team, first in connection.execute(query)}


def open_first_seen(connection: Connection, selection: Selection) -> list[tuple[dt.date, int]]:
    """(first seen, how many) of the open exceptions of the selection."""
    query = (
        select(E.first_seen, func.count())
        .where(E.status == "open", *_exception_clauses(selection))
        .group_by(E.first_seen)
    )
    return [(day, count) for day, count in connection.execute(query)]


def fix_days(connection: Connection, selection: Selection) -> list[tuple[str, int, int]]:
    """(check, calendar days from first seen to resolved, how many) of the exceptions
    resolved in the period."""
    days = _days_between(connection, E.first_seen, E.resolved_on).label("days")
    query = (
        select(E.check, days, func.count())
        .where(
            E.status == "resolved",
            E.resolved_on >= selection.since,
            E.resolved_on <= selection.until,
            *_exception_clauses(selection),
        )
        .group_by(E.check, days)
    )
    return [(check, int(d), count) for check, d, count in connection.execute(query)]


def measure_totals(connection: Connection, selection: Selection) -> list[tuple[Any, ...]]:
    """Per run and measure: title, inspection figure, met, eligible."""
    m = MEASURES.c
    if selection.national:
        level: ColumnElement[bool] = m.level == "national"
    elif selection.by_provider:
        level = and_(m.level == "provider", _teams_clause(MEASURES, selection))
    else:
        level = and_(m.level == "team", _teams_clause(MEASURES, selection))
    keys = (m.run_id, m.measure, m.title, m.inspection_figure)
    query = (
        select(*keys, func.sum(m.met), func.sum(m.eligible))
        .join(RUNS, RUNS.c.id == m.run_id)
        .where(level, _in_period(RUNS, selection), RUNS.c.status == "succeeded")
        .group_by(*keys)
        .order_by(m.run_id, m.measure)
    )
    return [tuple(row) for row in connection.execute(query)]


def _by_run(connection: Connection, query: Any, selection: Selection) -> list[tuple[Any, ...]]:
    run_id = query.selected_columns[0]
    joined = query.join(RUNS, RUNS.c.id == run_id).where(_in_period(RUNS, selection))
    return [tuple(row) for row in connection.execute(joined.group_by(run_id).order_by(run_id))]


def _in_period(runs: Table, selection: Selection) -> ColumnElement[bool]:
    return and_(runs.c.as_of >= selection.since, runs.c.as_of <= selection.until)


def _teams_clause(table: Table, selection: Selection) -> ColumnElement[bool]:
    """The rows of ``table`` (team_code, and provider_code when it has one) the
    selection sees."""
    has_provider = "provider_code" in table.c
    has_team = "team_code" in table.c
    clauses: list[ColumnElement[bool]] = [_scope_clause(table, selection.scope)]
    if selection.provider is not None:
        if has_provider:
            clauses.append(table.c.provider_code == selection.provider)
        else:
            clauses.append(table.c.team_code.in_(_teams_of([selection.provider])))
    if selection.team is not None and has_team:
        clauses.append(table.c.team_code == selection.team)
    return and_(true(), *clauses)


def _scope_clause(table: Table, scope: Scope) -> ColumnElement[bool]:
    if scope.everything:
        return true()
    clauses: list[ColumnElement[bool]] = []
    providers = sorted(scope.providers)
    if providers and "provider_code" in table.c:
        clauses.append(table.c.provider_code.in_(providers))
    elif providers:
        clauses.append(table.c.team_code.in_(_teams_of(providers)))
    if "team_code" in table.c:
        if scope.teams:
            clauses.append(table.c.team_code.in_(sorted(scope.teams)))
        if scope.spo:
            managed = select(TEAMS.c.team_code).where(TEAMS.c.spo_staff_code == scope.spo)
            clauses.append(table.c.team_code.in_(managed.scalar_subquery()))
    return or_(*clauses) if clauses else false()


def _teams_of(providers: list[str]) -> Any:
    """The teams these providers had on any run."""
    owned = select(TEAM_TOTALS.c.team_code).where(TEAM_TOTALS.c.provider_code.in_(providers))
    return owned.distinct().scalar_subquery()


def _exception_clauses(selection: Selection) -> list[ColumnElement[bool]]:
    clauses = [visible(selection.scope)]
    if selection.provider is not None:
        clauses.append(of_providers({selection.provider}))
    if selection.team is not None:
        clauses.append(E.team_code == selection.team)
    if selection.check is not None:
        clauses.append(E.check == selection.check)
    return clauses


def _days_between(connection: Connection, start: Any, end: Any) -> Any:
    """Calendar days from ``start`` to ``end`` (two date columns), in SQL."""
    if connection.dialect.name == "postgresql":
        return end - start
    return cast(func.julianday(end) - func.julianday(start), Integer)


def month_runs(connection: Connection, first: dt.date, last: dt.date) -> list[tuple[int, dt.date]]:
    """(id, as_of) of the successful runs dated in [first, last], in order."""
    query = (
        select(RUNS.c.id, RUNS.c.as_of)
        .where(RUNS.c.status == "succeeded", RUNS.c.as_of >= first, RUNS.c.as_of <= last)
        .order_by(RUNS.c.as_of, RUNS.c.id)
    )
    return [(run_id, as_of) for run_id, as_of in connection.execute(query)]


def sent_keys(connection: Connection, keys: list[str]) -> set[str]:
    """The ledger keys among ``keys`` sent (or being sent) under any run."""
    from auditor.store.ledger import LEDGER

    query = select(LEDGER.c.recipient_key).where(
        LEDGER.c.recipient_key.in_(keys), LEDGER.c.status.in_(("sent", "sending"))
    )
    return set(connection.scalars(query))
