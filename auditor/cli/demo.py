"""`auditor demo`: generate a demo caseload, audit it day by day, say where to look."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from auditor.cli.options import ConfigOption, out, parse_as_of, settings_for, status

if TYPE_CHECKING:
    from auditor.config import Settings
    from auditor.demo import Demo, DemoUser
    from auditor.pipeline import Notifier

DEFAULT_FOLDER = Path("demo")  # where config.toml points
MAX_PERSONS = 100_000
MAX_DAYS = 260
SHOWN = ("open", "new", "resolved", "reopened", "record_missing")


def demo(
    config: ConfigOption = None,
    folder: Annotated[
        Path, typer.Option("--dir", help="The demo's own folder; emptied and refilled.")
    ] = DEFAULT_FOLDER,
    persons: Annotated[int, typer.Option(help="Persons in the demo caseload.")] = 3000,
    days: Annotated[int, typer.Option(help="Working days to audit, one run each.")] = 65,
    seed: Annotated[int, typer.Option(help="Random seed: the same arguments, the same demo.")] = 1,
    end: Annotated[
        str | None,
        typer.Option(help="Last as-of date, YYYY-MM-DD (default: today in Europe/London)."),
    ] = None,
) -> None:
    """Audit a synthetic caseload day by day, as if Auditor had run every morning.

    Over the last working days faults appear, get fixed and come back; each run is
    stored and its emails written as .eml files. Then it shows where everything is."""
    from auditor.demo import DemoPlan, add_demo_users, run_demo

    persons = _bounded(persons, MAX_PERSONS, "--persons")
    days = _bounded(days, MAX_DAYS, "--days")
    plan = DemoPlan(folder, persons, seed, days, parse_as_of(end, "--end"))
    started = time.perf_counter()
    with status(f"Demo: {persons:,} persons over {days} working days") as update:
        result = run_demo(settings_for(config), plan, _email, progress=update)
        update("adding the worklist's demo users")
        users = add_demo_users(result)
    _show(result, time.perf_counter() - started)
    out.print(users_lines(users), highlight=False, soft_wrap=True)
    out.print(_worklist_hint(result), highlight=False, soft_wrap=True)


def _email(settings: Settings) -> list[Notifier]:
    from auditor.notification import email_notifier

    return [email_notifier(settings)]


def _bounded(value: int, most: int, option: str) -> int:
    if not 1 <= value <= most:
        raise typer.BadParameter(f"must be between 1 and {most:,}, not {value}", param_hint=option)
    return value


def _show(result: Demo, seconds: float) -> None:
    out.print(days_table(result))
    out.print(f"{len(result.results)} runs in {seconds:.0f} s. {_people(result)}\n")
    out.print(where_to_look(result), highlight=False, soft_wrap=True)


def days_table(result: Demo) -> Table:
    table = Table(title="One run per working day", title_justify="left")
    table.add_column("as of")
    for heading in ("run", *(c.replace("_", " ") for c in SHOWN), "emails"):
        table.add_column(heading, justify="right")
    for run in result.results:
        counts = [f"{run.totals[c]:,}" for c in SHOWN]
        emails = _emails(result.outbox / run.as_of.isoformat())
        table.add_row(str(run.as_of), str(run.run_id), *counts, str(emails))
    return table


def _people(result: Demo) -> str:
    """What people did between the runs, e.g. "Between runs, people marked 80 done, ..."."""
    done, counts = result.triaged, []
    for action, words in (("done", "marked {} done"), ("acknowledged", "acknowledged {}"),
                          ("snoozed", "snoozed {}"), ("disputed", "disputed {}")):  # fmt: skip
        if done[action]:
            counts.append(words.format(done[action]))
    return f"Between runs, people {', '.join(counts)}." if counts else ""


def where_to_look(result: Demo) -> str:
    import polars as pl

    last = result.results[-1]
    folder = result.plan.folder
    busiest = last.checks.filter(pl.col("open") > 0).sort("open", descending=True).head(3)
    rows = busiest.iter_rows(named=True)
    checks = ", ".join(f"{r['check']} ({r['open']:,})" for r in rows) or "nothing is open"
    email = _biggest_email(result.outbox / last.as_of.isoformat())
    lines = [
        "[bold]Where everything is[/]",
        f"  extract (the last day's)  {folder / 'extract'}",
        f"  exception store           {result.store}",
        f"  emails, one folder a day  {result.outbox}/<as-of date>/*.eml",
        "",
        "[bold]What to look at[/]",
        f"  Most open now: {checks}.",
        f"  The longest email of the last day: {email}",
        f"  Preview the last run's emails:  auditor notify --run {last.run_id} --dry-run",
    ]
    if folder == DEFAULT_FOLDER:
        lines += [
            f"  Audit again (config.toml points here):  auditor run --as-of {last.as_of}",
            "  The worklist, and a run every weekday at 06:00 Europe/London:  auditor serve",
        ]
    return "\n".join(lines)


def users_lines(users: list[DemoUser]) -> str:
    """The demo users, one a line, passwords in full (a table could cut them short)."""
    lines = ["[bold]Worklist users[/] (the passwords are shown only now)"]
    for made in users:
        user = made.user
        lines.append(
            f"  {user.username:<10} password {made.password}   {user.role_name}: {made.note}"
        )
    return "\n".join(lines)


def _worklist_hint(result: Demo) -> str:
    config = (
        "" if result.plan.folder == DEFAULT_FOLDER else " --config <a config.toml pointing here>"
    )
    return (
        "[bold]The worklist[/]\n"
        f"  Open it:  auditor serve --no-schedule{config}   then http://127.0.0.1:8000 and "
        "sign in as one of the users above.\n"
        "  A digest's links open the exceptions they list; `auditor users --help` manages users."
    )


def _emails(folder: Path) -> int:
    return sum(1 for _ in folder.glob("*.eml")) if folder.is_dir() else 0


def _biggest_email(folder: Path) -> str:
    emails = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_size) if folder.is_dir() else []
    return str(emails[-1]) if emails else "(none written)"


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
