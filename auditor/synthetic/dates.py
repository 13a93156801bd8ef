"""Dates as day numbers (days since 1970-01-01) for vectorised generation.

The generator works on numpy int arrays of day numbers and converts them to polars
``Date`` columns at the edge. Working days and month arithmetic follow CHECKS.md exactly
(the same bank holidays as ``auditor.calendar``; months keep the day, clamped to the
month's end), so the generator can place records on both sides of every rule's edge.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import numpy as np
import polars as pl

from auditor.calendar import bank_holidays
from auditor.calendar import wd as scalar_wd

EPOCH = dt.date(1970, 1, 1)
DAY_US = 86_400_000_000  # microseconds in a day, for datetimes


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


def to_date(number: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(number))


@cache
def _calendar() -> np.busdaycalendar:
    return np.busdaycalendar(holidays=np.array(bank_holidays(), dtype="datetime64[D]"))


def wd(days: np.ndarray, n: np.ndarray | int) -> np.ndarray:
    """wd(a, n) of CHECKS.md for arrays of day numbers (roll back, then add n)."""
    start = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    moved = np.busday_offset(start, n, roll="backward", busdaycal=_calendar())
    return moved.astype(np.int64)


def next_working_day(days: np.ndarray) -> np.ndarray:
    """The first working day on or after each day."""
    start = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    return np.busday_offset(start, 0, roll="forward", busdaycal=_calendar()).astype(np.int64)


def add_months(days: np.ndarray, months: np.ndarray | int) -> np.ndarray:
    """a + k months: keep the day, clamped to the month's end (CHECKS.md, Months)."""
    as_dates = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    month_start = as_dates.astype("datetime64[M]")
    day_of_month = (as_dates - month_start.astype("datetime64[D]")).astype(np.int64)
    target = month_start + np.asarray(months, dtype=np.int64)
    target_len = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(
        np.int64
    )
    clamped = np.minimum(day_of_month, target_len - 1)
    return target.astype("datetime64[D]").astype(np.int64) + clamped


def add_months_scalar(day: dt.date, months: int) -> dt.date:
    return to_date(int(add_months(np.array([day_number(day)]), months)[0]))


def weekday(days: np.ndarray) -> np.ndarray:
    """Monday = 0 … Sunday = 6 (1970-01-01 was a Thursday)."""
    return (np.asarray(days, dtype=np.int64) + 3) % 7


def off_weekend(days: np.ndarray) -> np.ndarray:
    """Move Saturdays and Sundays to the following Monday (appointments)."""
    day = weekday(days)
    return days + np.where(day == 5, 2, np.where(day == 6, 1, 0))


def date_series(name: str, days: np.ndarray, null: np.ndarray | None = None) -> pl.Series:
    """A polars Date series from day numbers, null where ``null`` is true."""
    values = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    if null is not None:
        values[np.asarray(null, dtype=bool)] = np.datetime64("NaT")
    return pl.Series(name, values, dtype=pl.Date)


# --- edges of the working-day rules -------------------------------------------------


def edge_sentence_dates(as_of: dt.date, n: int) -> tuple[dt.date, dt.date]:
    """(clean, fault) for 'D > wd(s, n)': the earliest s not yet due (D ≤ wd(s, n)) and
    the latest s already overdue (D > wd(s, n))."""
    fault = as_of
    while scalar_wd(fault, n) >= as_of:
        fault -= dt.timedelta(days=1)
    return fault + dt.timedelta(days=1), fault


def edge_month_dates(as_of: dt.date, months: int) -> tuple[dt.date, dt.date]:
    """(clean, fault) dates B for 'D > B + months': the earliest B still in time and the
    latest B already overdue."""
    day = as_of
    while add_months_scalar(day - dt.timedelta(days=1), months) >= as_of:
        day -= dt.timedelta(days=1)
    return day, day - dt.timedelta(days=1)
