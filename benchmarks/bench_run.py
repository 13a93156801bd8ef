"""Time the whole daily run on an extract: load, validate, check, reconcile and store,
then email every SPO (to an outbox), as `auditor run` does, on two days in a row.

    .venv/bin/python benchmarks/bench_run.py DIR [--as-of 2026-11-25] [--store URL]

DIR is an extract (national scale: `auditor generate --persons 250000 ...`, or the one
benchmarks/bench_checks.py --generate writes). The store is a new SQLite file in a
temporary folder unless --store names another (e.g. a PostgreSQL URL whose database is
empty). Day 1 fills an empty store; day 2 (the next working day, same extract) is the
everyday case: most exceptions still open, a few new, none emailed twice.

Prints, per day: seconds in total and in the audit, the store and the emails (from the
run's progress messages), the exceptions found and the emails written, and the peak RSS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import tempfile
import time
from pathlib import Path

from auditor.calendar import wd
from auditor.config import parse_settings
from auditor.notification import email_notifier
from auditor.pipeline import RunResult, run_audit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("extract", type=Path)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 11, 24))
    parser.add_argument("--store", help="SQLAlchemy URL of an empty store (default: SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = args.store or f"sqlite:///{Path(folder) / 'store.db'}"
        for day in (args.as_of, wd(args.as_of, 1)):
            _day(args.extract, store, Path(folder) / "outbox" / day.isoformat(), day)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(f"peak RSS: {peak:.2f} GB")


def _day(extract: Path, store: str, outbox: Path, day: dt.date) -> None:
    settings = parse_settings(
        {
            "source": {"extract_dir": str(extract)},
            "store": {"url": store},
            "notify": {"outbox_dir": str(outbox)},
        }
    )
    marks: list[tuple[str, float]] = []
    started = time.perf_counter()

    def progress(message: str) -> None:
        marks.append((message, time.perf_counter()))

    result = run_audit(settings, day, progress, notifiers=[email_notifier(settings)])
    finished = time.perf_counter()
    _report(result, marks, started, finished, outbox)


def _report(
    result: RunResult, marks: list[tuple[str, float]], started: float, finished: float, outbox: Path
) -> None:
    stored = next(t for m, t in marks if m.startswith("reconciling"))
    emailing = next((t for m, t in marks if m.startswith("notifying")), finished)
    emails = len(list(outbox.glob("*.eml"))) if outbox.is_dir() else 0
    print(f"day as of {result.as_of} (run {result.run_id}): {finished - started:.1f} s")
    print(f"  load, validate, check, measure  {stored - started:6.1f} s")
    print(f"  reconcile and store              {emailing - stored:6.1f} s")
    print(f"  emails                           {finished - emailing:6.1f} s  ({emails:,} written)")
    totals = result.totals
    print(f"  exceptions open {totals['open']:,}: new {totals['new']:,}, "
          f"still open {totals['still_open']:,}, resolved {totals['resolved']:,}")  # fmt: skip


if __name__ == "__main__":
    main()
