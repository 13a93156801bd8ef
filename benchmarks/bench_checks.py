"""Time one audit of an extract, phase by phase: read, validate, context, checks, measures.

    .venv/bin/python benchmarks/bench_checks.py DIR [--as-of 2026-11-25] [--config config.toml]
    .venv/bin/python benchmarks/bench_checks.py DIR --generate 250000 [--seed 1]

The phases are the calls of auditor/audit.py, made the same way and in the same order:
load_extract -> validate_extract -> CheckContext.build -> run_checks -> timeliness_measures.
Checks and the reject limit come from --config (default: built-in settings, every check
enabled with CHECKS.md's defaults). ``--generate N`` first writes an N-person extract
into DIR with the real generator (auditor.synthetic, as `auditor generate` does;
national scale is 250000), in a child process so that its memory is not counted in the
audit's peak RSS. Without --as-of, the as-of date is the one in DIR/manifest.json (or
2026-11-25 when there is none).

For Parquet, load_extract only reads schemas and plans lazy scans: the files are read
by the collect at the start of validate_extract. The table splits validation there
(its ``progress`` callback marks the end of that collect), and "read" below means
load_extract plus that collect.

Prints: seconds per phase and the peak RSS reached by the end of each phase; rows read
and rejected; the ratio checks / read; per check its status, exceptions, the count
expected by DIR/ground_truth.csv (when the as-of date is the manifest's) and seconds,
slowest first; the number of exceptions and measure rows; the overall peak RSS.
Timings are wall-clock and noisy on a shared machine: compare runs, not single figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import polars as pl

from auditor.config import Settings, load_settings
from auditor.sources import load_extract
from checks.context import CheckContext
from checks.measures import timeliness_measures
from checks.runner import run_checks
from schemas.validation import validate_extract

DEFAULT_AS_OF = dt.date(2026, 11, 25)
MANIFEST = "manifest.json"
GROUND_TRUTH = "ground_truth.csv"
T = TypeVar("T")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("directory", type=Path, help="folder of <table>.parquet/.csv files")
    parser.add_argument(
        "--as-of",
        type=dt.date.fromisoformat,
        help="audit date, YYYY-MM-DD (default: the manifest's, else 2026-11-25)",
    )
    parser.add_argument("--config", type=Path, help="config.toml for [checks] and [source]")
    parser.add_argument(
        "--generate", type=int, metavar="PERSONS", help="first write a synthetic extract in DIR"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed for --generate")
    args = parser.parse_args(argv)
    if args.generate:
        generate(args.directory, args.generate, args.seed, args.as_of or DEFAULT_AS_OF)
    manifest = _manifest(args.directory)
    as_of = args.as_of or _manifest_as_of(manifest) or DEFAULT_AS_OF
    settings = load_settings(args.config) if args.config else Settings()
    bench(args.directory, as_of, settings, manifest)


# --- generating --------------------------------------------------------------------------


def generate(directory: Path, persons: int, seed: int, as_of: dt.date) -> None:
    """Write an extract with the real generator, in a child process."""
    child = multiprocessing.get_context("spawn").Process(
        target=_generate, args=(directory, persons, seed, as_of)
    )
    started = time.perf_counter()
    child.start()
    child.join()
    if child.exitcode != 0:
        sys.exit(f"generating the extract failed (exit code {child.exitcode})")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2
    print(
        f"generated {persons:,} persons (seed {seed}, as of {as_of}) in {directory}: "
        f"{time.perf_counter() - started:.1f} s, generator peak RSS {peak:.2f} GB\n"
    )


def _generate(directory: Path, persons: int, seed: int, as_of: dt.date) -> None:
    from auditor.synthetic import generate_extract, write_synthetic

    write_synthetic(generate_extract(persons, seed, as_of), directory)


# --- the audit, timed --------------------------------------------------------------------


class Phases:
    """Seconds of each phase and the peak RSS (GB) reached by its end."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, float, float | None]] = []

    def time(self, name: str, action: Callable[[], T]) -> T:
        started = time.perf_counter()
        result = action()
        self.add(name, time.perf_counter() - started)
        return result

    def add(self, name: str, seconds: float, rss: bool = True) -> None:
        self.rows.append((name, seconds, _peak_rss_gb() if rss else None))

    def __getitem__(self, name: str) -> float:
        return next(seconds for n, seconds, _ in self.rows if n == name)


def bench(directory: Path, as_of: dt.date, settings: Settings, manifest: dict | None) -> None:
    phases = Phases()
    extract = phases.time("load_extract", lambda: load_extract(directory))
    marks: list[float] = []
    started = time.perf_counter()
    validated = validate_extract(
        extract,
        as_of,
        settings.source.max_reject_share,
        progress=lambda _: marks.append(time.perf_counter()),
    )
    ended = time.perf_counter()
    collected = marks[0] if marks else ended
    phases.add("validate: collect (reads files)", collected - started, rss=False)
    phases.add("validate: screen rows", ended - collected)
    context = phases.time("CheckContext.build", lambda: CheckContext.build(validated.tables, as_of))
    check_run = phases.time("run_checks", lambda: run_checks(context, settings.checks))
    measures = phases.time("timeliness_measures", lambda: timeliness_measures(context))

    outcomes = list(check_run.outcomes.values())
    in_checks = sum(o.seconds for o in outcomes)
    read = phases["load_extract"] + phases["validate: collect (reads files)"]
    total = sum(seconds for _, seconds, _ in phases.rows)
    persons = (manifest or {}).get("arguments", {}).get("persons")
    described = f"{persons:,} persons, " if persons else ""
    print(f"extract {directory} ({described}as of {as_of})")
    print(f"\n{'phase':34} {'seconds':>8} {'peak RSS GB':>12}")
    for name, seconds, rss in phases.rows:
        shown = f"{rss:12.2f}" if rss is not None else ""
        print(f"{name:34} {seconds:8.2f} {shown}".rstrip())
        if name == "run_checks":
            print(f"{'  of which the checks':34} {in_checks:8.2f}")
            print(f"{'  of which owners, concat, sort':34} {seconds - in_checks:8.2f}")
    print(f"{'total':34} {total:8.2f}")

    counts = validated.counts
    print(
        f"\nrows read {counts['rows_read'].sum():,}, kept {counts['rows_kept'].sum():,}, "
        f"rejected {counts['rows_rejected'].sum():,}"
    )
    print(f"read (load_extract + collect):      {read:8.2f} s")
    print(f"checks (run_checks):                {phases['run_checks']:8.2f} s")
    print(f"ratio checks / read:                {phases['run_checks'] / read:8.2f}")
    ratio = (phases["run_checks"] + phases["CheckContext.build"]) / read
    print(f"ratio (context + checks) / read:    {ratio:8.2f}")

    expected = _expected(directory, as_of, manifest)
    print(f"\n{'check':32} {'status':>8} {'exceptions':>11} {'expected':>9} {'seconds':>8}")
    for outcome in sorted(outcomes, key=lambda o: -o.seconds):
        want = f"{expected.get(outcome.name, 0):9,}" if expected is not None else f"{'':9}"
        print(
            f"{outcome.name:32} {outcome.status:>8} {outcome.count:11,} {want} "
            f"{outcome.seconds:8.2f}"
        )
        if outcome.error:
            print(f"    {outcome.error}")
    ran = sum(o.status == "ok" for o in outcomes)
    want_total = f"{sum(expected.values()):9,}" if expected is not None else f"{'':9}"
    print(
        f"{f'all ({ran} of {len(outcomes)} ran)':32} {'':8} {check_run.exceptions.height:11,} "
        f"{want_total} {in_checks:8.2f}"
    )
    print(f"\nexceptions: {check_run.exceptions.height:,}; measure rows: {measures.height:,}")
    print(f"peak RSS: {_peak_rss_gb():.2f} GB")


# --- helpers -----------------------------------------------------------------------------


def _manifest(directory: Path) -> dict | None:
    path = directory / MANIFEST
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _manifest_as_of(manifest: dict | None) -> dt.date | None:
    value = (manifest or {}).get("arguments", {}).get("as_of")
    return dt.date.fromisoformat(value) if value else None


def _expected(directory: Path, as_of: dt.date, manifest: dict | None) -> dict[str, int] | None:
    """Exceptions per check in the generator's ground truth, if it is for this as-of date."""
    path = directory / GROUND_TRUTH
    if not path.is_file() or _manifest_as_of(manifest) != as_of:
        return None
    counts = pl.read_csv(path, columns=["check"]).group_by("check").len()
    return dict(zip(counts["check"], counts["len"], strict=True))


def _peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


if __name__ == "__main__":
    main()
