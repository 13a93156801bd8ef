"""Time loading and validating a Parquet extract against a plain polars scan of it.

    python benchmarks/bench_load.py DIR [--as-of 2026-11-25]
    python benchmarks/bench_load.py DIR --make 25000   # first write a synthetic extract

Prints: plain scan time (every Parquet file collected), load time, validation time, the
ratio validation / scan, rows per table and the peak RSS. ``--make N`` writes a quick
synthetic extract of N persons (national scale: 250000) in DIR; it is for measuring
only (the real generator is `auditor generate`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

from auditor.sources import load_extract
from schemas import TABLE_NAMES, table_spec
from schemas.codes import (
    ASSESSMENT_TYPES,
    CONTACT_CATEGORIES,
    DISPOSAL_TYPES,
    DOCUMENT_TYPES,
    OFFENCE_CATEGORIES,
    OUTCOMES,
    bundled_contact_types,
    bundled_register_types,
)
from schemas.validation import validate_extract

# Rows per person in the national extract (250k persons, ~10M contacts).
PER_PERSON = {
    "offender_managers": 1.2,
    "events": 1.6,
    "registrations": 3,
    "registration_reviews": 3,
    "assessments": 2,
    "contacts": 40,
    "documents": 3,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path, help="folder of <table>.parquet files")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 11, 25))
    parser.add_argument("--make", type=int, metavar="PERSONS", help="write a synthetic extract")
    args = parser.parse_args(argv)
    if args.make:
        started = time.perf_counter()
        write_synthetic(args.directory, args.make)
        print(f"wrote a {args.make:,}-person extract in {time.perf_counter() - started:.1f} s")
    bench(args.directory, args.as_of)


def bench(directory: Path, as_of: dt.date) -> None:
    files = sorted(directory.glob("*.parquet"))
    if not files:
        sys.exit(f"{directory}: no Parquet files")
    scan = min(_timed(lambda: pl.collect_all([pl.scan_parquet(f) for f in files])) for _ in "ab")
    started = time.perf_counter()
    extract = load_extract(directory)
    load = time.perf_counter() - started
    stages: dict[str, float] = {}
    started = time.perf_counter()
    validated = validate_extract(extract, as_of, progress=lambda t: _lap(stages, t))
    validation = time.perf_counter() - started
    _lap(stages, "")
    print(f"plain scan (collect all files): {scan:8.2f} s")
    print(f"load_extract:                   {load:8.2f} s")
    print(f"validate_extract:               {validation:8.2f} s")
    print(f"ratio validation / scan:        {validation / scan:8.2f}")
    print(f"ratio (load + validation)/scan: {(load + validation) / scan:8.2f}")
    print(f"peak RSS:                       {_peak_rss_mb():8.0f} MB")
    print(f"\n{'table':22} {'read':>12} {'rejected':>9} {'seconds':>8}")
    for count in validated.table_counts():
        seconds = stages.get(count.table, 0.0)
        print(f"{count.table:22} {count.read:12,} {count.rejected:9,} {seconds:8.2f}")


def _timed(action: object) -> float:
    started = time.perf_counter()
    action()  # type: ignore[operator]
    return time.perf_counter() - started


def _lap(stages: dict[str, float], table: str) -> None:
    """Record when each table starts; the previous table's time is the difference."""
    now = time.perf_counter()
    previous = stages.pop("_current", None)
    if previous is not None:
        stages[str(stages.pop("_name"))] = now - float(previous)
    if table:
        stages["_current"], stages["_name"] = now, table  # type: ignore[assignment]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- a quick synthetic extract -----------------------------------------------------------


def write_synthetic(directory: Path, persons: int, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    directory.mkdir(parents=True, exist_ok=True)
    counts = {name: int(persons * per) for name, per in PER_PERSON.items()}
    tables = _base_tables(persons) | _case_tables(rng, persons, counts)
    for name in TABLE_NAMES:
        schema = table_spec(name).polars_schema
        frame = tables[name].select(pl.col(c).cast(t) for c, t in schema.items())
        frame.write_parquet(directory / f"{name}.parquet")


def _base_tables(persons: int) -> dict[str, pl.DataFrame]:
    teams = [f"N07T{i:02d}" for i in range(40)]
    staff = [f"N07A{i:03d}" for i in range(800)]
    crn = [f"X{i:06d}" for i in range(persons)]
    return {
        "providers": pl.DataFrame(
            {"provider_code": ["N07"], "provider_name": ["London"], "provider_type": ["NPS"]}
        ).with_columns(soft_deleted=False),
        "teams": pl.DataFrame({"team_code": teams}).with_columns(
            team_name=pl.col("team_code"),
            provider_code=pl.lit("N07"),
            spo_staff_code=pl.lit("N07A000"),
            soft_deleted=False,
        ),
        "staff": pl.DataFrame({"staff_code": staff}).with_columns(
            forename=pl.lit("A"),
            surname=pl.lit("B"),
            grade_code=pl.lit("PSM"),
            email=pl.lit(None, pl.String),
            team_code=pl.lit(teams[0]),
            end_date=pl.lit(None, pl.Date),
            soft_deleted=False,
        ),
        "offenders": pl.DataFrame({"crn": crn}).with_columns(
            forename=pl.lit("F"),
            surname=pl.lit("S"),
            date_of_birth=dt.date(1990, 1, 1),
            gender=pl.lit("M"),
            pnc_number=pl.lit(None, pl.String),
            deportation_eligible=False,
            soft_deleted=False,
        ),
        "register_types": bundled_register_types(),
        "contact_types": bundled_contact_types(),
    }


def _case_tables(
    rng: np.random.Generator, persons: int, counts: dict[str, int]
) -> dict[str, pl.DataFrame]:
    def ids(name: str) -> pl.Series:
        return pl.Series(np.arange(1, counts[name] + 1))

    def crns(name: str) -> pl.Expr:
        return pl.format(
            "X{}",
            pl.lit(pl.Series(rng.integers(0, persons, counts[name]))).cast(pl.String).str.zfill(6),
        )

    def dates(name: str) -> pl.Series:
        days = rng.integers(0, 2000, counts[name])
        return pl.Series(np.datetime64("2021-01-01") + days.astype("timedelta64[D]"))

    def pick(name: str, values: list[str]) -> pl.Series:
        return pl.Series(rng.choice(values, counts[name]))

    events = counts["events"]
    event_ids = lambda name: pl.Series(rng.integers(1, events + 1, counts[name]))  # noqa: E731
    codes = bundled_contact_types()["contact_type_code"].unique().to_list()
    assert CONTACT_CATEGORIES
    return {
        "offender_managers": pl.DataFrame(
            {"offender_manager_id": ids("offender_managers")}
        ).with_columns(
            crn=pl.format(
                "X{}", (pl.col("offender_manager_id") - 1).mod(persons).cast(pl.String).str.zfill(6)
            ),
            staff_code=pl.lit("N07A001"),
            team_code=pl.lit("N07T01"),
            allocation_date=pl.when(pl.col("offender_manager_id") <= persons)
            .then(pl.lit(dt.date(2020, 1, 1)))
            .otherwise(pl.lit(dt.date(2019, 1, 1))),
            end_date=pl.when(pl.col("offender_manager_id") <= persons)
            .then(pl.lit(None, pl.Date))
            .otherwise(pl.lit(dt.date(2019, 12, 31))),
            soft_deleted=False,
        ),
        "events": pl.DataFrame(
            {
                "event_id": ids("events"),
                "sentence_date": dates("events"),
                "disposal_type_code": pick("events", DISPOSAL_TYPES),
                "offence_category": pick("events", OFFENCE_CATEGORIES),
            }
        ).with_columns(
            crn=crns("events"),
            event_number=1,
            court_name=pl.lit("Court"),
            length_months=12,
            custodial_months=pl.lit(None, pl.Int64),
            domestic_abuse=False,
            court_report_type=pl.lit("CJF"),
            active=True,
            termination_date=pl.lit(None, pl.Date),
            soft_deleted=False,
        ),
        "case_allocations": pl.DataFrame({"case_allocation_id": ids("events")}).with_columns(
            event_id=pl.col("case_allocation_id"),
            crn=crns("events"),
            rsr_score=pl.lit(pl.Series(rng.integers(0, 10000, events) / 100)).cast(
                pl.Decimal(5, 2)
            ),
            rsr_assessor_date=pl.lit(dt.date(2024, 1, 1)),
            allocation_decision=pl.lit("NPS"),
            decision_date=pl.lit(dt.date(2024, 1, 1)),
            decision_staff_code=pl.lit("N07A001"),
            soft_deleted=False,
        ),
        "registrations": pl.DataFrame(
            {
                "registration_id": ids("registrations"),
                "registration_date": dates("registrations"),
                "register_type_code": pick("registrations", ["RHRH", "MAPP", "RCPR", "ADVP"]),
            }
        ).with_columns(
            crn=crns("registrations"),
            register_level_code=pl.lit(None, pl.String),
            register_category_code=pl.lit(None, pl.String),
            next_review_date=pl.lit(None, pl.Date),
            registering_staff_code=pl.lit("N07A001"),
            registering_team_code=pl.lit("N07T01"),
            deregistered=False,
            deregistration_date=pl.lit(None, pl.Date),
            soft_deleted=False,
        ),
        "registration_reviews": pl.DataFrame(
            {"review_id": ids("registration_reviews"), "review_date": dates("registration_reviews")}
        ).with_columns(
            registration_id=pl.col("review_id"),
            review_date_due=pl.col("review_date"),
            completed=True,
            reviewing_staff_code=pl.lit("N07A001"),
            soft_deleted=False,
        ),
        "assessments": pl.DataFrame(
            {
                "assessment_id": ids("assessments"),
                "event_id": event_ids("assessments"),
                "assessment_date": dates("assessments"),
                "assessment_type": pick("assessments", ASSESSMENT_TYPES),
            }
        ).with_columns(
            crn=crns("assessments"),
            status=pl.lit("COMPLETE"),
            rosh_screening_done=True,
            full_rosh_analysis_done=True,
            rosh_level=pl.lit("M"),
            rosh_children=pl.lit("L"),
            rosh_staff=pl.lit("L"),
            child_protection_concern=pl.lit("NO"),
            self_harm_concern=pl.lit("NO"),
            soft_deleted=False,
        ),
        "contacts": pl.DataFrame(
            {
                "contact_id": ids("contacts"),
                "event_id": event_ids("contacts"),
                "contact_date": dates("contacts"),
                "contact_type_code": pick("contacts", codes),
                "outcome_code": pick("contacts", OUTCOMES),
            }
        ).with_columns(
            crn=crns("contacts"),
            staff_code=pl.lit("N07A001"),
            team_code=pl.lit("N07T01"),
            created_datetime=pl.col("contact_date").cast(pl.Datetime("us")) + pl.duration(hours=9),
            soft_deleted=False,
        ),
        "documents": pl.DataFrame(
            {
                "document_id": ids("documents"),
                "event_id": event_ids("documents"),
                "document_type": pick("documents", DOCUMENT_TYPES),
            }
        ).with_columns(
            crn=crns("documents"),
            document_name=pl.lit("file.pdf"),
            created_datetime=pl.lit(dt.datetime(2024, 1, 1, 9)),
            soft_deleted=False,
        ),
    }


if __name__ == "__main__":
    main()
