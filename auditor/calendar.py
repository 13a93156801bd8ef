"""Working days in England and Wales, as CHECKS.md defines them.

Working days are Monday to Friday less the bank holidays of England and Wales,
substitute days and one-off holidays included. The holidays come from the maintained
``holidays`` library, never from a typed-in list.

``wd(a, n)`` is the n-th working day after ``a``: ``a`` itself is not counted, and from a
weekend or holiday counting starts at the next working day. Rolling a non-working ``a``
*back* to the previous working day and adding n working days gives exactly that: the
working days strictly after ``a`` are the same as those strictly after the working day
before it.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    import numpy as np

FIRST_YEAR = 1990
LAST_YEAR = 2075


@cache
def bank_holidays() -> tuple[dt.date, ...]:
    """England and Wales bank holidays from FIRST_YEAR to LAST_YEAR, sorted."""
    import holidays  # on first need: `auditor checks` and `--help` do without it

    calendar = holidays.country_holidays("GB", subdiv="ENG", years=range(FIRST_YEAR, LAST_YEAR + 1))
    return tuple(sorted(calendar))


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _holiday_set()


@cache
def _holiday_set() -> frozenset[dt.date]:
    return frozenset(bank_holidays())


def wd(start: dt.date, n: int) -> dt.date:
    """The n-th working day after ``start`` (scalar form of :func:`wd_expr`)."""
    day = start
    counted = 0
    while counted < n:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def wd_expr(start: pl.Expr, n: int | pl.Expr) -> pl.Expr:
    """``wd(start, n)`` for a column of dates, vectorised. Rolling a weekend or holiday
    back to the working day before makes counting start at the next one; with n = 0
    nothing is counted, so the day is ``start`` itself, as in :func:`wd`."""
    added = start.dt.add_business_days(n, holidays=list(bank_holidays()), roll="backward")
    if isinstance(n, int):
        return start if n == 0 else added
    return pl.when(n == 0).then(start).otherwise(added)


def today_in_london() -> dt.date:
    """The default as-of date: today in Europe/London."""
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo("Europe/London")).date()


def working_days_after(start: dt.date, end: dt.date) -> int:
    """How many working days fall after ``start``, up to and including ``end`` (0 when
    ``end`` is not after ``start``): the working days an exception first seen on
    ``start`` has been open on ``end``."""
    if end <= start:
        return 0
    import numpy as np

    one = dt.timedelta(days=1)
    return int(np.busday_count(start + one, end + one, busdaycal=_busday_calendar()))


@cache
def _busday_calendar() -> np.busdaycalendar:
    import numpy as np

    return np.busdaycalendar(holidays=list(bank_holidays()))


def earliest_start_within(end: dt.date, n: int) -> dt.date:
    """The earliest ``start`` with ``working_days_after(start, end) <= n``."""
    day = end
    while working_days_after(day - dt.timedelta(days=1), end) <= n:
        day -= dt.timedelta(days=1)
    return day
