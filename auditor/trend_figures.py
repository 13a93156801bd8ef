"""The figures of the trends page and the monthly report, from the store's reads
(auditor/store/trends.py). Definitions, the same everywhere they are shown:

- **Rate**: exceptions open after a run per 100 active persons at the run's as-of date,
  over the selection; none when the run recorded no active cases (runs before the
  trends were recorded) or there were none.
- **Inflow** of a week (Monday to Sunday, by as-of date): exceptions found new or
  reopened by its runs; **outflow**: exceptions resolved (fix confirmed) by them.
- **Ageing**: the open exceptions by working days since first seen, up to the latest
  run, in the worklist's age bands.
- **Time to fix**: calendar days from first seen to resolved, of the exceptions resolved
  in the period; the median and 90th percentile are nearest-rank (the value at rank
  ⌈p·n⌉ of the n sorted days). **Reopen rate**: reopened ÷ resolved over the period's runs.
- **League table**: each team's rate at the latest run, its change since the first run
  of the period, and the working days its oldest open exception has been open.
- **Measures**: 100 · met ÷ eligible per run, summed over the selection's rows.
- **Configuration changes**: a run whose fingerprint differs from the previous run's.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection

from auditor.calendar import working_days_after
from auditor.store import trends as reads
from auditor.store.trends import RunPoint, Selection
from auditor.store.worklist import AGE_BANDS
from auditor.trends_recording import changed_checks

LEAGUE_ROWS = 25  # teams in the league table on the page (the CSV has every team)
SPLIT_LINES = 6  # lines in a chart split by check or team
T = TypeVar("T")
FIGURE = re.compile(r"(\d+(?:\.\d+)?)\s*%\s*([A-Z]{3})?")


@dataclass(frozen=True)
class RatePoint:
    as_of: dt.date
    open: int | None
    cases: int | None
    rate: float | None


@dataclass(frozen=True)
class Flow:
    week: dt.date  # its Monday
    inflow: int
    outflow: int


@dataclass(frozen=True)
class FixTime:
    check: str
    resolved: int
    median: int | None
    p90: int | None
    reopened: int
    resolutions: int  # resolved by the period's runs (the reopen rate's denominator)

    @property
    def reopen_rate(self) -> float | None:
        return percent(self.reopened, self.resolutions)


@dataclass(frozen=True)
class TeamRow:
    team: str
    provider: str | None
    rate: float | None
    first_rate: float | None
    oldest_days: int | None
    spark: tuple[float | None, ...] = ()

    @property
    def change(self) -> float | None:
        if self.rate is None or self.first_rate is None:
            return None
        return round(self.rate - self.first_rate, 6)


@dataclass(frozen=True)
class MeasureSeries:
    key: str
    title: str
    inspection_figure: str | None
    points: tuple[tuple[dt.date, int, int, float | None], ...]  # as_of, met, eligible, %

    @property
    def references(self) -> list[tuple[float, str]]:
        """The inspection's figures: (percent, provider type or ''), e.g. (81, 'CRC')."""
        found = FIGURE.findall(self.inspection_figure or "")
        return [(float(value), label) for value, label in found]


@dataclass(frozen=True)
class ConfigChange:
    as_of: dt.date
    checks: tuple[str, ...]  # the checks whose settings changed; () when first recorded


@dataclass(frozen=True)
class Trends:
    selection: Selection
    rate: tuple[RatePoint, ...]
    by_check: dict[str, tuple[RatePoint, ...]]
    flows: tuple[Flow, ...]
    ageing: tuple[tuple[str, int], ...]
    fixes: tuple[FixTime, ...]
    league: tuple[TeamRow, ...]  # every team, highest rate first
    measures: tuple[MeasureSeries, ...]
    changes: tuple[ConfigChange, ...]
    weeks: tuple[dt.date, ...] = ()  # the as-of dates of the league's weekly trend lines
    span: tuple[dt.date, dt.date] | None = None  # the first and last run of the period

    def top_teams(self) -> list[TeamRow]:
        """The teams with the highest rate now that have a trend line (SPLIT_LINES)."""
        drawn = [row for row in self.league if any(v is not None for v in row.spark)]
        return drawn[:SPLIT_LINES]

    @property
    def latest(self) -> RatePoint | None:
        return self.rate[-1] if self.rate else None


def months_before(day: dt.date, months: int) -> dt.date:
    """``day`` − ``months`` calendar months, the day clamped to the month's end."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = (dt.date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month + 1, min(day.day, last))


def percent(part: int | None, whole: int | None) -> float | None:
    """100 · part ÷ whole; none when whole is none or 0."""
    if part is None or not whole:
        return None
    return 100 * part / whole


def nearest_rank(sorted_days: list[int], p: float) -> int | None:
    """The value at rank ⌈p·n⌉ (1-based) of n sorted values; none when n is 0."""
    if not sorted_days:
        return None
    return sorted_days[max(1, math.ceil(p * len(sorted_days))) - 1]


PARTS = frozenset({"rate", "by-check", "ageing", "fix", "league", "measures"})
NEEDS = {  # what each chart draws from (charts.CHARTS); the page needs every part
    "rate": {"rate"}, "by-check": {"by-check"}, "flows": {"rate"}, "ageing": {"ageing"},
    "fix": {"fix"}, "measures": {"measures"}, "by-team": {"league"},
}  # fmt: skip


def trends(connection: Connection, selection: Selection, parts: frozenset[str] = PARTS) -> Trends:
    """The figures of a selection: every part, or only those named (the others empty)."""
    runs = reads.runs_in_period(connection, selection)
    dates = {run.run_id: run.as_of for run in runs}
    totals = reads.run_totals(connection, selection) if parts & {"rate", "by-check"} else []
    checks = reads.check_totals(connection, selection) if parts & {"by-check", "fix"} else []
    wanted = parts.__contains__
    first_seen = reads.open_first_seen(connection, selection) if wanted("ageing") else []
    return Trends(
        selection=selection,
        rate=tuple(_rate_points(runs, totals)) if wanted("rate") else (),
        by_check=_by_check(runs, totals, checks) if wanted("by-check") else {},
        flows=tuple(_flows(dates, totals)) if wanted("rate") else (),
        ageing=tuple(_ageing(first_seen, selection.until)) if wanted("ageing") else (),
        fixes=tuple(_fixes(reads.fix_days(connection, selection), checks)) if wanted("fix") else (),
        league=tuple(_league(connection, selection, runs)) if wanted("league") else (),
        measures=tuple(_measures(dates, reads.measure_totals(connection, selection)))
        if wanted("measures") else (),
        changes=tuple(config_changes(runs)),
        weeks=tuple(run.as_of for run in weekly_runs(runs)),
        span=(runs[0].as_of, runs[-1].as_of) if runs else None,
    )  # fmt: skip


def _rate_points(runs: list[RunPoint], totals: list[tuple[Any, ...]]) -> list[RatePoint]:
    by_run = {row[0]: row for row in totals}
    points = []
    for run in runs:
        row = by_run.get(run.run_id)
        opened = None if row is None else int(row[1] or 0)
        cases = None if row is None or row[5] is None else int(row[5])
        if row is None and run.fingerprint is not None:
            opened = 0  # the run recorded totals: the selection had no row, so nothing
        points.append(RatePoint(run.as_of, opened, cases, percent(opened, cases)))
    return points


def _by_check(
    runs: list[RunPoint], totals: list[tuple[Any, ...]], rows: list[tuple[Any, ...]]
) -> dict[str, tuple[RatePoint, ...]]:
    cases = {row[0]: (None if row[5] is None else int(row[5])) for row in totals}
    opened: dict[str, dict[int, int]] = defaultdict(dict)
    for run_id, check, open_, *_rest in rows:
        opened[check][run_id] = int(open_)
    series = {}
    for check in sorted(opened):
        points = []
        for run in runs:
            count = opened[check].get(run.run_id, 0)
            total = cases.get(run.run_id)
            points.append(RatePoint(run.as_of, count, total, percent(count, total)))
        series[check] = tuple(points)
    return series


def _flows(dates: dict[int, dt.date], totals: list[tuple[Any, ...]]) -> list[Flow]:
    weeks: dict[dt.date, list[int]] = {}
    for run_id, _open, new, reopened, resolved, _cases in totals:
        day = dates[run_id]
        week = weeks.setdefault(day - dt.timedelta(days=day.weekday()), [0, 0])
        week[0] += int(new or 0) + int(reopened or 0)
        week[1] += int(resolved or 0)
    return [Flow(week, inflow, outflow) for week, (inflow, outflow) in sorted(weeks.items())]


def age_band(days_open: int) -> str:
    for band, (low, high) in AGE_BANDS.items():
        if days_open >= low and (high is None or days_open <= high):
            return band
    raise ValueError(days_open)


def _ageing(first_seen: list[tuple[dt.date, int]], until: dt.date) -> list[tuple[str, int]]:
    counts = dict.fromkeys(AGE_BANDS, 0)
    for day, count in first_seen:
        counts[age_band(working_days_after(day, until))] += count
    return list(counts.items())


def _fixes(days: list[tuple[str, int, int]], rows: list[tuple[Any, ...]]) -> list[FixTime]:
    per_check: dict[str, list[int]] = defaultdict(list)
    for check, d, count in sorted(days):
        per_check[check].extend([d] * count)
    flows: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for _run, check, _open, _new, reopened, resolved in rows:
        flows[check][0] += int(reopened)
        flows[check][1] += int(resolved)
    fixes = []
    for check in sorted(per_check.keys() | flows.keys()):
        values = per_check.get(check, [])
        reopened, resolved = flows.get(check, [0, 0])
        median, p90 = nearest_rank(values, 0.5), nearest_rank(values, 0.9)
        fixes.append(FixTime(check, len(values), median, p90, reopened, resolved))
    return fixes


def _league(connection: Connection, selection: Selection, runs: list[RunPoint]) -> list[TeamRow]:
    if not runs:
        return []
    first, last = runs[0].run_id, runs[-1].run_id
    rows = reads.team_rows(connection, selection, [first, last], None)
    rates: dict[str, dict[int, float | None]] = defaultdict(dict)
    providers: dict[str, str | None] = {}
    for run_id, team, provider, opened, cases in rows:
        rates[team][run_id] = percent(int(opened or 0), cases)
        providers[team] = provider
    oldest = reads.oldest_open(connection, selection)
    league = [
        TeamRow(team, providers[team], by_run.get(last), by_run.get(first),
                _days_open(oldest.get(team), selection.until))
        for team, by_run in rates.items()
    ]  # fmt: skip
    league.sort(key=lambda row: (-(row.rate if row.rate is not None else -1), row.team))
    return _with_sparks(connection, selection, runs, league)


def _days_open(first_seen: dt.date | None, until: dt.date) -> int | None:
    return None if first_seen is None else working_days_after(first_seen, until)


def weekly_last(items: Iterable[T], day: Callable[[T], dt.date]) -> list[T]:
    """The last item of each week (Monday to Sunday), items being in date order."""
    last: dict[dt.date, T] = {}
    for item in items:
        last[day(item) - dt.timedelta(days=day(item).weekday())] = item
    return [last[week] for week in sorted(last)]


def weekly_runs(runs: list[RunPoint]) -> list[RunPoint]:
    """The last run of each week: the points of a small trend line."""
    return weekly_last(runs, lambda run: run.as_of)


def _with_sparks(
    connection: Connection, selection: Selection, runs: list[RunPoint], league: list[TeamRow]
) -> list[TeamRow]:
    shown = [row.team for row in league[:LEAGUE_ROWS]]
    weekly = [run.run_id for run in weekly_runs(runs)]
    rates: dict[str, dict[int, float | None]] = defaultdict(dict)
    if shown:
        for run_id, team, _p, opened, cases in reads.team_rows(
            connection, selection, weekly, shown
        ):
            rates[team][run_id] = percent(int(opened or 0), cases)
    return [
        TeamRow(row.team, row.provider, row.rate, row.first_rate, row.oldest_days,
                tuple(rates[row.team].get(run_id) for run_id in weekly))
        if row.team in rates else row
        for row in league
    ]  # fmt: skip


def _measures(dates: dict[int, dt.date], rows: list[tuple[Any, ...]]) -> list[MeasureSeries]:
    points: dict[str, list[tuple[dt.date, int, int, float | None]]] = defaultdict(list)
    titles: dict[str, tuple[str, str | None]] = {}
    for run_id, key, title, figure, met, eligible in rows:
        titles[key] = (title, figure)
        points[key].append((dates[run_id], int(met), int(eligible), percent(met, eligible)))
    return [MeasureSeries(key, *titles[key], tuple(points[key])) for key in _measure_order(titles)]


def _measure_order(titles: dict[str, Any]) -> list[str]:
    from checks.measures import MEASURES

    known = [m.key for m in MEASURES if m.key in titles]
    return known + sorted(set(titles) - set(known))


def config_changes(runs: list[RunPoint]) -> list[ConfigChange]:
    """The runs whose configuration differs from the previous run's (the first run of
    the period is compared with nothing and is not a change)."""
    changes = []
    for before, after in zip(runs, runs[1:], strict=False):
        if after.fingerprint is None or after.fingerprint == before.fingerprint:
            continue
        checks = () if before.fingerprint is None else tuple(
            changed_checks(before.description, after.description)
        )  # fmt: skip
        changes.append(ConfigChange(after.as_of, checks))
    return changes
