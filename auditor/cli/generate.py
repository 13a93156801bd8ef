"""`auditor generate`: write a synthetic extract with known faults and its ground truth."""

from __future__ import annotations

import datetime as dt
import time
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from auditor.cli.options import err
from auditor.cli.options import out as stdout  # generate() has an `out` option

if TYPE_CHECKING:
    from auditor.synthetic import Synthetic

PROGRESS_FROM = 50_000  # persons; smaller runs take a second or two
MAX_PERSONS = 5_000_000


class Format(StrEnum):
    parquet = "parquet"
    csv = "csv"


def register(app: typer.Typer) -> None:
    app.command("generate", help="Write a realistic synthetic extract, with known faults.")(
        generate
    )


def generate(
    persons: Annotated[int, typer.Option(help="Number of persons (offenders) in the caseload.")],
    seed: Annotated[int, typer.Option(help="Random seed: the same arguments give the same files.")],
    as_of: Annotated[
        str,
        typer.Option(
            "--as-of", help="As-of date, YYYY-MM-DD: the caseload as it stands at its end."
        ),
    ],
    out: Annotated[Path, typer.Option(help="Directory to write the extract into.")],
    format: Annotated[
        Format, typer.Option("--format", help="File format of the tables.")
    ] = Format.parquet,
    no_faults: Annotated[
        bool, typer.Option("--no-faults", help="A clean extract: no check raises anything.")
    ] = False,
    fault_rate_scale: Annotated[
        float, typer.Option(help="Multiply every fault rate (0 = none; 1 = the default table).")
    ] = 1.0,
) -> None:
    """Generate the extract, write it with ground_truth.csv and manifest.json, summarise."""
    from auditor.synthetic import write_synthetic

    day = _check_arguments(persons, seed, as_of, out, format, fault_rate_scale)
    started = time.perf_counter()
    synthetic = _generate(persons, seed, day, not no_faults, fault_rate_scale)
    write_synthetic(synthetic, out, format.value)
    _summarise(synthetic, out, time.perf_counter() - started)


def _check_arguments(
    persons: int, seed: int, as_of: str, out: Path, fmt: Format, scale: float
) -> dt.date:
    if not 1 <= persons <= MAX_PERSONS:
        raise typer.BadParameter(
            f"must be between 1 and {MAX_PERSONS:,}, not {persons}", param_hint="--persons"
        )
    if seed < 0:
        raise typer.BadParameter(f"must be 0 or more, not {seed}", param_hint="--seed")
    if not 0 <= scale <= 20:
        raise typer.BadParameter(
            f"must be between 0 and 20, not {scale}", param_hint="--fault-rate-scale"
        )
    _check_out(out, fmt)
    return _parse_day(as_of)


def _parse_day(text: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"'{text}' is not a date; write it as YYYY-MM-DD", param_hint="--as-of"
        ) from None
    earliest, latest = _as_of_range()
    if not earliest <= day <= latest:
        raise typer.BadParameter(
            f"must be between {earliest} and {latest} (the range of the bank holiday calendar)",
            param_hint="--as-of",
        )
    return day


def _as_of_range() -> tuple[dt.date, dt.date]:
    """The as-of dates the generator takes: the caseload reaches back about ten years
    into the bank holiday calendar, and must end before it does."""
    from auditor.calendar import FIRST_YEAR, LAST_YEAR

    return dt.date(FIRST_YEAR + 12, 1, 1), dt.date(LAST_YEAR - 1, 12, 31)


def _check_out(out: Path, fmt: Format) -> None:
    from schemas import TABLE_NAMES

    if out.exists() and not out.is_dir():
        raise typer.BadParameter(f"{out} exists and is not a directory", param_hint="--out")
    other = "csv" if fmt is Format.parquet else "parquet"
    stale = [name for name in TABLE_NAMES if (out / f"{name}.{other}").exists()]
    if stale:
        raise typer.BadParameter(
            f"{out} already holds {stale[0]}.{other} from another extract, and a loader "
            "would read both. Choose an empty directory or remove those files.",
            param_hint="--out",
        )


def _generate(persons: int, seed: int, day: dt.date, faults: bool, scale: float) -> Synthetic:
    from auditor.synthetic import generate_extract
    from auditor.synthetic.caseload import STAGES

    if persons < PROGRESS_FROM:
        return generate_extract(persons, seed, day, faults, scale)
    columns = (TextColumn("{task.description:<20}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("generating", total=len(STAGES) + 2)

        def step(name: str) -> None:
            progress.update(task, description=name, advance=1)

        return generate_extract(persons, seed, day, faults, scale, progress=step)


def _summarise(synthetic: Synthetic, out: Path, seconds: float) -> None:
    table = Table(title=f"Synthetic extract in {out} ({seconds:.1f} s)", show_edge=False)
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, rows in synthetic.row_counts().items():
        table.add_row(name, f"{rows:,}")
    stdout.print(table)
    faults = synthetic.fault_counts()
    total = sum(faults.values())
    if total:
        stdout.print(f"{total:,} exceptions injected over {len(faults)} checks (ground_truth.csv):")
        stdout.print(", ".join(f"{name} {count}" for name, count in faults.items()), soft_wrap=True)
    else:
        stdout.print("No faults: every check should raise nothing (ground_truth.csv is empty).")
