"""What people do with the worklist between two demo runs, so the store holds their
history as well as the runs' (pure: frames in, a plan out; the demo applies it through
auditor/store/triage.py, as the web worklist will).

Between the run of one day and the next, among the exceptions open after that run:

- an admin marks **done** most of those whose record the evolving caseload fixes on the
  next day (they fixed it in nDelius; the next run confirms it);
- the SPO **acknowledges** some of the day's new ones;
- a few are **snoozed** for two weeks (waiting on a court or partner agency);
- a few are **disputed**, with a reason (the SPO says the record is right).

Only exceptions nobody has triaged yet are picked, so a snooze runs its course.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import polars as pl

Action = Literal["done", "acknowledged", "snoozed", "disputed"]
Row = dict[str, Any]  # one open exception
SNOOZE = dt.timedelta(days=14)
SNOOZE_COMMENT = "waiting for the court's papers"
DISPUTES = (
    "reviewed at the last MAPPA meeting; the minutes are on the paper file",
    "the case was transferred in last week; the record is being updated by the sending area",
    "the assessment was completed on the old system and is attached as a document",
)


@dataclass(frozen=True)
class Rates:
    done: float = 0.7  # of the exceptions whose record is fixed on the next day
    acknowledged: float = 0.25  # of the day's new exceptions
    snoozed: float = 0.005  # of the untriaged open exceptions
    disputed: float = 0.002


@dataclass(frozen=True)
class Triage:
    exception_id: int
    action: Action
    person: str
    until: dt.date | None = None
    reason: str | None = None
    comment: str | None = None


def plan_triage(
    open_exceptions: pl.DataFrame,
    fixed_next: pl.DataFrame,
    day: dt.date,
    seed: int,
    rates: Rates = Rates(),
) -> list[Triage]:
    """The people's changes after the run as of ``day``. ``open_exceptions``: the store's
    open exceptions (exception_id, crn, first_seen, triage, team_code, spo_staff_code);
    ``fixed_next``: crn of the persons whose records are fixed on the next day."""
    rng = np.random.default_rng([seed, 30, day.toordinal()])
    untriaged = open_exceptions.filter(pl.col("triage") == "none")
    fixing = pl.col("crn").is_in(fixed_next["crn"].implode())
    new = pl.col("first_seen") == day
    older = untriaged.filter(~fixing & ~new)
    picks: list[Triage] = []
    for frame, share, make in (
        (untriaged.filter(fixing), rates.done, _done),
        (untriaged.filter(~fixing & new), rates.acknowledged, _acknowledged),
        (older, rates.snoozed, _snoozed),
        (older, rates.disputed, _disputed),
    ):
        chosen = frame.filter(pl.Series(rng.random(frame.height) < share, dtype=pl.Boolean))
        picks += [make(row, rng, day) for row in chosen.iter_rows(named=True)]
    return _first_per_exception(picks)


def _first_per_exception(picks: list[Triage]) -> list[Triage]:
    """One change per exception a day (a snooze and a dispute may pick the same one)."""
    kept: dict[int, Triage] = {}
    for pick in picks:
        kept.setdefault(pick.exception_id, pick)
    return list(kept.values())


def _admin(row: Row) -> str:
    return f"admin.{(row['team_code'] or 'unowned').lower()}"


def _spo(row: Row) -> str:
    return str(row["spo_staff_code"] or _admin(row))


def _done(row: Row, _rng: np.random.Generator, _day: dt.date) -> Triage:
    return Triage(row["exception_id"], "done", _admin(row), comment="updated in nDelius")


def _acknowledged(row: Row, _rng: np.random.Generator, _day: dt.date) -> Triage:
    return Triage(row["exception_id"], "acknowledged", _spo(row))


def _snoozed(row: Row, _rng: np.random.Generator, day: dt.date) -> Triage:
    until = day + SNOOZE
    return Triage(row["exception_id"], "snoozed", _spo(row), until=until, comment=SNOOZE_COMMENT)


def _disputed(row: Row, rng: np.random.Generator, _day: dt.date) -> Triage:
    reason = DISPUTES[int(rng.integers(len(DISPUTES)))]
    return Triage(row["exception_id"], "disputed", _spo(row), reason=reason)
