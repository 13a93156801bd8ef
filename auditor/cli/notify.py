"""`auditor notify --run ID`: a run's morning emails by hand: preview them, send those
left unsent, resend one, or send copies of them all to one address to check them.

Exit 0 when nothing is left to send; 1 when some emails are deferred (the mail server
is down or busy: run the same command again later); 2 with a message and no traceback
for an unknown, failed or superseded run, or a bad option.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from auditor.cli.options import ConfigOption, err, out, settings_for, status

if TYPE_CHECKING:
    from notifiers.delivery import DeliveryReport
    from notifiers.digest import Digest

RunOption = Annotated[
    int,
    typer.Option("--run", "-r", help="The run whose emails to send: its number, as `auditor run` "
                 "prints it. Only the latest successful run has emails."),
]  # fmt: skip
DryRunOption = Annotated[
    bool,
    typer.Option("--dry-run", help="Show each email's address, subject and counts; send "
                 "nothing and record nothing."),
]  # fmt: skip
ToOption = Annotated[
    str | None,
    typer.Option("--to", help="Send a copy of every email of the run to this address instead, "
                 "to check them; the real recipients' emails are not marked as sent."),
]  # fmt: skip
ResendOption = Annotated[
    str | None,
    typer.Option("--resend", help="Send the email to this recipient's address again, whatever "
                 "was recorded: after a refused address is fixed, or when an email recorded "
                 "as sent did not arrive."),
]  # fmt: skip


def notify(
    run: RunOption,
    dry_run: DryRunOption = False,
    to: ToOption = None,
    resend: ResendOption = None,
    config: ConfigOption = None,
) -> None:
    """Send a run's emails that have not gone yet; those already sent are not repeated.

    Use it after `auditor run` reported emails deferred (the mail server was down), to
    preview a run's emails (--dry-run), or to check them by sending copies to yourself
    (--to). Works even with emails after runs turned off (notify.enabled = false).
    """
    if to is not None and resend is not None:
        raise typer.BadParameter("give --to or --resend, not both.", param_hint="--to")
    from auditor.notification import notify_stored_run, report_lines

    settings = settings_for(config)
    with status(f"Emails of run {run}"):
        report = notify_stored_run(settings, run, dry_run=dry_run, to=to, resend=resend)
    if dry_run:
        out.print(preview(report), markup=False, highlight=False, soft_wrap=True)
    else:
        out.print(outcome_table(report))
    for line in report.summary_lines() if to else report_lines(report, run):
        out.print(line, markup=False, highlight=False)
    if dry_run:
        out.print("Dry run: nothing was sent or recorded.")
    elif not report.complete:
        err.print("[yellow]warning:[/] some emails are not sent yet.", highlight=False)
        raise typer.Exit(1)


def preview(report: DeliveryReport) -> str:
    """Each email, two lines apiece (readable at any terminal width): who, then what."""
    lines = [f"Emails (not sent): {len(report.digests)}"]
    for digest in report.digests:
        summary = digest.summary
        lines += [
            f"  {_recipient(digest)} <{digest.address}>",
            f"    {digest.subject}; {summary.resolved} resolved since the last email",
        ]
    return "\n".join(lines)


def outcome_table(report: DeliveryReport) -> Table:
    digests = {digest.key: digest for digest in report.digests}
    table = Table(title="Emails", title_justify="left")
    for column in ("recipient", "address", "outcome", "detail"):
        table.add_column(column)
    for result in report.results:
        recipient = _recipient(digests[result.key])
        outcome = result.outcome.replace("_", " ")
        table.add_row(*map(escape, (recipient, result.address, outcome, result.detail or "")))
    return table


def _recipient(digest: Digest) -> str:
    if digest.role == "unowned":
        return "unowned cases"
    return digest.name or digest.key


def register(app: typer.Typer) -> None:
    app.command("notify")(notify)
