"""Working days as CHECKS.md defines them, across Christmas, Easter and substitute days."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from auditor.calendar import bank_holidays, is_working_day, wd, wd_expr

D = dt.date


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2026, 11, 23), 1, D(2026, 11, 24)),  # Monday -> Tuesday
        (D(2026, 11, 27), 1, D(2026, 11, 30)),  # Friday -> Monday
        (D(2026, 11, 28), 1, D(2026, 11, 30)),  # Saturday: counting starts on Monday
        (D(2026, 11, 29), 1, D(2026, 11, 30)),  # Sunday
        (D(2026, 11, 28), 5, D(2026, 12, 4)),
        # Christmas 2026: Fri 25, Sat 26 -> Boxing Day substitute Mon 28.
        (D(2026, 12, 24), 1, D(2026, 12, 29)),
        (D(2026, 12, 25), 1, D(2026, 12, 29)),
        (D(2026, 12, 23), 2, D(2026, 12, 29)),
        # Christmas 2027: Sat 25 and Sun 26 -> substitutes Mon 27 and Tue 28.
        (D(2027, 12, 24), 1, D(2027, 12, 29)),
        # Christmas 2022: Sun 25 -> substitute Tue 27 (Boxing Day Mon 26).
        (D(2022, 12, 23), 1, D(2022, 12, 28)),
        # Easter 2026: Good Friday 3 April, Easter Monday 6 April.
        (D(2026, 4, 2), 1, D(2026, 4, 7)),
        (D(2026, 4, 3), 1, D(2026, 4, 7)),
        (D(2026, 4, 1), 2, D(2026, 4, 7)),
        # One-off holidays: the state funeral (2022-09-19) and the coronation (2023-05-08).
        (D(2022, 9, 16), 1, D(2022, 9, 20)),
        (D(2023, 5, 5), 1, D(2023, 5, 9)),
        # New Year 2022: Sat 1 January -> substitute Monday 3 January.
        (D(2021, 12, 31), 1, D(2022, 1, 4)),
        (D(2026, 11, 25), 20, D(2026, 12, 23)),
        (D(2026, 12, 1), 20, D(2026, 12, 31)),
        # n = 0: nothing is counted, the day itself, a weekend or holiday included.
        (D(2026, 11, 27), 0, D(2026, 11, 27)),
        (D(2026, 11, 28), 0, D(2026, 11, 28)),
        (D(2026, 12, 25), 0, D(2026, 12, 25)),
    ],
)
def test_wd(start: dt.date, n: int, expected: dt.date) -> None:
    assert wd(start, n) == expected
    vectorised = pl.DataFrame({"a": [start]}).select(wd_expr(pl.col("a"), n)).item()
    assert vectorised == expected


def test_vectorised_matches_scalar_over_two_years() -> None:
    days = [D(2025, 1, 1) + dt.timedelta(days=k) for k in range(730)]
    frame = pl.DataFrame({"a": days})
    for n in (0, 1, 5, 10, 20):
        got = frame.select(wd_expr(pl.col("a"), n)).to_series().to_list()
        assert got == [wd(day, n) for day in days]
        by_column = frame.select(wd_expr(pl.col("a"), pl.lit(n))).to_series().to_list()
        assert by_column == got


def test_bank_holidays_come_from_the_library_and_cover_the_substitutes() -> None:
    holidays = set(bank_holidays())
    assert D(2026, 12, 28) in holidays  # Boxing Day substitute
    assert D(2020, 5, 8) in holidays  # VE Day, moved May bank holiday
    assert D(2020, 5, 4) not in holidays
    assert not is_working_day(D(2026, 4, 6))
    assert is_working_day(D(2026, 4, 7))
