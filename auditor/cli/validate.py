"""`auditor validate`: load an extract, keep or reject every row, report and list rejects."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from auditor.cli.options import DEFAULT_CONFIG, err, out, parse_as_of
from auditor.errors import AuditorError

if TYPE_CHECKING:
    from auditor.config import Settings
    from auditor.sources import Extract
    from schemas.validation import Validated


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)


def validate(
    extract: Annotated[
        Path | None,
        typer.Option(
            "--extract",
            help="Folder holding one <table>.csv or <table>.parquet per contract table.",
            file_okay=False,
        ),
    ] = None,
    url: Annotated[
        str | None,
        typer.Option("--url", help="SQLAlchemy URL of a database holding the tables (read only)."),
    ] = None,
    as_of: Annotated[
        dt.datetime | None,
        typer.Option(
            "--as-of",
            formats=["%Y-%m-%d"],
            help="Judge the records as they stood at the end of this day (default: today, London).",
        ),
    ] = None,
    rejects: Annotated[
        Path | None,
        typer.Option(
            "--rejects",
            help="CSV file for the rejected rows (default: rejects.csv beside the extract folder).",
            dir_okay=False,
        ),
    ] = None,
    config: Annotated[
        Path,
        typer.Option("--config", help="Settings file (its source section); optional."),
    ] = DEFAULT_CONFIG,
) -> None:
    """Check an extract against the data contract (no checks are run, nothing is stored).

    Every row is either kept or written to the rejects file with its reason.

    Exit status: 0 when the extract is usable; 2 when it cannot be read or a table rejects more
    rows than source.max_reject_share allows (default 5%).
    """
    from schemas.validation import enforce_reject_limit, screen_extract

    settings = _settings(config)
    day = as_of.date() if as_of is not None else parse_as_of(None)
    with _progress() as step:
        step("Loading the extract")
        loaded = _load(extract, url, settings)
        validated = screen_extract(loaded, day, progress=lambda t: step(f"Validating {t}"))
    target = rejects or _default_rejects_path(extract or settings.source.extract_dir)
    validated.rejects.write_csv(target)
    _report(validated, loaded, target)
    enforce_reject_limit(validated, settings.source.max_reject_share)


def _settings(config: Path) -> Settings:
    from auditor.config import Settings, load_settings

    if config == DEFAULT_CONFIG and not config.exists():
        return Settings()
    return load_settings(config)


def _load(extract: Path | None, url: str | None, settings: Settings) -> Extract:
    from auditor.audit import open_source
    from auditor.sources import load_database, load_extract

    if extract is not None and url is not None:
        raise AuditorError("give either --extract or --url, not both.")
    if extract is not None:
        return load_extract(extract)
    if url is not None:
        return load_database(url)
    if settings.source.extract_dir is None and settings.source.url is None:
        raise AuditorError(
            "no extract given: use --extract DIR or --url URL, or set [source] in config.toml."
        )
    return open_source(settings.source)[0]  # as a run reads it, with [source] password_env


def _default_rejects_path(extract: Path | None) -> Path:
    if extract is None:
        return Path("rejects.csv")
    return extract.resolve().parent / "rejects.csv"


@contextmanager
def _progress() -> Iterator[Callable[[str], None]]:
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("Starting", total=None)
        yield lambda text: progress.update(task, description=text)


def _report(validated: Validated, loaded: Extract, target: Path) -> None:
    table = Table(title=f"Extract {loaded.origin} at {validated.as_of.isoformat()}")
    for heading in ("table", "source", "read", "kept", "rejected", "top reasons"):
        justify = "right" if heading in ("read", "kept", "rejected") else "left"
        table.add_column(heading, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for count in validated.table_counts():
        reasons = "\n".join(f"{p} ({n})" for p, n in validated.top_problems(count.table))
        table.add_row(
            count.table,
            loaded.sources[count.table],
            f"{count.read:,}",
            f"{count.kept:,}",
            f"{count.rejected:,}",
            reasons,
        )
    out.print(table)
    lines = validated.rejects.height
    out.print(f"Rejects: {lines:,} line(s) written to {target}", highlight=False)
