"""Reading one table from a CSV file (the contract's conventions: UTF-8, comma-separated,
a header row, empty = null), and saying where in the file a fault is: row and line."""

from __future__ import annotations

import csv
import io
from functools import partial
from pathlib import Path

import polars as pl

from auditor.conversion import empty_text_as_null
from auditor.errors import ExtractError
from auditor.sources.extract import STOPPED, Place, plan, refuse_unclear_names, typed
from schemas import TableSpec

# Python's csv module stops at fields over 128 KiB; polars reads them. The readers here
# (line numbers, the header) must read whatever polars read.
csv.field_size_limit(2**31 - 1)


def read_csv(path: Path, spec: TableSpec) -> pl.LazyFrame:
    place = Place(spec.name, path.name, line_of=partial(csv_line, path))
    refuse_unclear_names(csv_header(path), spec, place)
    try:
        raw = pl.read_csv(path, infer_schema=False, encoding="utf8")
    except pl.exceptions.PolarsError as exc:
        raise ExtractError(f"{place}: {csv_fault(path, exc)}. {STOPPED}") from None
    raw = empty_text_as_null(raw)
    _stop_on_short_rows(path, raw, place)
    steps = plan(raw.schema, spec, place)
    return typed(raw.select(c.column for c in steps if c.column in raw.columns), steps, spec, place)


def csv_header(path: Path) -> list[str]:
    """The names of the header row, as written (a byte order mark dropped)."""
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as file:
        return next(csv.reader(file), [])


def csv_line(path: Path, index: int) -> int:
    """The line on which data row ``index`` (0-based) of a CSV file starts."""
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        start = reader.line_num + 1
        for row_index, _ in enumerate(reader):
            if row_index == index:
                return start
            start = reader.line_num + 1
    return start


def csv_fault(path: Path, exc: Exception) -> str:
    """Explain why polars could not read a CSV file: bad UTF-8, a ragged row, or else."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as bad:
        return _encoding_fault(data, bad.start)
    ragged = _ragged_row(text)
    return ragged or f"cannot be read as CSV ({str(exc).splitlines()[0]})"


def _stop_on_short_rows(path: Path, raw: pl.DataFrame, place: Place) -> None:
    """polars fills the missing fields of a short row with nulls, as if they were empty.
    A short row leaves the last column empty, so only then is the file read again, row
    by row, to find one; a row with fewer fields than the header stops the run."""
    if raw.width == 0 or raw[raw.columns[-1]].null_count() == 0:
        return
    ragged = _ragged_row(path.read_text(encoding="utf-8"))
    if ragged:
        raise ExtractError(f"{place}: {ragged}. {STOPPED}")


def _ragged_row(text: str) -> str | None:
    """The first row whose number of fields is not the header's, said with its line."""
    rows = csv.reader(io.StringIO(text, newline=""))
    header = next(rows, [])
    line = rows.line_num + 1
    for index, row in enumerate(rows):
        if len(row) != len(header) and row:
            return (
                f"row {index + 1} (line {line}) has {len(row)} fields but the header has "
                f"{len(header)}; quote values that hold commas, and give every row all fields"
            )
        line = rows.line_num + 1
    return None


def _encoding_fault(data: bytes, offset: int) -> str:
    line_start = data.rfind(b"\n", 0, offset) + 1
    line = data.count(b"\n", 0, offset) + 1
    before = data[:line_start].decode("utf-8", errors="replace")
    records = list(csv.reader(io.StringIO(before, newline="")))
    header = records[0] if records else []
    line_end = data.find(b"\n", offset)
    text = data[line_start : None if line_end < 0 else line_end].decode("utf-8", "replace")
    fields = next(csv.reader([text]), [])
    where = f"row {len(records)} (line {line})" if records else f"line {line} (the header)"
    column = next((i for i, f in enumerate(fields) if "\ufffd" in f), None)
    if column is not None and column < len(header) and records:
        where = f"column {header[column]}, {where}"
    return (
        f"{where}: byte 0x{data[offset]:02x} at offset {offset} is not UTF-8; save the file as "
        "UTF-8"
    )
