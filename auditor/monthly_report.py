"""The monthly trends report: who gets it, what it shows, and sending it
(``auditor report --month YYYY-MM``, and ``[schedule] report_cron`` in `auditor serve`).

Recipients are the ``[report] recipients`` (every provider) and, with
``senior_managers``, every enabled senior manager user with an email address (their
own scope). Recipients who see the same scope share one rendering of the charts. Each
email holds the trends page's figures for the month's runs (auditor/trend_figures.py),
its charts as inline PNG images (auditor/charts.py), the headline numbers, the league
table and the latest timeliness measures; notifiers/report.py sends it through the
configured transport and the store's delivery ledger, once per recipient and month
(at least once, as the morning emails: one whose sending was cut off goes again).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from auditor.config import Settings
from auditor.errors import AuditorError
from auditor.store.database import Store
from auditor.store.scope import EVERYTHING, Scope
from auditor.store.trends import Selection, month_runs, sent_keys
from auditor.trend_figures import Trends, trends
from auditor.trend_tables import cell
from notifiers.delivery import Delivery, DeliveryResult
from notifiers.ledger import Ledger, MemoryLedger
from notifiers.report import CHARTS, InlineImages, Report, deliver_report, report_digests

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
CHART_TEXT = {
    "rate": ("Open exceptions per 100 active cases", "Line chart of the rate at each run."),
    "by-check": ("Per 100 active cases, by check", "Line chart of the rate of the top checks."),
    "by-team": ("Per 100 active cases, by team", "Line chart of the teams with the highest rate."),
    "flows": ("Inflow and outflow per week", "Bar chart of new and reopened against resolved."),
    "ageing": ("Ageing of the open exceptions (at the latest run)", "Bar chart by age band."),
    "fix": ("Time to fix, by check", "Bar chart of median and 90th percentile days to fix."),
    "measures": ("Timeliness measures against the inspection's figures", "Line charts."),
}


@dataclass(frozen=True)
class Recipient:
    address: str
    scope: Scope


def parse_month(text: str) -> tuple[dt.date, dt.date]:
    """The first and last day of 'YYYY-MM'; AuditorError (exit 2) otherwise."""
    found = MONTH.match(text.strip())
    month = int(found.group(2)) if found else 0
    if found is None or not 1 <= month <= 12:
        raise AuditorError(f"--month '{text}' is not a month: give YYYY-MM, e.g. 2026-11.")
    first = dt.date(int(found.group(1)), month, 1)
    following = dt.date(first.year + month // 12, month % 12 + 1, 1)
    return first, following - dt.timedelta(days=1)


def previous_month(today: dt.date) -> str:
    last = today.replace(day=1) - dt.timedelta(days=1)
    return f"{last:%Y-%m}"


def recipients(settings: Settings, store: Store) -> list[Recipient]:
    """Everyone the month's report goes to, each address once (configured ones first)."""
    from auditor.store.users import list_users

    found = {
        a.strip().lower(): Recipient(a.strip(), EVERYTHING) for a in settings.report.recipients
    }
    if settings.report.senior_managers:
        for user in list_users(store):
            if user.role == "senior_manager" and not user.disabled and user.email:
                found.setdefault(user.email.lower(), Recipient(user.email, user.scope()))
    return list(found.values())


def build_reports(
    settings: Settings, store: Store, month: str, to: list[Recipient]
) -> list[Report]:
    """One report per scope among the recipients (each with its own charts)."""
    first, last = parse_month(month)
    with store.reading() as connection:
        runs = month_runs(connection, first, last)
    if not runs:
        raise AuditorError(f"the store holds no successful run in {month}; nothing to report.")
    run_id, until = runs[-1]
    scopes: dict[Scope, list[str]] = {}
    for recipient in to:
        scopes.setdefault(recipient.scope, []).append(recipient.address)
    reports = []
    for scope, addresses in scopes.items():
        with store.reading() as connection:
            figures = trends(connection, Selection(scope, first, until))
        reports.append(_report(settings, month, run_id, figures, addresses))
    return reports


def _report(
    settings: Settings, month: str, run_id: int, figures: Trends, addresses: list[str]
) -> Report:
    from auditor.charts import render

    context = report_context(settings, month, figures)
    images = {name: render(figures, name, "png") for name in CHARTS}
    digests = report_digests(month, addresses, context)
    return Report(month, run_id, figures.selection.until, digests, images)


def report_context(settings: Settings, month: str, figures: Trends) -> dict[str, object]:
    first, last = figures.rate[0] if figures.rate else None, figures.latest
    base = settings.web.base_url.rstrip("/")
    rows = settings.report.league_rows
    return {
        "month_name": f"{parse_month(month)[0]:%B %Y}",
        "scope": figures.selection.scope.describe(),
        "since": cell(figures.rate[0].as_of if figures.rate else None),
        "until": cell(figures.selection.until), "runs": len(figures.rate),
        "rate_text": cell(last.rate if last else None),
        "first_rate_text": cell(first.rate if first else None),
        "open_text": cell(last.open if last else None),
        "cases_text": cell(last.cases if last else None),
        "inflow": cell(sum(f.inflow for f in figures.flows)),
        "outflow": cell(sum(f.outflow for f in figures.flows)),
        "changes": [f"{cell(c.as_of)}: {', '.join(c.checks) or 'first recorded'}"
                    for c in figures.changes],
        "league": [(t.team, cell(t.rate), cell(t.change), cell(t.oldest_days),
                    f"{base}/exceptions?{urlencode({'team': t.team})}")
                   for t in figures.league[:rows]],
        "measures": [(m.title, cell(m.points[-1][3], " %") if m.points else "–",
                      m.inspection_figure or "–") for m in figures.measures],
        "charts": [(name, *CHART_TEXT[name]) for name in CHARTS],
        "trends_url": f"{base}/trends",
    }  # fmt: skip


def send_reports(
    store: Store, settings: Settings, reports: list[Report], ledger: Ledger | None = None
) -> list[DeliveryResult]:
    """Deliver the reports through the configured transport and the store's ledger
    (``ledger``: another one, e.g. a MemoryLedger for copies that must not count)."""
    from auditor.store.ledger import StoreLedger
    from notifiers.registry import build_notifier

    results: list[DeliveryResult] = []
    for report in reports:
        keys = [d.key for d in report.digests]
        with store.reading() as connection:
            already = set() if isinstance(ledger, MemoryLedger) else sent_keys(connection, keys)
        images = InlineImages(build_notifier(settings.notify), report.images)
        delivery = Delivery(report.run_id, report.as_of, ledger or StoreLedger(store), images,
                            settings.notify.from_address)  # fmt: skip
        results.extend(deliver_report(report, delivery, already))
    return results
