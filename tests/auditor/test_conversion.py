"""Reading a source column as its contract type: what is accepted and what is a fault."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest

from auditor.conversion import conversion, find_faults

DECIMAL = pl.Decimal(5, 2)


def convert(values: list[object], source: pl.DataType, target: pl.DataType, **options: bool):
    raw = pl.DataFrame({"c": values}, schema={"c": source})
    step = conversion("c", source, target, **options)
    assert step is not None
    typed = raw.select(step.expr.alias("c"))
    return typed["c"].to_list(), find_faults(raw, typed, ["c"])


@pytest.mark.parametrize(
    ("values", "source", "target", "expected"),
    [
        (["2026-01-31", None], pl.String, pl.Date, [dt.date(2026, 1, 31), None]),
        (["12", "-3"], pl.String, pl.Int64, [12, -3]),
        (["true", "FALSE", "True"], pl.String, pl.Boolean, [True, False, True]),
        (["12.34", "100"], pl.String, DECIMAL, [Decimal("12.34"), Decimal("100.00")]),
        ([12.34, 0], pl.Float64, DECIMAL, [Decimal("12.34"), Decimal("0.00")]),
        ([1, 0], pl.Int64, pl.Boolean, [True, False]),
        ([3.0, None], pl.Float64, pl.Int64, [3, None]),
        ([7], pl.UInt8, pl.Int64, [7]),
        (
            ["2026-01-31 10:00", "2026-01-31T10:00:00.5"],
            pl.String,
            pl.Datetime("us"),
            [dt.datetime(2026, 1, 31, 10), dt.datetime(2026, 1, 31, 10, 0, 0, 500000)],
        ),
        (  # with a UTC offset: the local time in Europe/London (GMT in winter, BST in summer)
            ["2026-01-31T10:00:00+01:00", "2026-07-01T10:00:00Z", "2026-07-01T23:30:00Z"],
            pl.String,
            pl.Datetime("us"),
            [
                dt.datetime(2026, 1, 31, 9),
                dt.datetime(2026, 7, 1, 11),
                dt.datetime(2026, 7, 2, 0, 30),
            ],
        ),
    ],
)
def test_accepted(values, source, target, expected) -> None:
    converted, faults = convert(values, source, target)

    assert (converted, faults) == (expected, [])


@pytest.mark.parametrize(
    ("values", "source", "target"),
    [
        (["2026-02-30"], pl.String, pl.Date),
        (["31/01/2026"], pl.String, pl.Date),
        (["2026-01-31T10:00:00+0100x"], pl.String, pl.Datetime("us")),
        (["2026-01-31"], pl.String, pl.Datetime("us")),
        (["1.5"], pl.String, pl.Int64),
        (["yes"], pl.String, pl.Boolean),
        (["1000"], pl.String, DECIMAL),
        ([1000.0], pl.Float64, DECIMAL),
        ([2], pl.Int64, pl.Boolean),
        ([2.5], pl.Float64, pl.Int64),
    ],
)
def test_faults(values, source, target) -> None:
    converted, faults = convert([None, *values], source, target)

    assert converted == [None, None]
    assert [(f.row_index, f.value, f.count) for f in faults] == [(1, str(values[0]), 1)]


def test_the_first_fault_of_a_column_and_how_many() -> None:
    _, faults = convert(["1", "a", "2", "b"], pl.String(), pl.Int64())

    assert [(f.row_index, f.value, f.count) for f in faults] == [(1, "a", 2)]
    assert faults[0].describe(pl.Int64()) == (
        "'a' is not a whole number; 1 more value(s) in this column fail too"
    )


def test_database_booleans_may_be_one_and_zero() -> None:
    converted, faults = convert(["1", "0"], pl.String(), pl.Boolean(), lenient_booleans=True)

    assert (converted, faults) == ([True, False], [])


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (pl.Date, pl.Int64),
        (pl.Int64, pl.String),
        (pl.Boolean, pl.Date),
        (pl.Date, pl.Datetime("us")),
    ],
)
def test_incompatible_types(source, target) -> None:
    assert conversion("c", source, target) is None
