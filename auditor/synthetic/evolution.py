"""A caseload that changes day by day: faults appear, get fixed, and some come back.

``evolve`` generates the same caseload twice with one seed, once with its faults and
once clean. The two agree on every row of every person the faults did not touch (the
generator assigns identifiers before it injects faults), so a day's extract can take
each person whole from one or the other:

- every faulted person gets a **timeline**: the day the fault appears (``onset``, or
  before the first day for most of them), the day someone fixes it (``fixed``, for
  about half), and for some of those the day it comes back (``relapsed``);
- on day d a person is taken from the faulted caseload when their fault has appeared
  and is not fixed (or has come back), else from the clean one;
- a record the fix adds (a contact, a document, an assessment, a flag that the faulted
  caseload lacks) is stamped as created on the fix day, as an admin would record it;
- review identifiers are numbered per day (they are no exception's subject);
- the organisation (providers, teams, staff) and reference tables are the faulted
  caseload's throughout.

Time passes on its own as well: events sentenced during the days exist only from
their sentence date, so their exceptions open when their clocks run out. The result is
a real history for the store: new exceptions every day, fixes confirmed, reopened ones.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import polars as pl

from auditor.calendar import is_working_day
from auditor.synthetic.extract import Synthetic, generate_extract
from schemas import table_spec

PERSON_TABLES = (
    "offenders",
    "offender_managers",
    "events",
    "case_allocations",
    "registrations",
    "registration_reviews",
    "assessments",
    "contacts",
    "documents",
)
CREATED_ON_FIX = ("contacts", "documents")  # tables with a created_datetime
# The caseload is generated as it stands this long after the last day: the generator
# keeps every date up to its as-of date, which would pile late records onto that day.
LOOK_AHEAD = dt.timedelta(days=28)


@dataclass(frozen=True)
class Rates:
    """How faulted persons behave over the days (shares of faulted persons)."""

    appear_during: float = 0.35  # the fault appears on one of the days, not before
    fixed: float = 0.5  # someone fixes it on one of the days after it appears
    relapse: float = 0.15  # of those fixed: it comes back later


@dataclass(frozen=True)
class Evolution:
    faulted: Synthetic
    clean: Synthetic
    days: tuple[dt.date, ...]
    timeline: pl.DataFrame  # crn, onset, fixed, relapsed (dates; null = never in the days)

    def extracts(self) -> Iterator[tuple[dt.date, dict[str, pl.DataFrame]]]:
        """Each day and its extract, in order."""
        for day in self.days:
            yield day, self.extract_on(day)

    def extract_on(self, day: dt.date) -> dict[str, pl.DataFrame]:
        """The extract as it stands at the end of ``day``."""
        faulted = self.faulted_on(day)
        tables = dict(self.faulted.tables)
        for name in PERSON_TABLES:
            tables[name] = _mix(name, self.faulted, self.clean, faulted, self._review_owners)
        tables["registration_reviews"] = _renumber_reviews(tables["registration_reviews"])
        fixes = self.timeline.filter(~pl.col("crn").is_in(faulted["crn"].implode()))
        for name in CREATED_ON_FIX:
            tables[name] = _stamp_fixes(name, tables[name], self.faulted.tables[name], fixes, day)
        return tables

    @cached_property
    def _review_owners(self) -> pl.DataFrame:
        """registration_id → crn over both caseloads (reviews carry no CRN), the same
        every day."""
        frames = (
            s.tables["registrations"].select("registration_id", "crn")
            for s in (self.faulted, self.clean)
        )
        return pl.concat(frames).unique("registration_id")

    def faulted_on(self, day: dt.date) -> pl.DataFrame:
        """The persons taken from the faulted caseload on ``day`` (column crn)."""
        appeared = pl.col("onset").is_null() | (pl.col("onset") <= day)
        fixed = pl.col("fixed").is_not_null() & (pl.col("fixed") <= day)
        back = pl.col("relapsed").is_not_null() & (pl.col("relapsed") <= day)
        return self.timeline.filter(appeared & (~fixed | back)).select("crn")


def working_days_up_to(end: dt.date, count: int) -> tuple[dt.date, ...]:
    """The last ``count`` working days up to and including ``end`` (or the working day
    before it), oldest first."""
    days: list[dt.date] = []
    day = end
    while len(days) < count:
        if is_working_day(day):
            days.append(day)
        day -= dt.timedelta(days=1)
    return tuple(reversed(days))


def evolve(
    persons: int,
    seed: int,
    days: tuple[dt.date, ...],
    rates: Rates = Rates(),
    progress: Callable[[str], None] | None = None,
) -> Evolution:
    """A caseload of ``persons`` evolving over ``days`` (working days, oldest first)."""
    say = progress or (lambda _: None)
    generated_to = days[-1] + LOOK_AHEAD
    say("generating the caseload with its faults")
    faulted = generate_extract(persons, seed, generated_to)
    say("generating the same caseload clean")
    clean = generate_extract(persons, seed, generated_to, faults=False)
    crns = faulted.ground_truth.select("crn").unique().sort("crn")
    return Evolution(faulted, clean, days, plan_timeline(crns, days, seed, rates))


def plan_timeline(
    crns: pl.DataFrame, days: tuple[dt.date, ...], seed: int, rates: Rates
) -> pl.DataFrame:
    """Per faulted person: when the fault appears, is fixed and comes back (or null)."""
    rng = np.random.default_rng([seed, 20])
    n, last = crns.height, len(days) - 1
    appears = (rng.random(n) < rates.appear_during) & (last > 0)
    onset = np.where(appears, 1 + (rng.random(n) * last).astype(np.int64), -1)
    fixed = np.where(rng.random(n) < rates.fixed, _later(rng, onset, last), -1)
    back = np.where((fixed >= 0) & (rng.random(n) < rates.relapse), _later(rng, fixed, last), -1)
    calendar = pl.Series(days, dtype=pl.Date)
    return crns.with_columns(
        onset=_on(calendar, onset), fixed=_on(calendar, fixed), relapsed=_on(calendar, back)
    )


def _later(rng: np.random.Generator, after: np.ndarray, last: int) -> np.ndarray:
    """A day index strictly after ``after`` (-1 = before the first day), or -1 when there
    is no such day."""
    start = np.maximum(after, 0) + 1
    picked = start + (rng.random(after.size) * (last + 1 - start)).astype(np.int64)
    return np.where(start <= last, picked, -1)


def _on(calendar: pl.Series, index: np.ndarray) -> pl.Series:
    dates = calendar.gather(np.maximum(index, 0))
    return pl.select(pl.when(pl.Series(index) >= 0).then(dates)).to_series()


def _mix(
    name: str, faulted: Synthetic, clean: Synthetic, persons: pl.DataFrame, owners: pl.DataFrame
) -> pl.DataFrame:
    """The table with the rows of ``persons`` from the faulted caseload, the others clean."""
    chosen = pl.col("crn").is_in(persons["crn"].implode())
    parts = []
    for synthetic, keep in ((faulted, chosen), (clean, ~chosen)):
        frame = synthetic.tables[name]
        if name == "registration_reviews":
            frame = frame.join(owners, on="registration_id", how="left")
            parts.append(frame.filter(keep).drop("crn"))
        else:
            parts.append(frame.filter(keep))
    return pl.concat(parts).sort(list(table_spec(name).key), maintain_order=True)


def _renumber_reviews(reviews: pl.DataFrame) -> pl.DataFrame:
    ordered = reviews.sort("registration_id", "review_date", "review_id", maintain_order=True)
    return ordered.with_columns(
        review_id=pl.int_range(1, ordered.height + 1).cast(reviews.schema["review_id"])
    )


def _stamp_fixes(
    name: str, table: pl.DataFrame, faulted: pl.DataFrame, fixes: pl.DataFrame, day: dt.date
) -> pl.DataFrame:
    """Rows a fix added (absent from the faulted caseload) are created on the fix day."""
    (key,) = table_spec(name).key
    added = pl.col(key).is_in(faulted[key].implode()).not_()
    fixed_on = fixes.filter(pl.col("fixed") <= day).select("crn", "fixed")
    stamped = table.join(fixed_on, on="crn", how="left", maintain_order="left")
    at_ten = pl.col("fixed").cast(pl.Datetime("us")) + pl.duration(hours=10)
    later = pl.max_horizontal("created_datetime", at_ten)
    created = pl.when(added & pl.col("fixed").is_not_null()).then(later)
    return stamped.with_columns(
        created_datetime=created.otherwise(pl.col("created_datetime")).cast(
            table.schema["created_datetime"]
        )
    ).drop("fixed")
