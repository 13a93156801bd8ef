"""Hostile Parquet input, generated: a valid extract (the contract's examples, as Parquet)
with one table corrupted one way at a time, in its bytes, its schema, a column's physical
type, a value or the file itself.

Every case ends one of three ways, and each kind of corruption says which it may end:
refused with an AuditorError naming the file (and the column, where there is one; the
CLI exits 2 with the message, no traceback), loaded with every row kept or rejected
(rows read = kept + rejected), or loaded exactly as the clean extract. Anything else
fails, and Hypothesis prints the case and the blob that reproduces it. Where the
contract is silent (a column named twice or in other letter case, a table given as
both CSV and Parquet) the case must be refused, not guessed. Run longer with
HYPOTHESIS_PROFILE=long.
"""

from __future__ import annotations

import atexit
import datetime as dt
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from auditor.errors import AuditorError
from auditor.sources import load_extract, write_extract
from schemas import TABLE_NAMES, table_spec
from schemas.examples import example_tables
from schemas.validation import Validated, screen_extract

AS_OF = dt.date(2026, 11, 25)
REFUSED, COUNTED, SAME, ABORTED = "refused", "counted", "same", "aborted"  # outcomes
BYTES = ("truncate", "garbage", "flip")
SCHEMA = ("case", "duplicate", "missing", "extra")
VALUES = ("retype", "value", "null")
FILES = ("empty", "zero_rows", "directory", "both_formats")
PHYSICAL: tuple[pl.DataType, ...] = (
    pl.String(), pl.Float64(), pl.Int64(), pl.Int8(), pl.UInt64(), pl.Boolean(), pl.Date(),
    pl.Datetime("ns", "UTC"), pl.Null(), pl.Binary(), pl.List(pl.Int64),
)  # fmt: skip
TEXTS = st.sampled_from(["x", "", " ", "-1", "1.5", "1e309", "NaN", "yes", "TRUE", "0", "1",
                         "31/01/2026", "2026-02-30", "9999-12-31", "2026-11-25T25:00",
                         "2026-11-25T10:00:00+01:00", "😀", "N07"])  # fmt: skip

# every case's folder lives under one, removed when the tests end (a case Hypothesis
# drops before its test body runs leaves its folder)
_CASES = Path(tempfile.mkdtemp(prefix="hostile-parquet-"))
atexit.register(shutil.rmtree, _CASES, True)
_CLEAN = _CASES / "clean"
write_extract(example_tables(), _CLEAN, "parquet")


@dataclass(frozen=True)
class Case:
    table: str
    kind: str
    column: str
    outcomes: frozenset[str]  # what this corruption may end as
    folder: Path

    def __repr__(self) -> str:  # what Hypothesis prints of a failing case
        return (
            f"Case({self.table}.parquet, {self.kind}, column {self.column}, {set(self.outcomes)})"
        )


def values_of(dtype: pl.DataType) -> st.SearchStrategy[Any]:
    """Any value of a contract type, the extremes included (all readable: none may stop)."""
    if dtype == pl.Int64:
        return st.integers(-(2**63), 2**63 - 1)
    if dtype == pl.Date:
        return st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))
    if isinstance(dtype, pl.Datetime):
        return st.datetimes(dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31, 23, 59, 59))
    if dtype == pl.Boolean:
        return st.booleans()
    if isinstance(dtype, pl.Decimal):
        return st.decimals(Decimal("-999.99"), Decimal("999.99"), places=2)
    return st.text(max_size=30)


def with_value(frame: pl.DataFrame, row: int, column: str, value: Any) -> pl.DataFrame:
    """``frame`` with one value of ``column`` set (None: null), its type kept."""
    dtype = frame.schema[column]
    at = pl.int_range(pl.len()) == row
    value_at = pl.when(at).then(pl.lit(value, dtype)).otherwise(pl.col(column))
    return frame.with_columns(value_at.alias(column))


def retyped(frame: pl.DataFrame, column: str, dtype: pl.DataType, text: str) -> pl.DataFrame:
    """``column`` stored in another physical type: cast where polars can, its text with one
    value replaced where the type is text, nulls where nothing else fits."""
    series = frame[column]
    if dtype == pl.String:
        values = series.cast(pl.String).to_list()
        values[0] = text
        return frame.with_columns(pl.Series(column, values, pl.String))
    if dtype == pl.Float64 and series.dtype.is_numeric():
        return frame.with_columns(pl.col(column).cast(pl.Float64) + 0.5)  # fractions
    try:
        return frame.with_columns(pl.col(column).cast(dtype))
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException):
        return frame.with_columns(pl.lit(None, dtype).alias(column))


def corrupt(folder: Path, table: str, kind: str, column: str, draw: st.DrawFn) -> frozenset[str]:
    """Corrupt one table's file one way; the outcomes it may end as."""
    path = folder / f"{table}.parquet"
    frame = pl.read_parquet(path)
    row = draw(st.integers(0, max(frame.height - 1, 0)))
    data = path.read_bytes()
    if kind == "truncate":
        path.write_bytes(data[: draw(st.integers(0, len(data) - 1))])
        return frozenset({REFUSED})
    if kind == "garbage":
        path.write_bytes(draw(st.binary(min_size=1, max_size=2000)))
        return frozenset({REFUSED})
    if kind == "flip":
        flipped = bytearray(data)
        for offset in draw(st.lists(st.integers(0, len(data) - 1), min_size=1, max_size=8)):
            flipped[offset] ^= draw(st.integers(1, 255))
        path.write_bytes(bytes(flipped))
        return frozenset({REFUSED, COUNTED})
    if kind == "case":
        frame.rename({column: column.upper()}).write_parquet(path)
        return frozenset({REFUSED})
    if kind == "duplicate":
        arrow = frame.to_arrow()
        pq.write_table(
            pa.table([*arrow.columns, arrow[column]], names=[*arrow.column_names, column]), path
        )
        return frozenset({REFUSED})
    if kind == "missing":
        frame.drop(column).write_parquet(path)
        return frozenset({SAME} if column == "soft_deleted" else {REFUSED})
    if kind == "extra":
        frame.with_columns(extra_column=pl.lit(draw(TEXTS))).write_parquet(path)
        return frozenset({SAME})
    if kind == "retype":
        dtype = draw(st.sampled_from(PHYSICAL))
        retyped(frame, column, dtype, draw(TEXTS)).write_parquet(path)
        return frozenset({REFUSED, COUNTED})
    if kind == "value":
        value = draw(values_of(frame.schema[column]))
        with_value(frame, row, column, value).write_parquet(path)
        return frozenset({COUNTED})  # a value of the column's own type never stops the run
    if kind == "null":
        with_value(frame, row, column, None).write_parquet(path)
        return frozenset({COUNTED})  # see test_a_null_is_rejected_only_where_not_allowed
    if kind == "empty":
        path.write_bytes(b"")
        return frozenset({REFUSED})
    if kind == "zero_rows":
        frame.head(0).write_parquet(path)
        return frozenset({COUNTED})
    if kind == "directory":
        path.unlink()
        path.mkdir()
        return frozenset({REFUSED})
    write_extract({table: frame}, folder, "csv")  # both_formats
    return frozenset({REFUSED})


@st.composite
def hostile_extracts(draw: st.DrawFn) -> Case:
    table = draw(st.sampled_from(TABLE_NAMES))
    kind = draw(st.sampled_from(BYTES + SCHEMA + VALUES + FILES))
    column = draw(st.sampled_from(list(table_spec(table).polars_schema)))
    folder = Path(tempfile.mkdtemp(dir=_CASES))
    shutil.copytree(_CLEAN, folder, dirs_exist_ok=True)
    outcomes = corrupt(folder, table, kind, column, draw)
    return Case(table, kind, column, outcomes, folder)


def outcome(case: Case) -> tuple[str, Validated | str]:
    """How the case ended: refused (with the message) or counted (with the validation)."""
    try:
        validated = screen_extract(load_extract(case.folder), AS_OF)
    except AuditorError as exc:
        return REFUSED, str(exc)
    return COUNTED, validated


# A flipped bit can make polars abort the process (a length read as 2**61 bytes: "memory
# allocation ... failed", about 1 in 5,000 random flips), which no Python code can
# catch; so flipped files are read in a child process, and that abort, a known limit of
# polars (pyarrow refuses such a file), is the one outcome allowed besides the oracle's.
_IN_A_CHILD = """
import datetime as dt, sys
from pathlib import Path
from auditor.errors import AuditorError
from auditor.sources import load_extract
from schemas.validation import screen_extract
try:
    counts = screen_extract(load_extract(Path(sys.argv[1])), dt.date(2026, 11, 25)).counts
except AuditorError as exc:
    print("refused", exc, sep="\\n")
else:
    print("counted", (counts["rows_read"] == counts["rows_kept"] + counts["rows_rejected"]).all())
"""
ROOT = Path(__file__).parents[2]


def flip_outcome(case: Case) -> tuple[str, str]:
    """How a flipped file ended, read in a child: refused (the message), counted (True
    when every row was kept or rejected) or aborted by polars."""
    child = [sys.executable, "-c", _IN_A_CHILD, str(case.folder)]
    done = subprocess.run(child, cwd=ROOT, capture_output=True, text=True, timeout=300)
    if done.returncode == -signal.SIGABRT and "memory allocation of" in done.stderr:
        event("polars aborted: memory allocation failed")
        return ABORTED, done.stderr
    assert done.returncode == 0, done.stderr[-3000:]
    ended, _, said = done.stdout.partition("\n")
    return (REFUSED, said) if ended == "refused" else (COUNTED, ended)


@given(hostile_extracts())
def test_hostile_parquet_is_refused_clearly_or_every_row_is_kept_or_rejected(case: Case) -> None:
    try:
        if case.kind == "flip":
            ended, said = flip_outcome(case)
            assert ended != REFUSED or f"{case.table}.parquet" in said, said
            assert ended != COUNTED or said.strip() == "counted True", said
            return
        ended, result = outcome(case)
        if isinstance(result, str):
            assert REFUSED in case.outcomes, result
            assert f"{case.table}.parquet" in result, result
            if case.kind in ("case", "duplicate", "missing"):
                assert case.column in result.lower(), result
            if case.kind == "both_formats":
                assert f"{case.table}.csv" in result, result
            return
        counts = result.counts
        assert (counts["rows_read"] == counts["rows_kept"] + counts["rows_rejected"]).all()
        if SAME in case.outcomes:
            assert result.rejects.is_empty(), result.rejects
            for name, frame in example_tables().items():
                assert_frame_equal(result.tables[name].collect(), frame)
        else:
            assert COUNTED in case.outcomes, case
    finally:
        shutil.rmtree(case.folder, ignore_errors=True)


# --- the outcomes that are exact ---------------------------------------------------------


def load(tmp_path: Path, table: str, frame: pl.DataFrame) -> Validated:
    write_extract(example_tables() | {table: frame}, tmp_path)
    return screen_extract(load_extract(tmp_path), AS_OF)


@pytest.mark.parametrize("table", TABLE_NAMES)
def test_every_column_as_text_reads_as_its_type(tmp_path: Path, table: str) -> None:
    frame = example_tables()[table]
    texts = frame.with_columns(pl.all().cast(pl.String))

    validated = load(tmp_path, table, texts)

    assert_frame_equal(validated.tables[table].collect(), frame)
    assert validated.rejects.is_empty()


@pytest.mark.parametrize(
    ("column", "stored", "said"),
    [
        ("sentence_date", pl.Series(["2026-01-01", "31/01/2026", "2026-01-03"]),
         "column sentence_date, row 2, event_id=2: '31/01/2026' is not a date"),
        ("event_number", pl.Series([1.0, 1.5, 1.0]),
         "column event_number, row 2, event_id=2: '1.5' is not a whole number"),
        ("active", pl.Series(["true", "yes", "false"]),
         "column active, row 2, event_id=2: 'yes' is not true or false"),
        ("event_number", pl.Series([1, 2**63 + 1, 1], dtype=pl.UInt64),
         "column event_number, row 2, event_id=2: '9223372036854775809' is not a whole"),
        ("crn", pl.Series([1, 2, 3]), "column crn: has type Int64, which cannot be read as"),
        ("sentence_date", pl.Series([dt.datetime(2026, 1, 1)] * 3),
         "column sentence_date: has type Datetime"),
        ("crn", pl.Series([b"X000001"] * 3), "column crn: has type Binary"),
        ("event_id", pl.Series([[1], [2], [3]]), "column event_id: has type List(Int64)"),
    ],
)  # fmt: skip
def test_a_column_of_the_wrong_physical_type_names_file_column_and_row(
    tmp_path: Path, column: str, stored: pl.Series, said: str
) -> None:
    events = example_tables()["events"].with_columns(stored.alias(column))

    with pytest.raises(AuditorError) as stop:
        load(tmp_path, "events", events)

    assert f"events.parquet (table events), {said}" in str(stop.value)


@pytest.mark.parametrize("table", TABLE_NAMES)
def test_a_null_is_rejected_only_where_not_allowed(tmp_path: Path, table: str) -> None:
    spec = table_spec(table)
    for column in spec.columns:
        frame = with_value(example_tables()[table], 0, column.name, None)

        validated = load(tmp_path, table, frame)

        mine = validated.rejects.filter(pl.col("table") == table)
        if column.nullable:
            assert mine.is_empty(), (column.name, mine)
        else:
            reason = f"{column.name} is empty but the contract requires a value"
            assert mine.select("row_number", "column", "reason").rows() == [
                (1, column.name, reason)
            ], column.name
        assert validated.count(table).read == frame.height


def test_an_empty_parquet_file_with_its_schema_is_a_table_without_rows(tmp_path: Path) -> None:
    validated = load(
        tmp_path, "registration_reviews", example_tables()["registration_reviews"].head(0)
    )

    assert validated.count("registration_reviews").read == 0
    assert validated.rejects.is_empty()


def test_a_damaged_page_header_is_refused_naming_the_file(tmp_path: Path) -> None:
    """Found by the suite above: a flipped bit in a data page's header made polars panic
    (a traceback) when the table was read. Every byte of the first page header flipped
    in turn: each is refused with the file named, or read."""
    write_extract(example_tables(), tmp_path)
    path = tmp_path / "events.parquet"
    clean = path.read_bytes()
    start = pq.ParquetFile(path).metadata.row_group(0).column(0).data_page_offset
    refused = 0
    for offset in range(start, start + 40):
        damaged = bytearray(clean)
        damaged[offset] ^= 0xFF
        path.write_bytes(bytes(damaged))
        try:
            screen_extract(load_extract(tmp_path), AS_OF)
        except AuditorError as exc:
            assert "events.parquet (table events)" in str(exc), str(exc)
            refused += 1
    assert refused


def test_a_column_name_that_is_not_utf8_is_refused_naming_the_file(tmp_path: Path) -> None:
    """Found by the suite's long profile: a flipped byte in a column's name in the file's
    metadata raised UnicodeDecodeError (a traceback). Each place the name is written,
    damaged in turn: refused with the file named, or read."""
    write_extract(example_tables(), tmp_path)
    path = tmp_path / "providers.parquet"
    clean = path.read_bytes()
    refused = 0
    for found in re.finditer(b"provider_name", clean):
        path.write_bytes(clean[: found.start()] + b"\xf0" + clean[found.start() + 1 :])
        try:
            load_extract(tmp_path)
        except AuditorError as exc:
            assert "providers.parquet (table providers) is not a readable" in str(exc)
            refused += 1
    assert refused
