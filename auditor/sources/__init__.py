"""Reading and writing extracts: a directory of CSV / Parquet files, or a SQL database.

Readers return polars LazyFrames with the contract's types (schemas.table_spec). A
structural fault (missing table or column, a value that cannot be read as its type, an
unreadable file or database) raises ExtractError naming file, table, column and row: per
the contract it stops the run before any check.

- ``extract``: the Extract, where a table comes from, and the checked typing of a table;
- ``directory``: a folder of ``<table>.csv`` / ``<table>.parquet`` files (``csv_files``);
- ``database``: a SQLAlchemy URL, read only.
"""

from __future__ import annotations

from auditor.sources.csv_files import csv_fault, csv_line
from auditor.sources.database import load_database, write_database
from auditor.sources.directory import ExtractFormat, load_extract, write_extract
from auditor.sources.extract import BUNDLED, STOPPED, Extract

__all__ = [
    "BUNDLED",
    "STOPPED",
    "Extract",
    "ExtractFormat",
    "csv_fault",
    "csv_line",
    "load_database",
    "load_extract",
    "write_database",
    "write_extract",
]
