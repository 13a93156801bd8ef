"""The generator's vectorised dates agree with the calendar of CHECKS.md."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from auditor.calendar import wd as calendar_wd
from auditor.synthetic.dates import (
    add_months,
    add_months_scalar,
    day_number,
    edge_month_dates,
    edge_sentence_dates,
    to_date,
    wd,
)

DAYS = [dt.date(2026, 12, 18) + dt.timedelta(days=k) for k in range(20)] + [
    dt.date(2024, 3, 28),
    dt.date(2025, 8, 23),
]


@pytest.mark.parametrize("n", [1, 5, 10, 20])
def test_wd_matches_the_calendar(n: int) -> None:
    days = np.array([day_number(d) for d in DAYS])
    assert [to_date(x) for x in wd(days, n)] == [calendar_wd(d, n) for d in DAYS]


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2024, 2, 29), -12, dt.date(2023, 2, 28)),
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2025, 10, 31), 4, dt.date(2026, 2, 28)),
        (dt.date(2026, 3, 15), 3, dt.date(2026, 6, 15)),
    ],
)
def test_months_keep_the_day_clamped_to_the_month_end(
    day: dt.date, months: int, expected: dt.date
) -> None:
    assert add_months_scalar(day, months) == expected
    assert to_date(add_months(np.array([day_number(day)]), months)[0]) == expected


@pytest.mark.parametrize(
    "as_of", [dt.date(2026, 11, 25), dt.date(2026, 11, 28), dt.date(2026, 12, 29)]
)
@pytest.mark.parametrize("n", [1, 5, 10, 20])
def test_sentence_edges_sit_on_both_sides_of_the_rule(as_of: dt.date, n: int) -> None:
    clean, fault = edge_sentence_dates(as_of, n)
    assert not as_of > calendar_wd(clean, n)
    assert as_of > calendar_wd(fault, n)
    assert clean - fault == dt.timedelta(days=1)


@pytest.mark.parametrize("as_of", [dt.date(2026, 3, 31), dt.date(2026, 3, 1), dt.date(2024, 2, 29)])
@pytest.mark.parametrize("months", [1, 4])
def test_month_edges_sit_on_both_sides_of_the_rule(as_of: dt.date, months: int) -> None:
    clean, fault = edge_month_dates(as_of, months)
    assert not as_of > add_months_scalar(clean, months)
    assert as_of > add_months_scalar(fault, months)
