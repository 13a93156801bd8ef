"""Bulk writes of polars frames: one statement per table, never an ORM object per row.

SQLite: an executemany of INSERT or UPDATE ... WHERE id = ? (inside the caller's
transaction, so one commit), of plain tuples: each value already as SQLAlchemy would
bind it (dates as ISO text, converted by polars for a whole column at once; other
typed values through the column type's own bind processor). PostgreSQL: COPY, straight
into the table for inserts, and into a temporary table for updates, applied by one
UPDATE ... FROM.

Reads of many rows (``read_frame``): on PostgreSQL a COPY of the query's rows out as
CSV, every value quoted (so a NULL, left unquoted, stays apart from an empty string),
which polars parses; on SQLite the driver's rows, dates parsed by polars.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import polars as pl
from sqlalchemy import Connection, Date, Table, bindparam, insert, update

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
        _execute_many(connection, table, insert(table), rows)


def update_by_id(connection: Connection, table: Table, frame: pl.DataFrame) -> None:
    """UPDATE rows by id, setting every other column of the frame."""
    if frame.is_empty():
        return
    rows = _for_table(table, frame, {})
    if connection.dialect.name == "postgresql":
        _copy_update(connection, table.name, rows)
    else:
        statement = update(table).where(table.c.id == bindparam("_id"))
        _execute_many(connection, table, statement, rows.rename({"id": "_id"}))


def _execute_many(connection: Connection, table: Table, statement: Any, rows: pl.DataFrame) -> None:
    """One executemany of the statement (its parameters named as the frame's columns)
    over the rows, each value bound as SQLAlchemy binds it."""
    compiled = statement.compile(connection, column_keys=[c for c in rows.columns if c != "_id"])
    order = list(compiled.positiontup)
    bound = _bound(table, rows.select(order))
    for chunk in bound.iter_slices(CHUNK_ROWS):
        values = chunk.rows()
        for index, process in _processors(connection, table, chunk).items():
            values = [(*row[:index], process(row[index]), *row[index + 1 :]) for row in values]
        connection.exec_driver_sql(compiled.string, values)  # type: ignore[arg-type]


def _bound(table: Table, rows: pl.DataFrame) -> pl.DataFrame:
    """Date columns as SQLite stores them: ISO text (SQLAlchemy's DATE format)."""
    dates = [c for c, dtype in rows.schema.items() if dtype == pl.Date]
    return rows.with_columns(pl.col(dates).cast(pl.String)) if dates else rows


def _processors(connection: Connection, table: Table, rows: pl.DataFrame) -> dict[int, Any]:
    """The bind processors of the columns polars has not already converted."""
    found = {}
    for index, name in enumerate(rows.columns):
        column = table.c["id" if name == "_id" else name]
        if rows.schema[name] == pl.String and isinstance(column.type, Date):
            continue  # already ISO text (_bound)
        process = column.type.dialect_impl(connection.dialect).bind_processor(connection.dialect)
        if process is not None:
            found[index] = process
    return found


def read_frame(
    connection: Connection, query: Any, schema: Mapping[str, pl.DataType]
) -> pl.DataFrame:
    """The rows of a SELECT as a frame of ``schema`` (its columns in the query's order)."""
    if connection.dialect.name == "postgresql":
        return _copy_out(connection, query, schema)
    if connection.dialect.name == "sqlite":
        return _sqlite_rows(connection, query, schema)
    return pl.DataFrame(connection.execute(query).all(), schema=schema, orient="row")


def _copy_out(
    connection: Connection, query: Any, schema: Mapping[str, pl.DataType]
) -> pl.DataFrame:
    literal = query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    buffer = io.BytesIO()
    with cursor.copy(f"COPY ({literal}) TO STDOUT (FORMAT csv, FORCE_QUOTE *)") as copy:
        for block in copy:
            buffer.write(block)
    if not buffer.tell():
        return pl.DataFrame(schema=schema)
    return pl.read_csv(buffer.getvalue(), has_header=False, schema=schema)


def _sqlite_rows(
    connection: Connection, query: Any, schema: Mapping[str, pl.DataType]
) -> pl.DataFrame:
    """The rows as SQLite gives them (dates as ISO text, which polars parses a column at
    a time, rather than SQLAlchemy a value at a time)."""
    compiled = query.compile(dialect=connection.dialect)
    bound = compiled.construct_params()
    parameters = tuple(bound[name] for name in compiled.positiontup)
    rows = connection.exec_driver_sql(compiled.string, parameters).all()
    dates = [name for name, dtype in schema.items() if dtype == pl.Date]
    as_text = {name: pl.String() if name in dates else dtype for name, dtype in schema.items()}
    frame = pl.DataFrame(rows, schema=as_text, orient="row")
    return frame.with_columns(pl.col(dates).str.to_date("%Y-%m-%d"))


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
