"""Bulk writes of polars frames: one statement per table, never an ORM object per row.

SQLite: an executemany of INSERT or UPDATE ... WHERE id = ? (inside the caller's
transaction, so one commit). PostgreSQL: COPY, straight into the table for inserts,
and into a temporary table for updates, applied by one UPDATE ... FROM.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
from sqlalchemy import Connection, Table, bindparam, insert, update

# Frame column -> store column, where the names differ.
RENAMES = {"table": "table_name", "column": "column_name"}
CHUNK_ROWS = 50_000  # rows per executemany: bounds the memory of Python row dicts


def insert_frame(connection: Connection, table: Table, frame: pl.DataFrame, **same: Any) -> None:
    """INSERT every row of a frame; ``same`` gives values shared by every row."""
    if frame.is_empty():
        return
    rows = _for_table(table, frame, same)
    if connection.dialect.name == "postgresql":
        _copy(connection, table.name, rows)
    else:
        for chunk in rows.iter_slices(CHUNK_ROWS):
            connection.execute(insert(table), chunk.to_dicts())


def update_by_id(connection: Connection, table: Table, frame: pl.DataFrame) -> None:
    """UPDATE rows by id, setting every other column of the frame."""
    if frame.is_empty():
        return
    rows = _for_table(table, frame, {})
    if connection.dialect.name == "postgresql":
        _copy_update(connection, table.name, rows)
    else:
        statement = update(table).where(table.c.id == bindparam("_id"))
        for chunk in rows.rename({"id": "_id"}).iter_slices(CHUNK_ROWS):
            connection.execute(statement, chunk.to_dicts())


def _for_table(table: Table, frame: pl.DataFrame, same: Mapping[str, Any]) -> pl.DataFrame:
    renamed = frame.rename({k: v for k, v in RENAMES.items() if k in frame.columns})
    widened = renamed.with_columns(pl.lit(value).alias(name) for name, value in same.items())
    return widened.select(c for c in widened.columns if c in table.c)


def _copy(connection: Connection, table_name: str, rows: pl.DataFrame) -> None:
    columns = ", ".join(f'"{c}"' for c in rows.columns)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {table_name} ({columns}) FROM STDIN") as copy:
        for row in rows.iter_rows():
            copy.write_row(row)


def _copy_update(connection: Connection, table_name: str, rows: pl.DataFrame) -> None:
    staged = f"staged_{table_name}"
    columns = ", ".join(f'"{c}"' for c in rows.columns)
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {staged} ON COMMIT DROP AS "
        f"SELECT {columns} FROM {table_name} WITH NO DATA"
    )
    _copy(connection, staged, rows)
    sets = ", ".join(f'"{c}" = s."{c}"' for c in rows.columns if c != "id")
    connection.exec_driver_sql(
        f"UPDATE {table_name} AS t SET {sets} FROM {staged} AS s WHERE t.id = s.id"
    )
    connection.exec_driver_sql(f"DROP TABLE {staged}")
