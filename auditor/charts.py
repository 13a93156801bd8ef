"""The trends' charts, drawn on the server with matplotlib (Agg, no network, no
JavaScript): SVG for the page, PNG for the monthly email.

``render(trends, name, "svg" | "png")`` draws one chart of CHARTS. Every chart has
labelled axes with units; a time chart marks each change of configuration with a dashed
line. The bar charts draw their bars in fixed places (``bar_areas``), so that the page
can lay a clickable image map over them without drawing anything.

matplotlib is imported here only, and this module only by the trends' code paths.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

from auditor.trend_figures import SPLIT_LINES, RatePoint, Trends

COLOURS = ("#1d70b8", "#d4351c", "#00703c", "#f47738", "#4c2c92", "#28a197", "#b58840")
INK, GRID = "#0b0c0c", "#b1b4b6"
WIDTH = 9.0  # inches; 72 points each in the SVG
AXES = (0.09, 0.2, 0.6, 0.7)  # left, bottom, width, height: leaves room for a legend
BAR_AXES = (0.3, 0.15, 0.65, 0.74)
Drawing = Callable[[Any, Trends], None]


def render(trends: Trends, name: str, form: str) -> bytes:
    """One chart as SVG or PNG bytes."""
    from matplotlib.figure import Figure

    height, draw = CHARTS[name]
    figure = Figure(figsize=(WIDTH, height(trends)), dpi=72 if form == "svg" else 110)
    draw(figure, trends)
    buffer = io.BytesIO()
    metadata = {"Date": None} if form == "svg" else {}
    with _style():
        figure.savefig(buffer, format=form, metadata=metadata)
    return buffer.getvalue()


def size(trends: Trends, name: str) -> tuple[int, int]:
    """The chart's size in CSS pixels (96 per inch)."""
    height, _draw = CHARTS[name]
    return round(WIDTH * 96), round(height(trends) * 96)


def bar_areas(trends: Trends, name: str, count: int) -> list[tuple[int, int, int, int]]:
    """The CSS-pixel rectangles (left, top, right, bottom) of each of ``count`` bars
    (ageing: columns; fix: rows), for an image map."""
    width, height = size(trends, name)
    left, bottom, w, h = BAR_AXES if name == "fix" else AXES
    x0, x1 = left * width, (left + w) * width
    top, base = (1 - bottom - h) * height, (1 - bottom) * height
    if name == "fix":
        step = (base - top) / max(count, 1)
        return [(round(x0), round(top + i * step), round(x1), round(top + (i + 1) * step))
                for i in range(count)]  # fmt: skip
    step = (x1 - x0) / max(count, 1)
    return [(round(x0 + i * step), round(top), round(x0 + (i + 1) * step), round(base))
            for i in range(count)]  # fmt: skip


def _style() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    return matplotlib.rc_context({
        "svg.fonttype": "none", "svg.hashsalt": "auditor", "font.size": 11,
        "font.family": ["Arial", "Helvetica", "DejaVu Sans", "sans-serif"],
        "axes.edgecolor": INK, "axes.labelcolor": INK, "xtick.color": INK, "ytick.color": INK,
        "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
        "grid.color": GRID, "grid.linewidth": 0.6,
    })  # fmt: skip


def _time_axes(
    figure: Any, trends: Trends, ylabel: str, xlabel: str = "As-of date of the run"
) -> Any:
    axes = figure.add_axes(AXES)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    _mark_changes(axes, trends)
    _date_ticks(axes, trends)
    return axes


def _date_ticks(axes: Any, trends: Trends) -> None:
    """Dates on the x axis, over the period's runs (a day either side)."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    if trends.span is not None:
        day = dt.timedelta(days=1)
        axes.set_xlim(trends.span[0] - day, trends.span[1] + day)
    locator = AutoDateLocator(maxticks=8)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))


def _mark_changes(axes: Any, trends: Trends) -> None:
    for number, change in enumerate(trends.changes):
        label = "Settings changed" if number == 0 else None
        axes.axvline(change.as_of, color="#505a5f", linestyle="--", linewidth=1.2, label=label)


def _line(axes: Any, points: tuple[RatePoint, ...], label: str, colour: str) -> None:
    days = [p.as_of for p in points]
    values = [float("nan") if p.rate is None else p.rate for p in points]
    axes.plot(days, values, label=label, color=colour, linewidth=2, marker="o",
              markersize=2.5)  # fmt: skip


def _legend(axes: Any) -> None:
    if axes.get_legend_handles_labels()[0]:
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=9.5)


def _rate_limits(axes: Any, *series: tuple[RatePoint, ...]) -> None:
    values = [p.rate for points in series for p in points if p.rate is not None]
    axes.set_ylim(0, max([*values, 1.0]) * 1.12)


def _draw_rate(figure: Any, trends: Trends) -> None:
    axes = _time_axes(figure, trends, "Open exceptions per 100 active cases")
    _line(axes, trends.rate, "All selected", COLOURS[0])
    _rate_limits(axes, trends.rate)
    _legend(axes)


def _draw_by_check(figure: Any, trends: Trends) -> None:
    axes = _time_axes(figure, trends, "Open exceptions per 100 active cases")
    shown = top_checks(trends)
    for colour, check in zip(COLOURS, shown, strict=False):
        _line(axes, trends.by_check[check], check.replace("_", " "), colour)
    _rate_limits(axes, *(trends.by_check[check] for check in shown))
    _legend(axes)


def _draw_by_team(figure: Any, trends: Trends) -> None:
    axes = _time_axes(figure, trends, "Open exceptions per 100 active cases",
                      "As-of date of the week's last run")  # fmt: skip
    lines = []
    for colour, row in zip(COLOURS, trends.top_teams(), strict=False):
        points = tuple(RatePoint(day, None, None, rate)
                       for day, rate in zip(trends.weeks, row.spark, strict=False))  # fmt: skip
        _line(axes, points, row.team, colour)
        lines.append(points)
    _rate_limits(axes, *lines)
    _legend(axes)


def top_checks(trends: Trends) -> list[str]:
    """The checks with the highest rate at the latest run (SPLIT_LINES of them)."""

    def latest(check: str) -> float:
        points = trends.by_check[check]
        return (points[-1].rate or 0.0) if points else 0.0

    return sorted(trends.by_check, key=lambda c: (-latest(c), c))[:SPLIT_LINES]


def _draw_flows(figure: Any, trends: Trends) -> None:
    axes = _time_axes(figure, trends, "Exceptions per week", "Week (Monday to Sunday)")
    weeks = [flow.week + dt.timedelta(days=2) for flow in trends.flows]
    axes.bar([w - dt.timedelta(days=1) for w in weeks], [f.inflow for f in trends.flows],
             width=2.4, color=COLOURS[1], label="Inflow: new and reopened")  # fmt: skip
    axes.bar([w + dt.timedelta(days=1.5) for w in weeks], [f.outflow for f in trends.flows],
             width=2.4, color=COLOURS[2], label="Outflow: resolved")  # fmt: skip
    if trends.flows:  # whole weeks, the first run's week included
        axes.set_xlim(trends.flows[0].week - dt.timedelta(days=1),
                      trends.flows[-1].week + dt.timedelta(days=8))  # fmt: skip
    axes.grid(axis="x", visible=False)
    _legend(axes)


def _draw_ageing(figure: Any, trends: Trends) -> None:
    axes = figure.add_axes(AXES)
    labels = [f"{band.replace('-', '–').replace('over–', 'over ')}" for band, _ in trends.ageing]
    counts = [count for _, count in trends.ageing]
    bars = axes.bar(range(len(counts)), counts, width=0.6, color=COLOURS[0])
    axes.bar_label(bars, padding=2)
    axes.set_xlim(-0.5, len(counts) - 0.5)
    axes.set_xticks(range(len(counts)), labels)
    axes.set_xlabel("Working days open, since first seen")
    axes.set_ylabel("Open exceptions")
    axes.set_ylim(0, max([*counts, 1]) * 1.15)
    axes.grid(axis="x", visible=False)


def _draw_fix(figure: Any, trends: Trends) -> None:
    axes = figure.add_axes(BAR_AXES)
    fixes = list(trends.fixes)
    rows = range(len(fixes))
    axes.barh([r - 0.18 for r in rows], [f.median or 0 for f in fixes], height=0.36,
              color=COLOURS[0], label="Median")  # fmt: skip
    axes.barh([r + 0.18 for r in rows], [f.p90 or 0 for f in fixes], height=0.36,
              color=COLOURS[4], label="90th percentile")  # fmt: skip
    axes.set_ylim(len(fixes) - 0.5, -0.5)
    axes.set_yticks(list(rows), [f.check.replace("_", " ") for f in fixes])
    axes.set_xlabel("Calendar days from first seen to resolved")
    axes.grid(axis="y", visible=False)
    axes.legend(loc="lower right", bbox_to_anchor=(1, 1), ncol=2, frameon=False, fontsize=10)


def _draw_measures(figure: Any, trends: Trends) -> None:
    count = max(len(trends.measures), 1)
    for number, series in enumerate(trends.measures):
        axes = figure.add_subplot(count, 1, number + 1)
        days = [day for day, *_ in series.points]
        values = [float("nan") if pct is None else pct for *_, pct in series.points]
        axes.plot(days, values, color=COLOURS[0], linewidth=2, label="Recorded")
        for (figure_value, label), colour in zip(series.references, COLOURS[1:], strict=False):
            axes.axhline(figure_value, color=colour, linestyle=":", linewidth=2,
                         label=f"Inspection {figure_value:g} % {label}".strip())  # fmt: skip
        _mark_changes(axes, trends)
        axes.set_ylim(0, 100)
        axes.set_title(series.title, fontsize=11, loc="left")
        axes.set_ylabel("% of events")
        _date_ticks(axes, trends)
        _legend(axes)
    figure.subplots_adjust(left=0.09, right=0.72, hspace=0.75, top=0.96, bottom=0.05)


def _short(_trends: Trends) -> float:
    return 3.4


CHARTS: dict[str, tuple[Callable[[Trends], float], Drawing]] = {
    "rate": (_short, _draw_rate),
    "by-check": (_short, _draw_by_check),
    "by-team": (_short, _draw_by_team),
    "flows": (_short, _draw_flows),
    "ageing": (lambda _t: 3.0, _draw_ageing),
    "fix": (lambda t: 1.2 + 0.32 * max(len(t.fixes), 1), _draw_fix),
    "measures": (lambda t: 0.6 + 2.1 * max(len(t.measures), 1), _draw_measures),
}
