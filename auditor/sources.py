"""Reading and writing extracts: a directory of CSV / Parquet files, or a SQL database.

Readers return polars LazyFrames with the contract's types (schemas.table_spec)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import polars as pl

ExtractFormat = Literal["parquet", "csv"]


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
            frame.write_csv(path, date_format="%Y-%m-%d", datetime_format="%Y-%m-%dT%H:%M:%S")
        written.append(path)
    return written
