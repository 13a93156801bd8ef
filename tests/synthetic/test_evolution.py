"""The evolving caseload: timelines in order, each day's extract whole and consistent,
persons taken from the faulted or the clean caseload as their timeline says."""

from __future__ import annotations

import datetime as dt
from functools import cache

import polars as pl
import pytest

from auditor.sources import Extract
from auditor.synthetic.evolution import (
    Evolution,
    Rates,
    evolve,
    plan_timeline,
    working_days_up_to,
)
from schemas import table_spec
from schemas.validation import validate_extract

END = dt.date(2026, 11, 25)


@cache
def evolution() -> Evolution:
    return evolve(400, 3, working_days_up_to(END, 8))


@pytest.mark.parametrize(
    ("end", "count", "expected"),
    [
        (dt.date(2026, 11, 25), 3, ("2026-11-23", "2026-11-24", "2026-11-25")),
        (dt.date(2026, 11, 29), 2, ("2026-11-26", "2026-11-27")),  # from a Sunday
        # Christmas Day is a Friday; Boxing Day's substitute is Monday 28th
        (dt.date(2026, 12, 29), 3, ("2026-12-23", "2026-12-24", "2026-12-29")),
    ],
)
def test_working_days_up_to(end: dt.date, count: int, expected: tuple[str, ...]) -> None:
    assert working_days_up_to(end, count) == tuple(dt.date.fromisoformat(d) for d in expected)


def test_a_timeline_runs_forward() -> None:
    days = working_days_up_to(END, 20)
    crns = pl.DataFrame({"crn": [f"X{n:06d}" for n in range(5000)]})
    timeline = plan_timeline(crns, days, seed=1, rates=Rates())
    assert timeline.filter(pl.col("fixed") <= pl.col("onset")).is_empty()
    assert timeline.filter(pl.col("relapsed") <= pl.col("fixed")).is_empty()
    assert timeline.filter(pl.col("relapsed").is_not_null() & pl.col("fixed").is_null()).is_empty()
    assert timeline.filter(pl.col("onset") == days[0]).is_empty()  # appears before, or later
    shares = timeline.select(pl.all().exclude("crn").is_not_null().mean()).row(0)
    assert shares[0] == pytest.approx(0.35, abs=0.03)  # appears during the days
    assert 0.3 < shares[1] < 0.5  # fixed (fewer than half: late onsets leave no room)
    assert 0.02 < shares[2] < 0.1  # came back


def test_the_same_seed_gives_the_same_timeline() -> None:
    days = working_days_up_to(END, 10)
    crns = pl.DataFrame({"crn": ["A1", "A2", "A3", "A4"]})
    assert plan_timeline(crns, days, 9, Rates()).equals(plan_timeline(crns, days, 9, Rates()))


def test_each_day_is_a_whole_extract_with_unique_keys() -> None:
    for day, tables in evolution().extracts():
        for name, frame in tables.items():
            key = list(table_spec(name).key)
            assert not frame.select(key).is_duplicated().any(), (day, name)
        lazy = {n: f.lazy() for n, f in tables.items()}
        validated = validate_extract(Extract(lazy, dict.fromkeys(lazy, "day"), "demo"), day, 0.05)
        rejected = validated.counts.filter(pl.col("rows_rejected") > 0)["table"].to_list()
        assert set(rejected) <= {"offender_managers"}  # two current managers: a fault kind


def test_persons_are_faulted_while_their_timeline_says() -> None:
    ev = evolution()
    fixed = ev.timeline.filter(pl.col("fixed").is_not_null() & pl.col("relapsed").is_null())
    crn, day = fixed.row(0, named=True)["crn"], fixed.row(0, named=True)["fixed"]
    before = ev.days[ev.days.index(day) - 1]
    assert crn in ev.faulted_on(before)["crn"].to_list()
    assert crn not in ev.faulted_on(day)["crn"].to_list()
    for source, on in ((ev.clean, day), (ev.faulted, before)):
        mine = pl.col("crn") == crn
        expected = source.tables["registrations"].filter(mine)
        assert ev.extract_on(on)["registrations"].filter(mine).equals(expected)


def test_records_a_fix_adds_are_created_on_the_fix_day() -> None:
    ev = evolution()
    last = ev.days[-1]
    fixed = ev.timeline.filter(pl.col("fixed").is_not_null() & pl.col("relapsed").is_null())
    contacts = ev.extract_on(last)["contacts"]
    added = contacts.join(ev.faulted.tables["contacts"], on="contact_id", how="anti").join(
        fixed, on="crn"
    )
    assert not added.is_empty()
    too_early = added.filter(pl.col("created_datetime").dt.date() < pl.col("fixed"))
    assert too_early.is_empty()


def test_nobody_is_faulted_on_a_day_before_their_fault_appears() -> None:
    ev = evolution()
    late = ev.timeline.filter(pl.col("onset").is_not_null())
    crn, onset = late.row(0, named=True)["crn"], late.row(0, named=True)["onset"]
    before = ev.days[ev.days.index(onset) - 1]
    assert crn not in ev.faulted_on(before)["crn"].to_list()
