"""The numbers behind each trends chart, as tables: beside the chart on the page (for
screen readers and for people who would rather read), as its CSV download, and in the
monthly email. One definition, so the three always agree.

Cells are raw values (int, float, date, str or None); the page and the email format
them with ``cell``. ``every_run``: one row per run (the CSV); otherwise the last run of
each week (the page and email).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from auditor.trend_figures import RatePoint, Trends, weekly_last

AGE_TITLES = {"0-5": "0 to 5", "6-20": "6 to 20", "21-60": "21 to 60", "over-60": "Over 60"}

Cell = int | float | dt.date | str | None


@dataclass(frozen=True)
class Table:
    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


def cell(value: Cell, unit: str = "") -> str:
    """A cell as the page shows it: 1 decimal for rates, thousands separated, dates as
    3 Dec 2026, a dash for none."""
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.1f}{unit}"
    if isinstance(value, int):
        return f"{value:,}{unit}"
    if isinstance(value, dt.date):
        return f"{value.day} {value:%b %Y}"
    return value


def tables(trends: Trends, every_run: bool = False) -> dict[str, Table]:
    return {
        "rate": rate_table(trends, every_run),
        "by-check": by_check_table(trends),
        "by-team": by_team_table(trends),
        "flows": Table(
            "Inflow and outflow of exceptions per week (weeks from Monday)",
            ("Week from", "Inflow: new and reopened", "Outflow: resolved"),
            tuple((f.week, f.inflow, f.outflow) for f in trends.flows),
        ),
        "ageing": Table(
            "Open exceptions by working days open, at the latest run",
            ("Working days open", "Open exceptions"),
            tuple((AGE_TITLES[band], count) for band, count in trends.ageing),
        ),
        "fix": fix_table(trends),
        "league": league_table(trends),
        "measures": measures_table(trends, every_run),
    }


def _points(points: tuple[RatePoint, ...], every_run: bool) -> tuple[RatePoint, ...]:
    return points if every_run else tuple(weekly_last(points, lambda p: p.as_of))


def rate_table(trends: Trends, every_run: bool) -> Table:
    rows = tuple((p.as_of, p.open, p.cases, p.rate) for p in _points(trends.rate, every_run))
    headers = ("As-of date", "Open exceptions", "Active cases", "Per 100 cases")
    return Table("Open exceptions per 100 active cases", headers, rows)


def by_check_table(trends: Trends) -> Table:
    rows = []
    for check, points in sorted(trends.by_check.items()):
        first, last = (points[0], points[-1]) if points else (None, None)
        start = first.rate if first else None
        end = last.rate if last else None
        change = None if start is None or end is None else end - start
        rows.append((check, last.open if last else None, start, end, change))
    headers = ("Check", "Open at the latest run", "Per 100 cases at the start",
               "Per 100 cases at the latest run", "Change")  # fmt: skip
    return Table("Open exceptions per 100 active cases, by check", headers, tuple(rows))


def by_team_table(trends: Trends) -> Table:
    teams = trends.top_teams()
    rows = tuple(
        (day, *(row.spark[i] if i < len(row.spark) else None for row in teams))
        for i, day in enumerate(trends.weeks)
    )
    headers = ("Week's last run", *(f"{row.team} per 100 cases" for row in teams))
    return Table("Open exceptions per 100 active cases of the teams shown, weekly", headers, rows)


def fix_table(trends: Trends) -> Table:
    rows = tuple(
        (f.check, f.resolved, f.median, f.p90, f.reopened, f.resolutions, f.reopen_rate)
        for f in trends.fixes
    )
    headers = ("Check", "Resolved in the period", "Median days to fix", "90th percentile days",
               "Reopened", "Resolutions by the period's runs", "Reopen rate %")  # fmt: skip
    return Table("Time to fix, by check (calendar days from first seen to resolved)", headers, rows)


def league_table(trends: Trends) -> Table:
    rows = tuple((t.team, t.provider, t.rate, t.change, t.oldest_days) for t in trends.league)
    headers = ("Team", "Provider", "Per 100 cases", "Change over the period",
               "Oldest open (working days)")  # fmt: skip
    return Table("Teams by open exceptions per 100 active cases", headers, rows)


def measures_table(trends: Trends, every_run: bool) -> Table:
    rows: list[tuple[Cell, ...]] = []
    for series in trends.measures:
        points = series.points if every_run else weekly_last(series.points, lambda p: p[0])
        rows.extend((series.title, day, met, eligible, pct) for day, met, eligible, pct in points)
    headers = ("Measure", "As-of date", "Met", "Events", "Percent")
    return Table("Timeliness measures (events sentenced D − 57 to D − 30)", headers, tuple(rows))


def as_csv(table: Table) -> str:
    """The table as CSV: raw values, dates in ISO form, none as an empty cell."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow(["" if v is None else _raw(v) for v in row])
    return out.getvalue()


def _raw(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return value.isoformat() if isinstance(value, dt.date) else str(value)
