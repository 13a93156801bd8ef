"""Persons on probation (the offenders table) and the traits that shape their case.

Each person is one of: ``active`` (an order running at D), ``inactive`` (every order
ended) or ``future`` (sentenced only after D: a record that must not count yet). An
active person carries an assessed risk (RoSH level, risk to children, child protection
concern) that the flags, assessments and allocation decisions of the clean caseload all
agree with.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from auditor.synthetic.dates import date_series
from auditor.synthetic.world import World, pick, pick_series

LETTERS = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), dtype=object)


def build_persons(world: World, count: int) -> pl.DataFrame:
    rng = world.rng("persons")
    female = rng.random(count) < 0.16
    frame = pl.DataFrame(
        {
            "pid": np.arange(count, dtype=np.int64),
            "crn": _crns(rng, count),
            "forename": world.pools.forenames(rng, female).tolist(),
            "surname": world.pools.surname(rng, count).tolist(),
            "gender": _genders(rng, female).tolist(),
            "pnc_number": _pnc_numbers(rng, count).tolist(),
            "deportation_eligible": _deportation(rng, count),
            "kind": pick_series(rng, ["active", "inactive", "future"], [0.86, 0.13, 0.01], count),
        }
    )
    return frame.with_columns(
        date_series("date_of_birth", world.d - _ages_in_days(rng, count)),
        soft_deleted=pl.Series(rng.random(count) < 0.004),
        **_risk(rng, count),
    )


def _crns(rng: np.random.Generator, count: int) -> list[str]:
    """Unique CRNs: one letter then six digits."""
    numbers = rng.choice(26 * 1_000_000, size=count, replace=False)
    letters = LETTERS[numbers // 1_000_000]
    digits = np.char.zfill((numbers % 1_000_000).astype(str), 6)
    return (letters.astype(str) + digits).tolist()


def _genders(rng: np.random.Generator, female: np.ndarray) -> np.ndarray:
    gender = np.where(female, "F", "M").astype(object)
    other = rng.random(len(female))
    gender[other < 0.004] = "U"
    gender[(other >= 0.004) & (other < 0.006)] = "N"
    gender[(other >= 0.006) & (other < 0.01)] = None
    return gender


def _pnc_numbers(rng: np.random.Generator, count: int) -> np.ndarray:
    years = rng.integers(1995, 2026, count).astype(str)
    serial = np.char.zfill(rng.integers(0, 10_000_000, count).astype(str), 7)
    check = LETTERS[rng.integers(0, 26, count)].astype(str)
    pnc = np.char.add(np.char.add(np.char.add(years, "/"), serial), check).astype(object)
    pnc[rng.random(count) < 0.05] = None
    return pnc


def _deportation(rng: np.random.Generator, count: int) -> pl.Series:
    draw = rng.random(count)
    values = np.where(draw < 0.02, True, False).astype(object)
    values[draw > 0.9] = None
    return pl.Series("deportation_eligible", values.tolist(), dtype=pl.Boolean)


def _ages_in_days(rng: np.random.Generator, count: int) -> np.ndarray:
    years = np.clip(18 + rng.gamma(2.2, 7.5, count), 18, 85)
    return (years * 365.25).astype(np.int64)


def _risk(rng: np.random.Generator, count: int) -> dict[str, pl.Series]:
    """The person's current assessed risk, which the clean caseload agrees with."""
    concern = pick(rng, ["YES", "NO", "DK"], [0.25, 0.65, 0.10], count)
    children = pick(rng, ["N", "L", "M", "H"], [0.4, 0.45, 0.12, 0.03], count)
    children = np.where((concern == "YES") & (rng.random(count) < 0.7), "M", children)
    return {
        "rosh": pick_series(rng, ["L", "M", "H", "V"], [0.32, 0.48, 0.17, 0.03], count),
        "rosh_children": pl.Series(children.tolist()),
        "rosh_staff": pick_series(rng, ["N", "L", "M", "H"], [0.1, 0.6, 0.25, 0.05], count),
        "child_protection_concern": pl.Series(concern.tolist()),
        "self_harm_concern": pick_series(rng, ["YES", "NO", "DK"], [0.15, 0.75, 0.1], count),
    }
