"""`auditor check`: a preview of what a run would raise. Stores nothing, sends nothing."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, get_args

import typer
from rich.table import Table

from auditor.cli.options import (
    DEFAULT_CONFIG,
    AsOfOption,
    ConfigOption,
    out,
    parse_as_of,
    settings_for,
    status,
)

if TYPE_CHECKING:
    import polars as pl

    from auditor.audit import Audit

Format = Literal["csv", "json", "parquet"]


def check(
    extract: Annotated[
        Path | None,
        typer.Option("--extract", "-e", help="Extract folder (overrides [source] in config)."),
    ] = None,
    config: ConfigOption = None,
    as_of: AsOfOption = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Where to write the exceptions (default: exceptions.<format>).",
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv, json or parquet.")] = "csv",
    measures: Annotated[
        bool, typer.Option("--measures", help="Also print the timeliness measures.")
    ] = False,
) -> None:
    """Validate the extract and run every enabled check; write the exceptions found.

    A preview of what `auditor run` would raise: nothing is stored and no email is sent.
    """
    if fmt not in get_args(Format):
        raise typer.BadParameter("choose csv, json or parquet.", param_hint="--format")
    if extract is None and config is None and not DEFAULT_CONFIG.exists():
        raise typer.BadParameter("give --extract DIR or --config FILE.")
    from auditor.audit import audit

    settings = settings_for(config, extract)
    day = parse_as_of(as_of)
    with status(f"Checking the extract as at {day}") as update:
        result = audit(settings, day, progress=update)
    target = output or Path(f"exceptions.{fmt}")
    write_exceptions(result.check_run.exceptions, target, fmt)  # type: ignore[arg-type]
    print_summary(result, target)
    if measures:
        print_measures(result.measures)


def write_exceptions(frame: pl.DataFrame, target: Path, fmt: Format) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        frame.write_csv(target)
    elif fmt == "json":
        frame.write_json(target)
    else:
        frame.write_parquet(target)


def print_summary(result: Audit, target: Path) -> None:
    from checks.registry import REGISTRY

    out.print(rejects_table(result.counts))
    table = Table(title=f"Exceptions at {result.as_of}", title_justify="left")
    for column in ("check", "title", "status", "exceptions"):
        table.add_column(column, justify="right" if column == "exceptions" else "left")
    for name, outcome in result.check_run.outcomes.items():
        shown = outcome.status if outcome.status != "error" else f"error: {outcome.error}"
        table.add_row(name, REGISTRY[name].title, shown, f"{outcome.count:,}")
    table.add_row("", "", "total", f"{result.check_run.exceptions.height:,}", style="bold")
    out.print(table)
    out.print(f"Exceptions written to [bold]{target}[/]")


def rejects_table(counts: pl.DataFrame) -> Table:
    table = Table(title="Rows read", title_justify="left")
    for column in ("table", "read", "kept", "rejected"):
        table.add_column(column, justify="left" if column == "table" else "right")
    for row in counts.iter_rows(named=True):
        table.add_row(
            row["table"],
            f"{row['rows_read']:,}",
            f"{row['rows_kept']:,}",
            f"{row['rows_rejected']:,}",
            style="red" if row["rows_rejected"] else None,
        )
    return table


def print_measures(measures: pl.DataFrame) -> None:
    table = Table(title="Timeliness (events sentenced D-57 to D-30)", title_justify="left")
    for column in ("measure", "level", "provider", "team", "met", "of", "%", "inspection"):
        table.add_column(column)
    for row in measures.sort("measure", "level", "provider_code", "team_code").iter_rows(
        named=True
    ):
        percent = "" if row["percent"] is None else f"{row['percent']:.0f} %"
        table.add_row(
            row["title"],
            row["level"],
            row["provider_code"] or "",
            row["team_code"] or "",
            str(row["met"]),
            str(row["eligible"]),
            percent,
            f"{row['inspection_figure']} (para {row['inspection_paragraph']})",
        )
    out.print(table)


def register(app: typer.Typer) -> None:
    app.command("check")(check)
