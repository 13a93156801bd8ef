"""Time reconcile-and-store: a run finding 300,000 exceptions against 300,000 stored.

    .venv/bin/python benchmarks/bench_store.py [--exceptions 300000] [--postgres URL]

On SQLite (a temporary file), and on PostgreSQL when --postgres or
AUDITOR_TEST_POSTGRES_URL gives a server (in a throwaway schema). Target on SQLite:
15 s or less.

Day 1 stores N exceptions (18 checks, 300 teams). Day 2 finds N again with realistic
churn: 5 % of day 1 fixed (resolved), 1 % of records gone from the extract
(record_missing), 5 % still open with a new owner, the rest still open as they were, and
new exceptions to make up N. Prints the time of the whole reconcile-and-store
(pipeline.store_audit: scopes, read, reconcile, write, commit) and its parts, then a
rerun of day 2 (nothing to change).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # for the test builders in tests/auditor/audits.py

import auditor.pipeline as pipeline  # noqa: E402
from auditor.audit import Audit  # noqa: E402
from auditor.config import StoreSettings  # noqa: E402
from auditor.store import repository  # noqa: E402
from auditor.store.database import Store, open_store  # noqa: E402
from checks.base import EXCEPTION_SCHEMA  # noqa: E402
from checks.registry import REGISTRY  # noqa: E402
from checks.runner import CheckOutcome  # noqa: E402
from tests.auditor.audits import MEASURES, REJECTS, TABLES, FakeCheckRun  # noqa: E402

CHECKS = list(REGISTRY)
DAY1, DAY2 = dt.date(2026, 1, 5), dt.date(2026, 1, 6)
TIMED = {
    "read stored exceptions": (repository, "read_known"),
    "reconcile (polars)": (pipeline, "reconcile"),
    "write changes": (repository, "write_changes"),
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--exceptions", type=int, default=300_000)
    parser.add_argument("--postgres", default=os.environ.get("AUDITOR_TEST_POSTGRES_URL"))
    args = parser.parse_args(argv)
    day1, day2 = audits(args.exceptions)
    with tempfile.TemporaryDirectory() as folder:
        bench("SQLite", f"sqlite:///{Path(folder) / 'bench.db'}", day1, day2)
    if args.postgres:
        with postgres_schema(args.postgres) as url:
            bench("PostgreSQL", url, day1, day2)
    else:
        print("PostgreSQL: skipped (give --postgres URL or set AUDITOR_TEST_POSTGRES_URL)")


def bench(name: str, url: str, day1: Audit, day2: Audit) -> None:
    store = open_store(StoreSettings.model_validate({"url": url}))
    store.upgrade()
    started = repository.now()
    print(f"\n{name}: {store.where}")
    seconds = timed(lambda: pipeline.store_audit(store, day1, started))
    print(f"  day 1, an empty store: {day1.check_run.exceptions.height:,} new in {seconds:.1f} s")
    with parts() as spent:
        seconds = timed(lambda: pipeline.store_audit(store, day2, started))
    result = changes(store)
    print(f"  day 2, reconcile-and-store: {seconds:.1f} s  ({result})")
    for part, taken in spent.items():
        print(f"    {part}: {taken:.1f} s")
    seconds = timed(lambda: pipeline.store_audit(store, day2, started))
    print(f"  day 2 again (nothing changes): {seconds:.1f} s")
    store.dispose()


def timed(action: Callable[[], Any]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


@contextmanager
def parts() -> Iterator[dict[str, float]]:
    """Time the named functions while inside the block."""
    spent: dict[str, float] = defaultdict(float)
    originals = {part: getattr(module, attr) for part, (module, attr) in TIMED.items()}

    def wrap(part: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def measured(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[part] += time.perf_counter() - start

        return measured

    for part, (module, attr) in TIMED.items():
        setattr(module, attr, wrap(part, originals[part]))
    try:
        yield spent
    finally:
        for part, (module, attr) in TIMED.items():
            setattr(module, attr, originals[part])


def changes(store: Store) -> str:
    with store.reading() as connection:
        counts = connection.execute(
            text("SELECT status, count(*) FROM exceptions GROUP BY status ORDER BY status")
        ).all()
        history = connection.scalar(text("SELECT count(*) FROM exception_history"))
    return ", ".join(f"{s} {n:,}" for s, n in counts) + f"; history rows {history:,}"


def audits(n: int) -> tuple[Audit, Audit]:
    """Day 1 finds exceptions 0..n-1; day 2 finds n with churn (module docstring)."""
    first = exceptions(pl.int_range(0, n, eager=True))
    number = pl.col("number")
    fixed, gone, moved = number % 20 == 3, number % 100 == 7, number % 20 == 5
    kept = first.filter(~fixed & ~gone).with_columns(
        team_code=pl.when(moved).then(pl.lit("N99999")).otherwise("team_code")
    )
    second = pl.concat([kept, exceptions(pl.int_range(n, n + n - kept.height, eager=True))])
    examined = pl.concat(
        [second, first.filter(fixed), exceptions(pl.int_range(2 * n, 3 * n, eager=True))]
    )
    return audit(DAY1, first, first), audit(DAY2, second, examined)


def exceptions(numbers: pl.Series) -> pl.DataFrame:
    """Exception k: check k mod 18 of person k // 2 (so identities are unique)."""
    frame = pl.DataFrame({"number": numbers})
    person = pl.col("number") // 2
    check = pl.col("number") % len(CHECKS)
    return frame.with_columns(
        check=check.map_elements(lambda i: CHECKS[i], return_dtype=pl.String),
        crn=pl.format("X{}", person.cast(pl.String).str.zfill(6)),
        subject=pl.when(check % 2 == 0)
        .then(pl.lit(""))
        .otherwise(pl.col("number").cast(pl.String)),
        severity=pl.lit("high"),
        reason=pl.format(
            "nothing recorded for event {} since 2025-11-03; due by 2025-11-10", pl.col("number")
        ),  # fmt: skip
        due_date=pl.lit(dt.date(2025, 11, 10)),
        staff_code=pl.format("N{}A", (person % 1800).cast(pl.String).str.zfill(5)),
        team_code=pl.format("N{}", (person % 300).cast(pl.String).str.zfill(5)),
        spo_staff_code=pl.format("N{}S", (person % 300).cast(pl.String).str.zfill(5)),
    )


def audit(as_of: dt.date, found: pl.DataFrame, examined: pl.DataFrame) -> Audit:
    scopes = examined.select("check", "crn", "subject").partition_by("check", as_dict=True)
    by_check = {key[0]: frame.drop("check") for key, frame in scopes.items()}
    outcomes = {name: CheckOutcome(name, "ok") for name in CHECKS}
    exceptions = found.select(list(EXCEPTION_SCHEMA)).sort("check", "crn", "subject")
    check_run = FakeCheckRun(as_of, exceptions, outcomes, by_check)
    return Audit(as_of, "benchmark", TABLES, REJECTS, check_run, MEASURES)  # type: ignore[arg-type]


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A throwaway schema on the server; the URL that uses it."""
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


if __name__ == "__main__":
    main()
