"""Reading and writing extracts: a directory of CSV / Parquet files, or a SQL database.

Readers return polars LazyFrames with the contract's types (schemas.table_spec). A
structural fault (missing table or column, a value that cannot be read as its type, an
unreadable file) raises ExtractError naming file, table, column and row: per the
contract it stops the run before any check.
"""

from __future__ import annotations

import csv
import difflib
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection, make_url

from auditor.conversion import (
    Conversion,
    conversion,
    describe_type,
    empty_text_as_null,
    find_faults,
)
from auditor.errors import ExtractError
from schemas import TABLE_NAMES, TableSpec, table_spec
from schemas.codes import BUNDLED_REFERENCE_TABLES

# Python's csv module stops at fields over 128 KiB; polars reads them. The readers here
# (line numbers, the header) must read whatever polars read.
csv.field_size_limit(2**31 - 1)

ExtractFormat = Literal["parquet", "csv"]
SUFFIXES = (".csv", ".parquet")
STOPPED = "The run stopped before any check: correct the extract and run again."
BUNDLED = "bundled default"


@dataclass(frozen=True)
class Extract:
    """The contract's tables, typed, with where each one came from."""

    tables: Mapping[str, pl.LazyFrame]
    sources: Mapping[str, str]  # table -> file name, database table or BUNDLED
    origin: str  # the directory, or the database URL without its password
    bundled: frozenset[str] = field(default_factory=frozenset)  # reference tables defaulted


@dataclass(frozen=True)
class _Place:
    """Where a table is read from, for messages."""

    table: str
    name: str  # e.g. "contacts.csv" or "database table contacts"
    csv_path: Path | None = None

    def __str__(self) -> str:
        return f"{self.name} (table {self.table})"

    def row(self, index: int) -> str:
        if self.csv_path is None:
            return f"row {index + 1}"
        return f"row {index + 1} (line {csv_line(self.csv_path, index)})"


# --- directories -------------------------------------------------------------------------


def load_extract(directory: Path, names: Sequence[str] = TABLE_NAMES) -> Extract:
    """Read every contract table (or those named) from ``<table>.csv`` or
    ``<table>.parquet`` in ``directory``."""
    files = _table_files(directory, names)
    tables: dict[str, pl.LazyFrame] = {}
    sources: dict[str, str] = {}
    for name in names:
        path = files.get(name)
        if path is None:
            tables[name], sources[name] = BUNDLED_REFERENCE_TABLES[name]().lazy(), BUNDLED
        else:
            tables[name], sources[name] = _read_file(path, table_spec(name)), path.name
    bundled = frozenset(n for n, s in sources.items() if s == BUNDLED)
    return Extract(tables, sources, str(directory), bundled)


def _table_files(directory: Path, names: Sequence[str]) -> dict[str, Path]:
    if not directory.is_dir():
        raise ExtractError(f"{directory}: no such directory; give the folder holding the extract.")
    files: dict[str, Path] = {}
    missing = []
    for name in names:
        places = [directory / f"{name}{suffix}" for suffix in SUFFIXES]
        odd = [place for place in places if place.exists() and not place.is_file()]
        if odd:
            raise ExtractError(f"{odd[0]}: is not a file (a folder?); table {name} must be a "
                               f"file, or be left out. {STOPPED}")  # fmt: skip
        found = [directory / f"{name}{s}" for s in SUFFIXES if (directory / f"{name}{s}").is_file()]
        if len(found) > 1:
            raise ExtractError(
                f"{directory}: table {name} is given twice, as {found[0].name} and "
                f"{found[1].name}; keep one of them. {STOPPED}"
            )
        if found:
            files[name] = found[0]
        elif name not in BUNDLED_REFERENCE_TABLES:
            missing.append(name)
    if missing:
        wanted = ", ".join(f"{n}.csv or {n}.parquet" for n in missing)
        raise ExtractError(f"{directory}: missing table(s): {wanted}. {STOPPED}")
    return files


def _read_file(path: Path, spec: TableSpec) -> pl.LazyFrame:
    if path.stat().st_size == 0:
        raise ExtractError(
            f"{path.name} (table {spec.name}) is empty (0 bytes): a table with no rows still "
            f"needs its header row (CSV) or schema (Parquet). {STOPPED}"
        )
    if path.suffix == ".csv":
        return _read_csv(path, spec)
    return _read_parquet(path, spec)


def _read_csv(path: Path, spec: TableSpec) -> pl.LazyFrame:
    place = _Place(spec.name, path.name, csv_path=path)
    _refuse_unclear_headers(path, place, spec)
    try:
        raw = pl.read_csv(path, infer_schema=False, encoding="utf8")
    except pl.exceptions.PolarsError as exc:
        raise ExtractError(f"{place}: {csv_fault(path, exc)}. {STOPPED}") from None
    raw = empty_text_as_null(raw)
    _stop_on_short_rows(path, raw, place)
    plan = _plan(raw.schema, spec, place)
    return _typed(raw.select(c.column for c in plan if c.column in raw.columns), plan, spec, place)


def _refuse_unclear_headers(path: Path, place: _Place, spec: TableSpec) -> None:
    """A header that names a column twice, or a contract column in other letter case, is
    refused: the contract does not say which of the two to read, nor whether
    SOFT_DELETED is soft_deleted (an extra column is ignored), so nothing is guessed."""
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as file:
        header = next(csv.reader(file), [])
    contract = {name.lower(): name for name in spec.polars_schema}
    for name in header:
        wanted = contract.get(name.lower())
        if wanted is not None and wanted != name:
            raise ExtractError(
                f"{place}: the header's column {name!r} differs from the contract's "
                f"{wanted!r} only in letter case; rename it {wanted!r}. {STOPPED}"
            )
    seen: dict[str, int] = {}
    for number, name in enumerate(header, 1):
        if name in seen:
            raise ExtractError(
                f"{place}: the header names the column {name!r} twice (columns "
                f"{seen[name]} and {number}); keep one of them. {STOPPED}"
            )
        seen[name] = number


def _read_parquet(path: Path, spec: TableSpec) -> pl.LazyFrame:
    place = _Place(spec.name, path.name)
    try:
        schema = pl.read_parquet_schema(path)
        plan = _plan(schema, spec, place)
        scan = pl.scan_parquet(path).select(c.column for c in plan if c.column in schema)
        if all(c.exact for c in plan):
            return scan.select(c.expr.alias(c.column) for c in plan)
        raw = scan.collect()
    except pl.exceptions.PolarsError as exc:
        raise ExtractError(f"{place} is not a readable Parquet file ({exc}). {STOPPED}") from None
    return _typed(raw, plan, spec, place)


# --- typing ------------------------------------------------------------------------------


def _plan(
    schema: Mapping[str, pl.DataType], spec: TableSpec, place: _Place, lenient: bool = False
) -> list[Conversion]:
    """How each contract column is made from the source columns (which are checked)."""
    _require_columns(schema, spec, place)
    plan = []
    for name, target in spec.polars_schema.items():
        if name not in schema:  # only soft_deleted may be absent
            plan.append(Conversion(name, pl.lit(False), exact=True))
            continue
        step = conversion(name, schema[name], target, lenient_booleans=lenient)
        if step is None:
            raise ExtractError(
                f"{place}, column {name}: has type {schema[name]}, which cannot be read as the "
                f"contract's {describe_type(target)}; write it as {describe_type(target)}. "
                f"{STOPPED}"
            )
        plan.append(step)
    return plan


def _require_columns(schema: Mapping[str, pl.DataType], spec: TableSpec, place: _Place) -> None:
    missing = [c for c in spec.required_columns if c not in schema]
    if not missing:
        return
    hints = []
    for name in missing:
        close = difflib.get_close_matches(name, list(schema), n=1, cutoff=0.8)
        hints.append(f"{name} (found '{close[0]}')" if close else name)
    raise ExtractError(
        f"{place}: missing required column(s): {', '.join(hints)}. Add them (empty values "
        f"are allowed only where the contract allows nulls). {STOPPED}"
    )


def _typed(
    raw: pl.DataFrame, plan: list[Conversion], spec: TableSpec, place: _Place
) -> pl.LazyFrame:
    """Convert ``raw`` to the contract's types; an unreadable value stops the run."""
    typed = raw.select(c.expr.alias(c.column) for c in plan)
    risky = [c.column for c in plan if not c.exact and c.column in raw.columns]
    faults = find_faults(raw, typed, risky)
    if faults:
        lines = []
        for fault in faults[:3]:
            key = ", ".join(f"{k}={raw[k][fault.row_index]}" for k in spec.key)
            target = spec.polars_schema[fault.column]
            lines.append(
                f"{place}, column {fault.column}, {place.row(fault.row_index)}, {key}: "
                f"{fault.describe(target)}"
            )
        raise ExtractError("\n".join(lines) + f"\n{STOPPED}")
    return typed.lazy()


# --- CSV faults --------------------------------------------------------------------------


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


def _stop_on_short_rows(path: Path, raw: pl.DataFrame, place: _Place) -> None:
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


# --- databases ---------------------------------------------------------------------------


def load_database(url: str, names: Sequence[str] = TABLE_NAMES) -> Extract:
    """Read every contract table (or those named) from a database (read-only) through
    SQLAlchemy."""
    shown = make_url(url).render_as_string(hide_password=True)
    engine = sa.create_engine(_read_only(url))
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection = connection.execution_options(postgresql_readonly=True)
            return _read_database(connection, shown, names)
    except sa.exc.SQLAlchemyError as exc:
        reason = str(exc).splitlines()[0]
        raise ExtractError(f"database {shown}: cannot be read ({reason}). {STOPPED}") from None
    finally:
        engine.dispose()


def _read_only(url: str) -> sa.URL:
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return parsed
    if not Path(database).is_file():
        raise ExtractError(f"{database}: no such SQLite database file.")
    return parsed.set(database=f"file:{database}", query={"mode": "ro", "uri": "true"})


def _read_database(connection: Connection, shown: str, names: Sequence[str]) -> Extract:
    inspector = sa.inspect(connection)
    present = set(inspector.get_table_names())
    missing = [n for n in names if n not in present and n not in BUNDLED_REFERENCE_TABLES]
    if missing:
        raise ExtractError(f"database {shown}: missing table(s): {', '.join(missing)}. {STOPPED}")
    tables: dict[str, pl.LazyFrame] = {}
    sources: dict[str, str] = {}
    for name in names:
        if name not in present:
            tables[name], sources[name] = BUNDLED_REFERENCE_TABLES[name]().lazy(), BUNDLED
            continue
        columns = [c["name"] for c in inspector.get_columns(name)]
        tables[name] = _read_sql_table(connection, table_spec(name), columns)
        sources[name] = f"database table {name}"
    bundled = frozenset(n for n, s in sources.items() if s == BUNDLED)
    return Extract(tables, sources, shown, bundled)


def _read_sql_table(connection: Connection, spec: TableSpec, columns: list[str]) -> pl.LazyFrame:
    place = _Place(spec.name, f"database table {spec.name}")
    _require_columns(dict.fromkeys(columns, pl.String()), spec, place)
    wanted = [c for c in spec.polars_schema if c in columns]
    # Every value is read as text so that each driver's types (SQLite's text dates and 0/1
    # booleans, PostgreSQL's native types) go through the same checked conversion.
    query = sa.select(*(sa.cast(sa.column(c), sa.String).label(c) for c in wanted))
    raw = pl.read_database(
        query.select_from(sa.table(spec.name)),
        connection,
        schema_overrides=dict.fromkeys(wanted, pl.String()),
        infer_schema_length=None,
    )
    plan = _plan(raw.schema, spec, place, lenient=True)
    return _typed(raw, plan, spec, place)


def write_database(tables: Mapping[str, pl.DataFrame], url: str) -> None:
    """Create each table (replacing one of the same name) and insert its rows."""
    metadata = sa.MetaData()
    sql_tables = {name: _sql_table(name, frame, metadata) for name, frame in tables.items()}
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            metadata.drop_all(connection)
            metadata.create_all(connection)
            for name, frame in tables.items():
                for chunk in frame.iter_slices(20_000):
                    connection.execute(sql_tables[name].insert(), chunk.to_dicts())
    finally:
        engine.dispose()


def _sql_table(name: str, frame: pl.DataFrame, metadata: sa.MetaData) -> sa.Table:
    return sa.Table(name, metadata, *(sa.Column(c, _sql_type(t)) for c, t in frame.schema.items()))


def _sql_type(dtype: pl.DataType) -> sa.types.TypeEngine[Any]:
    if dtype.is_integer():
        return sa.BigInteger()
    if isinstance(dtype, pl.Decimal):
        return sa.Numeric(dtype.precision or 38, dtype.scale)
    if dtype.is_float():
        return sa.Float()
    types: dict[Any, sa.types.TypeEngine[Any]] = {
        pl.Date: sa.Date(),
        pl.Datetime: sa.DateTime(),
        pl.Boolean: sa.Boolean(),
    }
    return types.get(dtype.base_type(), sa.Text())


# --- writing files -----------------------------------------------------------------------


def write_extract(
    tables: Mapping[str, pl.DataFrame], out: Path, fmt: ExtractFormat = "parquet"
) -> list[Path]:
    """Write each table as <table>.<fmt> in ``out``, in the contract's CSV conventions."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in tables.items():
        path = out / f"{name}.{fmt}"
        if fmt == "parquet":
            frame.write_parquet(path, statistics=False)
        else:
            frame.write_csv(path, date_format="%Y-%m-%d", datetime_format="%Y-%m-%dT%H:%M:%S%.f")
        written.append(path)
    return written
