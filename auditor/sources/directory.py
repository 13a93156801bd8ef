"""An extract as a directory: one ``<table>.csv`` or ``<table>.parquet`` file per table
(both formats may occur in one extract; a reference table may be left out)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from auditor.errors import ExtractError
from auditor.sources.csv_files import read_csv
from auditor.sources.extract import (
    BUNDLED,
    STOPPED,
    Extract,
    Place,
    plan,
    refuse_unclear_names,
    typed,
)
from schemas import TABLE_NAMES, TableSpec, table_spec
from schemas.codes import BUNDLED_REFERENCE_TABLES

ExtractFormat = Literal["parquet", "csv"]
SUFFIXES = (".csv", ".parquet")


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
    entries = {entry.name.lower(): entry for entry in directory.iterdir()}
    files: dict[str, Path] = {}
    missing = []
    for name in names:
        found = [_table_file(directory, name, suffix, entries) for suffix in SUFFIXES]
        given = [path for path in found if path is not None]
        if len(given) > 1:
            raise ExtractError(
                f"{directory}: table {name} is given twice, as {given[0].name} and "
                f"{given[1].name}; keep one of them. {STOPPED}"
            )
        if given:
            files[name] = given[0]
        elif name not in BUNDLED_REFERENCE_TABLES:
            missing.append(name)
    if missing:
        wanted = ", ".join(f"{n}.csv or {n}.parquet" for n in missing)
        raise ExtractError(f"{directory}: missing table(s): {wanted}. {STOPPED}")
    return files


def _table_file(
    directory: Path, name: str, suffix: str, entries: Mapping[str, Path]
) -> Path | None:
    """The file of table ``name`` in one format, if given. A folder in its place, or a
    name in other letter case (``Teams.CSV``), is refused: reading on would put the
    bundled defaults in place of a reference table the site meant to give, or call a
    table missing that is there."""
    wanted = f"{name}{suffix}"
    entry = entries.get(wanted)
    if entry is None:
        return None
    if entry.name != wanted:
        raise ExtractError(
            f"{entry}: differs from the contract's file name {wanted} only in letter case; "
            f"rename it {wanted}. {STOPPED}"
        )
    if not entry.is_file():
        raise ExtractError(f"{entry}: is not a file (a folder?); table {name} must be a "
                           f"file, or be left out. {STOPPED}")  # fmt: skip
    return entry


def _read_file(path: Path, spec: TableSpec) -> pl.LazyFrame:
    if path.stat().st_size == 0:
        raise ExtractError(
            f"{path.name} (table {spec.name}) is empty (0 bytes): a table with no rows still "
            f"needs its header row (CSV) or schema (Parquet). {STOPPED}"
        )
    if path.suffix == ".csv":
        return read_csv(path, spec)
    return _read_parquet(path, spec)


def _read_parquet(path: Path, spec: TableSpec) -> pl.LazyFrame:
    place = Place(spec.name, path.name)
    refuse_unclear_names(_parquet_names(path, place), spec, place, names_in="schema")
    try:
        schema = pl.read_parquet_schema(path)
        steps = plan(schema, spec, place)
        scan = pl.scan_parquet(path).select(c.column for c in steps if c.column in schema)
        if all(c.exact for c in steps):
            return scan.select(c.expr.alias(c.column) for c in steps)
        raw = scan.collect()
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException) as exc:
        reason = (str(exc).splitlines() or [type(exc).__name__])[0][:300]
        message = f"{place} is not a readable Parquet file ({reason}). {STOPPED}"
        raise ExtractError(message) from None
    return typed(raw, steps, spec, place)


def _parquet_names(path: Path, place: Place) -> list[str]:
    """The column names of a Parquet file's schema, as written (duplicates kept)."""
    try:
        return list(pq.read_schema(path).names)
    except (pa.ArrowException, OSError, ValueError) as exc:  # a name not UTF-8, too
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        message = f"{place} is not a readable Parquet file ({reason}). {STOPPED}"
        raise ExtractError(message) from None


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
