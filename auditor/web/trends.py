"""The trends page (``/trends``), its charts (``/trends/charts/<name>.svg``) and the
numbers of each as CSV (``/trends/data/<name>.csv``), for every role that reads
exceptions, within its scope.

The selection lives in the URL (provider, team, check, period), like the worklist's
filters: a value outside the user's choices is dropped and said so, never an error.
The page reads the figures (auditor/trend_figures.py) and shows each chart as an image
beside a table of its numbers; the bar charts carry an image map whose areas open the
worklist with that filter. matplotlib is imported only when a chart is drawn.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams
from starlette.responses import Response
from starlette.routing import Route

from auditor.store import repository
from auditor.store.scope import Scope
from auditor.store.trends import Selection
from auditor.store.worklist import AGE_BANDS, teams_in_scope
from auditor.trend_figures import LEAGUE_ROWS, NEEDS, PARTS, Trends, months_before, trends
from auditor.trend_tables import as_csv, cell, tables
from auditor.web.app import Visit, page
from checks.registry import REGISTRY

PERIODS = {"3m": 3, "6m": 6, "12m": 12, "24m": 24}
PERIOD_LABELS = {"3m": "3 months", "6m": "6 months", "12m": "12 months", "24m": "2 years"}
DEFAULT_PERIOD = "6m"
CHART_TITLES = {
    "rate": "Open exceptions per 100 active cases",
    "by-check": "Per 100 active cases, by check",
    "by-team": "Per 100 active cases, by team",
    "flows": "Inflow and outflow per week",
    "ageing": "Ageing of the open exceptions",
    "fix": "Time to fix, by check",
    "measures": "Timeliness measures against the inspection's figures",
}


def routes() -> list[Route]:
    return [
        Route("/trends", page(trends_page)),
        Route("/trends/charts/{name}.svg", page(chart_svg)),
        Route("/trends/data/{name}.csv", page(chart_csv)),
    ]


@dataclass(frozen=True)
class Wanted:
    provider: str | None
    team: str | None
    check: str | None
    period: str
    problems: tuple[str, ...]

    def query(self, **changes: str | None) -> str:
        values = {"provider": self.provider, "team": self.team, "check": self.check,
                  "period": self.period if self.period != DEFAULT_PERIOD else None}  # fmt: skip
        values.update(changes)
        return urlencode([(k, v) for k, v in values.items() if v])


def read_wanted(params: QueryParams, teams: list[dict[str, object]]) -> Wanted:
    """The selection of a query string; values outside the choices are dropped."""
    providers = {str(t["provider_code"]) for t in teams if t["provider_code"]}
    codes = {str(t["team_code"]) for t in teams}
    problems = []
    chosen = {}
    for key, allowed in (("provider", providers), ("team", codes), ("check", set(REGISTRY))):
        value = params.get(key) or None
        if value is not None and value not in allowed:
            problems.append(f"{key} '{value[:40]}' is not one of your choices")
            value = None
        chosen[key] = value
    period = params.get("period") or DEFAULT_PERIOD
    if period not in PERIODS:
        problems.append(f"period '{period[:40]}' is not one of 3m, 6m, 12m, 24m")
        period = DEFAULT_PERIOD
    return Wanted(chosen["provider"], chosen["team"], chosen["check"], period, tuple(problems))


def selection_of(scope: Scope, wanted: Wanted, as_of: dt.date) -> Selection:
    since = months_before(as_of, PERIODS[wanted.period])
    return Selection(scope, since, as_of, wanted.provider, wanted.team, wanted.check)


class FiguresCache:
    """The figures of the latest selections, by store, latest run and selection, and
    their charts once drawn: they change only when a run is stored (people's triage
    moves none of them), so the page and its charts, requested together, read the store
    once, and a page seen again is served from memory."""

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self.held: OrderedDict[tuple[Any, ...], Trends] = OrderedDict()
        self.drawn: OrderedDict[tuple[int, str], tuple[Trends, bytes]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, visit: Visit, selection: Selection, parts: frozenset[str]) -> Trends:
        with visit.store.reading() as connection:
            latest = repository.latest_run_id(connection)
            base = (visit.store.where, latest, selection)
            with self.lock:
                held = self.held.get((*base, PARTS)) or self.held.get((*base, parts))
            if held is not None:
                return held
            figures = trends(connection, selection, parts)
        with self.lock:
            self.held[(*base, parts)] = figures
            while len(self.held) > self.size:
                self.held.popitem(last=False)
        return figures

    def chart(self, figures: Trends, name: str) -> bytes:
        """A chart's SVG, drawn once for each figures held."""
        from auditor.charts import render

        key = (id(figures), name)
        with self.lock:
            drawn = self.drawn.get(key)
        if drawn is not None and drawn[0] is figures:
            return drawn[1]
        svg = render(figures, name, "svg")
        with self.lock:
            self.drawn[key] = (figures, svg)
            while len(self.drawn) > 4 * self.size:
                self.drawn.popitem(last=False)
        return svg

    def clear(self) -> None:
        with self.lock:
            self.held.clear()
            self.drawn.clear()


CACHE = FiguresCache()


def _read(
    visit: Visit, parts: frozenset[str] = PARTS
) -> tuple[Wanted, Trends, list[dict[str, object]]] | Response:
    user = visit.user
    if not user.reads_exceptions:
        return visit.error(403, "You cannot see case records", "Your role manages users only.")
    as_of = visit.as_of
    scope = user.scope()
    with visit.store.reading() as connection:
        teams = teams_in_scope(connection, scope)
        wanted = read_wanted(visit.request.query_params, teams)
        if as_of is None:
            return visit.render("trends/page.html", nav="trends", wanted=wanted, figures=None,
                                teams=teams, filter_problems=[])  # fmt: skip
    figures = CACHE.get(visit, selection_of(scope, wanted, as_of), parts)
    return wanted, figures, teams


def trends_page(visit: Visit) -> Response:
    read = _read(visit)
    if isinstance(read, Response):
        return read
    wanted, figures, teams = read
    from auditor import charts

    return visit.render(
        "trends/page.html", nav="trends", wanted=wanted, figures=figures, teams=teams,
        tables=tables(figures), cell=cell, chart_titles=CHART_TITLES, periods=PERIOD_LABELS,
        size=lambda name: charts.size(figures, name), league_rows=LEAGUE_ROWS,
        areas=lambda name, count: charts.bar_areas(figures, name, count),
        links=WorklistLinks(wanted), checks=sorted(REGISTRY), spark=sparkline,
        filter_problems=[(f"{p}: it was left out", None) for p in wanted.problems],
    )  # fmt: skip


def chart_svg(visit: Visit) -> Response:
    name = visit.request.path_params["name"]
    if name not in CHART_TITLES:
        return visit.error(404, "Page not found", "There is no such chart.")
    read = _read(visit, frozenset(NEEDS[name]))
    if isinstance(read, Response):
        return read
    return Response(CACHE.chart(read[1], name), media_type="image/svg+xml")


def chart_csv(visit: Visit) -> Response:
    name = visit.request.path_params["name"]
    read = _read(visit)
    if isinstance(read, Response):
        return read
    table = tables(read[1], every_run=True).get(name)
    if table is None:
        return visit.error(404, "Page not found", "There is no such table.")
    disposition = f'attachment; filename="trends-{name}-{read[1].selection.until}.csv"'
    return Response(as_csv(table), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": disposition})  # fmt: skip


@dataclass(frozen=True)
class WorklistLinks:
    """Links to the worklist with the page's selection and one more filter. The ageing
    counts every open exception, so the links show every triage state."""

    wanted: Wanted

    def _link(self, **more: str | None) -> str:
        values = {"provider": self.wanted.provider, "team": self.wanted.team,
                  "check": self.wanted.check, "triage": "all"} | more  # fmt: skip
        return "/exceptions?" + urlencode([(k, v) for k, v in values.items() if v])

    def age(self, band: str) -> str:
        return self._link(age=band) if band in AGE_BANDS else self._link()

    def check(self, check: str) -> str:
        return self._link(check=check)

    def team(self, team: str) -> str:
        return self._link(team=team)


def sparkline(values: tuple[float | None, ...], width: int = 120, height: int = 24) -> str:
    """The points attribute of an SVG polyline through the values (gaps skipped)."""
    known = [v for v in values if v is not None]
    if len(known) < 2:
        return ""
    low, high = min(known), max(known)
    span = (high - low) or 1.0
    step = width / (len(values) - 1)
    return " ".join(
        f"{i * step:.1f},{height - 2 - (v - low) / span * (height - 4):.1f}"
        for i, v in enumerate(values)
        if v is not None
    )
