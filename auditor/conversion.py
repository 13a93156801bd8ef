"""Conversion of a source column (CSV text, Parquet or database types) to its contract type.

The contract's conventions (DATA-CONTRACT.md, "Sources"): dates ``YYYY-MM-DD``, datetimes
ISO 8601 (``T`` or a space between date and time, optional fractional seconds, an
optional UTC offset taken to Europe/London local time),
booleans ``true``/``false`` in any case, empty = null. A value that cannot be read as its
type is a structural fault: :func:`find_faults` locates the first one of each column.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

LOCAL_TIME_ZONE = "Europe/London"
DECIMAL_LIMIT = 999.995  # the largest float that still rounds into decimal(5,2)

_EXPECTED = {
    pl.Int64: "a whole number",
    pl.Date: "a date in the form YYYY-MM-DD",
    pl.Datetime: "an ISO 8601 date and time such as 2024-03-31T14:05:00",
    pl.Boolean: "true or false",
    pl.Decimal: "a number with at most 3 digits before the point and 2 after",
    pl.String: "text",
}


@dataclass(frozen=True)
class Conversion:
    """How one column becomes its contract type."""

    column: str
    expr: pl.Expr
    exact: bool  # True when no value can fail (nothing to probe)


@dataclass(frozen=True)
class Fault:
    """The first value of a column that could not be read as its type."""

    column: str
    row_index: int  # 0-based position in the source
    value: str
    count: int  # how many values of the column failed

    def describe(self, target: pl.DataType) -> str:
        more = f"; {self.count - 1} more value(s) in this column fail too" if self.count > 1 else ""
        return f"'{self.value}' is not {expected(target)}{more}"


def expected(target: pl.DataType) -> str:
    """What a value of the contract type looks like, in plain English."""
    return _EXPECTED.get(target.base_type(), str(target))


def describe_type(dtype: pl.DataType) -> str:
    names = {pl.Int64: "int", pl.String: "str", pl.Date: "date", pl.Datetime: "datetime"}
    names |= {pl.Boolean: "bool", pl.Decimal: "decimal(5,2)"}
    return names.get(dtype.base_type(), str(dtype))


def conversion(
    column: str, source: pl.DataType, target: pl.DataType, *, lenient_booleans: bool = False
) -> Conversion | None:
    """The conversion of ``column`` from ``source`` to ``target``; None when incompatible."""
    col = pl.col(column)
    if source == target:
        return Conversion(column, col, exact=True)
    if source == pl.Null:
        return Conversion(column, col.cast(target), exact=True)
    if source in (pl.String, pl.Categorical) or isinstance(source, pl.Enum):
        return _from_text(column, col.cast(pl.String), target, lenient_booleans)
    if source.is_numeric():
        return _from_number(column, col, source, target)
    if isinstance(source, pl.Datetime) and isinstance(target, pl.Datetime):
        if source.time_zone is not None:
            col = col.dt.convert_time_zone(LOCAL_TIME_ZONE).dt.replace_time_zone(None)
        return Conversion(column, col.cast(target), exact=True)
    return None


def _from_text(
    column: str, text: pl.Expr, target: pl.DataType, lenient_booleans: bool
) -> Conversion:
    if target == pl.String:
        return Conversion(column, text, exact=True)
    if target == pl.Date:
        return Conversion(column, text.str.to_date("%Y-%m-%d", strict=False), exact=False)
    if isinstance(target, pl.Datetime):
        return Conversion(column, _text_to_datetime(text, target), exact=False)
    if target == pl.Boolean:
        return Conversion(column, _text_to_boolean(text, lenient_booleans), exact=False)
    return Conversion(column, text.cast(target, strict=False), exact=False)


def _text_to_datetime(text: pl.Expr, target: pl.Datetime) -> pl.Expr:
    """ISO 8601 with or without seconds; one with a UTC offset (``Z``, ``+01:00``) is
    taken to the local time of Europe/London, like a Parquet timestamp with a zone."""
    unit = target.time_unit
    # "YYYY-MM-DD HH:MM" is read as "YYYY-MM-DDTHH:MM" (slices: a regex costs ten times more)
    spaced = text.str.slice(10, 1) == " "
    iso = pl.when(spaced).then(text.str.slice(0, 10) + "T" + text.str.slice(11)).otherwise(text)
    offset = iso.str.to_datetime(
        "%Y-%m-%dT%H:%M:%S%.f%#z", strict=False, time_unit=unit, time_zone="UTC"
    )
    return pl.coalesce(
        iso.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", strict=False, time_unit=unit),
        iso.str.to_datetime("%Y-%m-%dT%H:%M", strict=False, time_unit=unit),
        offset.dt.convert_time_zone(LOCAL_TIME_ZONE).dt.replace_time_zone(None),
    )


def _text_to_boolean(text: pl.Expr, lenient: bool) -> pl.Expr:
    words = {"true": True, "false": False}
    if lenient:  # databases without a boolean type store 1 and 0
        words |= {"1": True, "0": False}
    return text.str.to_lowercase().replace_strict(words, default=None, return_dtype=pl.Boolean)


def _from_number(
    column: str, number: pl.Expr, source: pl.DataType, target: pl.DataType
) -> Conversion | None:
    if target == pl.Int64 and source.is_integer():
        fits = source != pl.UInt64
        return Conversion(column, number.cast(pl.Int64, strict=False), exact=fits)
    if target == pl.Int64 and source.is_float():
        whole = pl.when(number == number.floor()).then(number)
        return Conversion(column, whole.cast(pl.Int64, strict=False), exact=False)
    if target == pl.Boolean and source.is_integer():
        flag = pl.when(number == 1).then(True).when(number == 0).then(False)
        return Conversion(column, flag, exact=False)
    if isinstance(target, pl.Decimal):
        value = number.cast(pl.Float64)
        fitting = pl.when(value.abs() < DECIMAL_LIMIT).then(value.round(2))
        return Conversion(column, fitting.cast(target, strict=False), exact=False)
    return None


def find_faults(raw: pl.DataFrame, typed: pl.DataFrame, columns: list[str]) -> list[Fault]:
    """The first unreadable value of each column: present in ``raw``, null in ``typed``."""
    faults = []
    for column in columns:
        failed = raw[column].is_not_null() & typed[column].is_null()
        count = int(failed.sum())
        if count:
            index = int(failed.arg_true()[0])
            faults.append(Fault(column, index, str(raw[column][index]), count))
    return faults


def empty_text_as_null(frame: pl.DataFrame) -> pl.DataFrame:
    """CSV convention: an empty field is null, quoted or not."""
    text = [c for c, dtype in frame.schema.items() if dtype == pl.String]
    nulled = [pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c in text]
    return frame.with_columns(nulled) if nulled else frame
