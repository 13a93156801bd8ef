"""`auditor report --month YYYY-MM`: the monthly trends report to the senior managers.

Exit 0 when every report went (or had gone before); 1 when some are deferred (run the
same command again later); 2 with a message and no traceback for a bad month, a month
with no run, or a bad option.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from auditor.cli.options import ConfigOption, err, out, settings_for, status

if TYPE_CHECKING:
    from auditor.config import Settings
    from auditor.monthly_report import Recipient
    from auditor.store.database import Store

MonthOption = Annotated[
    str | None,
    typer.Option("--month", "-m", help="The calendar month to report, as YYYY-MM; default: "
                 "last month."),
]  # fmt: skip
DryRunOption = Annotated[
    bool,
    typer.Option("--dry-run", help="Show who would get the report and its subject; send "
                 "nothing and record nothing."),
]  # fmt: skip
ToOption = Annotated[
    str | None,
    typer.Option("--to", help="Send one copy (every provider) to this address instead, to "
                 "check it; the recipients' reports are not marked as sent."),
]  # fmt: skip


def report(
    month: MonthOption = None,
    dry_run: DryRunOption = False,
    to: ToOption = None,
    config: ConfigOption = None,
) -> None:
    """Email the month's trends: charts, headline numbers, league table and measures.

    Each recipient gets a month's report once: running it again sends only what has
    not gone. Recipients: the report's recipients in config.toml, and every senior
    manager user with an email address (for the providers they see).
    """
    from auditor.calendar import today_in_london
    from auditor.monthly_report import Recipient, parse_month, previous_month, recipients
    from auditor.store.database import open_store
    from auditor.store.scope import EVERYTHING

    chosen = month or previous_month(today_in_london())
    parse_month(chosen)
    settings = settings_for(config)
    store = open_store(settings.store)
    try:
        store.upgrade()
        people = [Recipient(to, EVERYTHING)] if to else recipients(settings, store)
        if not people:
            err.print("Nobody to send the report to: set recipients in the [report] section "
                      "of config.toml.", markup=False, highlight=False)  # fmt: skip
            raise typer.Exit(2)
        _deliver(settings, store, chosen, people, dry_run, copy=to is not None)
    finally:
        store.dispose()


def _deliver(
    settings: Settings,
    store: Store,
    month: str,
    people: list[Recipient],
    dry_run: bool,
    copy: bool,
) -> None:
    from auditor.monthly_report import build_reports, send_reports
    from notifiers.ledger import MemoryLedger

    with status(f"Trends report for {month}"):
        reports = build_reports(settings, store, month, people)
    if dry_run:
        for built in reports:
            for digest in built.digests:
                out.print(f"{digest.address}: {digest.subject}", markup=False, highlight=False)
        out.print("Dry run: nothing was sent or recorded.")
        return
    results = send_reports(store, settings, reports, MemoryLedger() if copy else None)
    for result in results:
        detail = f" ({result.detail})" if result.detail else ""
        out.print(f"{result.address}: {result.outcome.replace('_', ' ')}{detail}",
                  markup=False, highlight=False)  # fmt: skip
    if any(result.outcome in ("deferred", "not_attempted") for result in results):
        err.print("[yellow]warning:[/] some reports are not sent yet.", highlight=False)
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("report")(report)
