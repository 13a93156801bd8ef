"""Every figure of issue 11 in one table: the national daily run, as whole processes.

    .venv/bin/python benchmarks/bench_national.py [--extract /tmp/x250] [--runs 5]
        [--postgres URL] [--scale /tmp/x1m] [--code DIR] [--runs-only]

--extract is a 250,000-person extract (made first if the folder does not exist:
`auditor generate --persons 250000 --seed 1 --as-of 2026-11-25 --format parquet`).
Each figure is the median of --runs runs, each its own process, with the machine's
load average (1 min) beside it, since the machine is shared:

- `auditor --help` and `auditor checks`;
- `auditor check --extract X --as-of D --output out.csv --format csv`: wall and peak RSS;
- validation (load + validate_extract) against a plain polars scan of the same files,
  measured in turn in this process;
- day 2 of `auditor run` with emails to an outbox, on SQLite and (with --postgres, or
  AUDITOR_TEST_POSTGRES_URL) on PostgreSQL: day 1 fills a store once, and each day-2
  run starts from a copy of it (a file copy; a database made from it as a template);
- with --scale DIR (a 1,000,000-person extract; slow), one `auditor check` on it.

--runs-only measures the day-2 runs alone; with --code DIR (an older checkout) it gives
the "before" of a before-and-after pair on one machine.

The DuckDB peer is not part of Auditor: its figures are the issue's (8.6 s, 2.5 GB).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

AUDITOR = str(Path(sys.executable).with_name("auditor"))
DAY_1, DAY_2 = dt.date(2026, 11, 24), dt.date(2026, 11, 25)
PEER = "DuckDB peer (issue): 8.6 s, 2.5 GB"
ENV = dict(os.environ)  # of every process measured; --code sets its PYTHONPATH


@dataclass(frozen=True)
class Figure:
    name: str
    target: str
    before: str  # the measurement
    now: str
    load: str


@dataclass(frozen=True)
class Process:
    seconds: float
    peak_gb: float


def run_process(args: list[str], cwd: Path | None = None) -> Process:
    """Run a command to its end; its wall time and peak RSS (from wait4)."""
    started = time.perf_counter()
    child = subprocess.Popen(
        args, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} failed: {child.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
    return Process(seconds, usage.ru_maxrss / 1024**2)


def repeated(runs: int, measure: Callable[[], Process]) -> tuple[Process, str]:
    """The median wall and peak of ``runs`` measurements, and the load beside them."""
    results, loads = [], []
    for _ in range(runs):
        loads.append(os.getloadavg()[0])
        results.append(measure())
    seconds = statistics.median(r.seconds for r in results)
    peak = statistics.median(r.peak_gb for r in results)
    spread = f"{min(r.seconds for r in results):.2f}-{max(r.seconds for r in results):.2f} s"
    return Process(seconds, peak), f"{statistics.median(loads):.1f} (runs {spread})"


def cli_figures(extract: Path, runs: int, work: Path) -> list[Figure]:
    helps, help_load = repeated(runs, lambda: run_process([AUDITOR, "--help"], cwd=work))
    checks, checks_load = repeated(runs, lambda: run_process([AUDITOR, "checks"], cwd=work))
    command = [AUDITOR, "check", "--extract", str(extract), "--as-of", DAY_2.isoformat(),
               "--output", str(work / "out.csv"), "--format", "csv"]  # fmt: skip
    check, check_load = repeated(runs, lambda: run_process(command, cwd=work))
    return [
        Figure("auditor --help", "<= 0.3 s", "about 2 s", f"{helps.seconds:.2f} s", help_load),
        Figure("auditor checks", "<= 0.3 s", "-", f"{checks.seconds:.2f} s", checks_load),
        Figure("auditor check, wall", "<= 5 s (0.6x peer)", "10.3 s",
               f"{check.seconds:.2f} s ({check.seconds / 8.6:.2f}x peer)", check_load),
        Figure("auditor check, peak RSS", "<= 2.5 GB", "3.4 GB", f"{check.peak_gb:.2f} GB",
               check_load),
    ]  # fmt: skip


_SCAN = """
import sys, time, polars as pl
from pathlib import Path
files = sorted(Path(sys.argv[1]).glob("*.parquet"))
started = time.perf_counter()
pl.collect_all([pl.scan_parquet(f) for f in files])
print(time.perf_counter() - started)
"""
_VALIDATE = """
import sys, time, datetime as dt
from pathlib import Path
from auditor.sources import load_extract
from schemas.validation import validate_extract
started = time.perf_counter()
validate_extract(load_extract(Path(sys.argv[1])), dt.date.fromisoformat(sys.argv[2]))
print(time.perf_counter() - started)
"""


def validation_figure(extract: Path, runs: int) -> Figure:
    """Validation against the plain scan, alternated, each in a fresh process (the same
    imports and a cold polars), timed inside it."""
    scans, validations, loads = [], [], []
    for _ in range(runs):
        loads.append(os.getloadavg()[0])
        scans.append(_timed_script(_SCAN, str(extract)))
        validations.append(_timed_script(_VALIDATE, str(extract), DAY_2.isoformat()))
    scan, validation = statistics.median(scans), statistics.median(validations)
    now = f"{validation / scan:.2f}x ({validation:.2f} s vs scan {scan:.2f} s)"
    return Figure(
        "validation / plain scan", "<= 2x", "3.3x", now, f"{statistics.median(loads):.1f}"
    )


def _timed_script(script: str, *args: str) -> float:
    command = [sys.executable, "-c", script, *args]
    done = subprocess.run(command, env=ENV, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr[-2000:])
    return float(done.stdout.strip().splitlines()[-1])


def _config(folder: Path, extract: Path, store: str) -> Path:
    config = folder / "config.toml"
    config.write_text(
        f'[source]\nextract_dir = "{extract}"\n[store]\nurl = "{store}"\n'
        f'[notify]\nenabled = true\ntransport = "outbox"\noutbox_dir = "{folder / "outbox"}"\n'
    )
    return config


def _emails(folder: Path) -> int:
    """The emails of the last day-2 run (the outbox is emptied before each)."""
    return sum(1 for _ in (folder / "outbox").rglob("*.eml"))


def _day_2(config: Path, folder: Path, restore: Callable[[], None]) -> Process:
    restore()
    shutil.rmtree(folder / "outbox", ignore_errors=True)
    return run_process([AUDITOR, "run", "--config", str(config), "--as-of", DAY_2.isoformat()],
                       cwd=folder)  # fmt: skip


def sqlite_figure(extract: Path, runs: int, work: Path) -> Figure:
    folder = work / "sqlite"
    folder.mkdir()
    day_1_store = folder / "day1.db"
    config = _config(folder, extract, f"sqlite:///{folder / 'store.db'}")
    run_process([AUDITOR, "run", "--config", str(config), "--as-of", DAY_1.isoformat()], folder)
    shutil.copyfile(folder / "store.db", day_1_store)

    def restore() -> None:
        shutil.copyfile(day_1_store, folder / "store.db")

    day_2, load = repeated(runs, lambda: _day_2(config, folder, restore))
    now = f"{day_2.seconds:.2f} s, {_emails(folder)} emails"
    return Figure("day-2 auditor run, SQLite", "<= 8 s", "13.1 s", now, load)


def postgres_figure(extract: Path, runs: int, work: Path, url: str) -> Figure:
    import sqlalchemy as sa

    folder = work / "postgres"
    folder.mkdir()
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    base = sa.engine.make_url(url)

    def remake(name: str, template: str | None = None) -> str:
        with admin.connect() as connection:
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            like = f" TEMPLATE {template}" if template else ""
            connection.execute(sa.text(f"CREATE DATABASE {name}{like}"))
        return base.set(database=name).render_as_string(hide_password=False)

    config = _config(folder, extract, remake("auditor_bench_day2"))
    run_process([AUDITOR, "run", "--config", str(config), "--as-of", DAY_1.isoformat()], folder)
    remake("auditor_bench_day1", "auditor_bench_day2")

    def restore() -> None:
        remake("auditor_bench_day2", "auditor_bench_day1")

    day_2, load = repeated(runs, lambda: _day_2(config, folder, restore))
    with admin.connect() as connection:
        for name in ("auditor_bench_day1", "auditor_bench_day2"):
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    now = f"{day_2.seconds:.2f} s, {_emails(folder)} emails"
    return Figure("day-2 auditor run, PostgreSQL", "<= 8 s", "-", now, load)


def scale_figure(scale: Path, work: Path, national: Figure) -> list[Figure]:
    load = f"{os.getloadavg()[0]:.1f}"
    command = [AUDITOR, "check", "--extract", str(scale), "--as-of", DAY_2.isoformat(),
               "--output", str(work / "out-scale.csv"), "--format", "csv"]  # fmt: skip
    done = run_process(command, cwd=work)
    ratio = done.seconds / float(national.now.split()[0])
    return [
        Figure(f"auditor check at scale ({scale.name})", "<= 4x the 250k time", "-",
               f"{done.seconds:.2f} s ({ratio:.1f}x)", load),
        Figure("  peak RSS at scale", "<= 24 GB", "-", f"{done.peak_gb:.2f} GB", load),
    ]  # fmt: skip


def print_table(figures: list[Figure]) -> None:
    headings = ("figure", "target", "before (issue)", "now (median)", "load (1 min)")
    rows = [headings, *((f.name, f.target, f.before, f.now, f.load) for f in figures)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(headings))]
    for number, row in enumerate(rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        if number == 0:
            print("  ".join("-" * width for width in widths))
    print(f"\n{PEER}; {os.cpu_count()} cores.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extract", type=Path, default=Path("/tmp/x250"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgres", default=os.environ.get("AUDITOR_TEST_POSTGRES_URL"))
    parser.add_argument("--scale", type=Path, help="a 1,000,000-person extract (slow)")
    parser.add_argument("--skip-runs", action="store_true", help="no day-2 auditor run")
    parser.add_argument(
        "--runs-only", action="store_true", help="only the day-2 auditor runs (quick pairs)"
    )
    parser.add_argument(
        "--code", type=Path, help="measure the Auditor checked out here instead (e.g. a "
        "`git worktree` of an older commit), for before-and-after figures on one machine"
    )  # fmt: skip
    args = parser.parse_args()
    if args.code:
        ENV["PYTHONPATH"] = str(args.code.resolve())
    extract = args.extract.resolve()
    if not extract.exists():
        run_process([AUDITOR, "generate", "--persons", "250000", "--seed", "1",
                     "--as-of", DAY_2.isoformat(), "--out", str(extract)])  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        figures = [] if args.runs_only else cli_figures(extract, args.runs, work)
        if not args.runs_only:
            figures.append(validation_figure(extract, args.runs))
        if not args.skip_runs:
            figures.append(sqlite_figure(extract, args.runs, work))
            if args.postgres:
                figures.append(postgres_figure(extract, args.runs, work, args.postgres))
        if args.scale and not args.runs_only:
            figures += scale_figure(args.scale.resolve(), work, figures[2])
    print_table(figures)


if __name__ == "__main__":
    main()
