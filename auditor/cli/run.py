"""`auditor run`: load → validate → check → reconcile → store → notify, once.

Exit 0 with a summary; exit 2 with a message (no traceback) on bad input, a failed run
(recorded in the store as failed) or a refused run (another is going).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Table

from auditor.cli.check import rejects_table
from auditor.cli.options import (
    AsOfOption,
    ConfigOption,
    err,
    out,
    parse_as_of,
    settings_for,
    status,
)

if TYPE_CHECKING:
    from auditor.pipeline import RunResult

MAX_EMAIL_LINES = 12
HEADINGS = {
    "found": "found",
    "new": "new",
    "still_open": "still open",
    "reopened": "reopened",
    "resolved": "resolved",
    "record_missing": "record missing",
    "unconfirmed": "unconfirmed",
}


def run(config: ConfigOption = None, as_of: AsOfOption = None) -> None:
    """Audit the extract and store the outcome: new exceptions open, fixed ones resolve.

    The store's schema is created or upgraded first. Only one run at a time: a second
    run while one is going is refused. Then each SPO gets their email (unless
    notify.enabled is false in the config); one that cannot go now is sent later by
    `auditor notify --run ID`.
    """
    from auditor.notification import notifiers_for
    from auditor.pipeline import run_audit

    settings = settings_for(config)
    day = parse_as_of(as_of)
    notifiers = notifiers_for(settings)
    with status(f"Running the audit as at {day}") as update:
        result = run_audit(settings, day, progress=update, notifiers=notifiers)
    print_summary(result)


def print_summary(result: RunResult) -> None:
    out.print(rejects_table(result.tables))
    out.print(checks_table(result))
    out.print(
        f"Run [bold]{result.run_id}[/] as of {result.as_of} stored in {result.store}",
        highlight=False,
    )
    if result.notified:
        out.print("Emails: " + "\n  ".join(_shortened(result)), markup=False, highlight=False)
    for problem in result.notify_errors:
        err.print(f"[yellow]warning:[/] notifying failed: {escape(problem)}", highlight=False)


def _shortened(result: RunResult) -> list[str]:
    """The email lines, the first MAX_EMAIL_LINES of them at most (the log has them all)."""
    lines = list(result.notified)
    if len(lines) <= MAX_EMAIL_LINES + 1:
        return lines
    rest = len(lines) - MAX_EMAIL_LINES
    return [
        *lines[:MAX_EMAIL_LINES],
        f"... and {rest} more: `auditor notify --run {result.run_id} --dry-run` lists them all",
    ]


def checks_table(result: RunResult) -> Table:
    table = Table(title=f"Exceptions at {result.as_of}", title_justify="left")
    table.add_column("check")
    table.add_column("status")
    for heading in HEADINGS.values():
        table.add_column(heading, justify="right")
    for row in result.checks.iter_rows(named=True):
        shown = row["status"] if not row["error"] else f"{row['status']}: {row['error']}"
        table.add_row(row["check"], shown, *(f"{row[c]:,}" for c in HEADINGS))
    totals = result.totals | {"found": int(result.checks["found"].sum())}
    table.add_row("", "total", *(f"{totals[c]:,}" for c in HEADINGS), style="bold")
    return table


def register(app: typer.Typer) -> None:
    app.command("run")(run)
