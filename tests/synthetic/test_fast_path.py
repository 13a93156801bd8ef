"""The fast path agrees with the straightforward one on random extracts.

``CheckContext.build(..., validated=True)`` stages its frames and, trusting validation,
cascades soft deletion through the few hidden keys; ``build_straightforward`` is one
plain derivation that assumes nothing. On generated extracts with extra deletions
high up the cascade (providers, teams, offenders, events), every frame of the two
contexts, and every exception raised from them, must be the same.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import polars as pl
import pytest

from auditor.sources import Extract
from auditor.synthetic import generate_extract
from checks.context import CheckContext
from checks.runner import run_checks
from schemas.validation import screen_extract

DELETED = {"providers": 0.1, "teams": 0.05, "offenders": 0.02, "events": 0.02, "staff": 0.02}


def _with_deletions(tables: dict[str, pl.DataFrame], seed: int) -> dict[str, pl.DataFrame]:
    """The tables with a random share of rows soft-deleted, per DELETED."""
    changed = dict(tables)
    for name, share in DELETED.items():
        frame = tables[name]
        drawn = pl.Series(range(frame.height)).sample(fraction=share, seed=seed)
        hit = pl.Series([False] * frame.height).scatter(drawn, True) if frame.height else drawn
        changed[name] = frame.with_columns(soft_deleted=pl.col("soft_deleted") | hit)
    return changed


def _sorted(frame: pl.LazyFrame) -> pl.DataFrame:
    found = frame.collect()
    found = found.select(sorted(found.columns))
    keys = [c for c, t in found.schema.items() if not isinstance(t, pl.List | pl.Decimal)]
    return found.sort(keys, nulls_last=True)


@pytest.mark.parametrize(
    ("persons", "seed", "as_of"),
    [
        (600, 31, dt.date(2026, 11, 25)),
        (900, 32, dt.date(2025, 1, 2)),
        (40, 33, dt.date(2026, 6, 1)),
    ],
)
def test_the_staged_context_equals_the_straightforward_one(
    persons: int, seed: int, as_of: dt.date
) -> None:
    tables = _with_deletions(generate_extract(persons, seed, as_of).tables, seed)
    extract = Extract({n: f.lazy() for n, f in tables.items()}, {n: n for n in tables}, "test")
    validated = screen_extract(extract, as_of).tables

    fast = CheckContext.build(validated, as_of, validated=True)
    plain = CheckContext.build_straightforward(validated, as_of)

    for field in dataclasses.fields(CheckContext):
        if field.name != "as_of":
            assert_frames_equal(
                _sorted(getattr(fast, field.name)), _sorted(getattr(plain, field.name))
            )
    assert run_checks(fast, {}).exceptions.equals(run_checks(plain, {}).exceptions)
    handed_over = dict(validated)
    taken = CheckContext.build_taking(handed_over, as_of, validated=True)
    assert not handed_over  # let go of, for the memory
    assert run_checks(taken, {}).exceptions.equals(run_checks(plain, {}).exceptions)


def assert_frames_equal(left: pl.DataFrame, right: pl.DataFrame) -> None:
    from polars.testing import assert_frame_equal

    assert_frame_equal(left, right)
