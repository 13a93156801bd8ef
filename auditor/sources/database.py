"""An extract as a SQL database (a reporting replica) behind a SQLAlchemy URL: read only,
every fault said with the database (its password hidden), the table and the column, and
what to do about it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection, make_url

from auditor.errors import ExtractError
from auditor.keepalives import with_keepalives
from auditor.sources.extract import (
    BUNDLED,
    STOPPED,
    Extract,
    Place,
    plan,
    refuse_unclear_names,
    require_columns,
    typed,
    with_close_matches,
)
from auditor.sources.faults import explained
from schemas import TABLE_NAMES, TableSpec, table_spec
from schemas.codes import BUNDLED_REFERENCE_TABLES

# SQL types whose text form could pass for a contract value (JSON's true, an array's
# {N07}, bytea's \x4e3037): such a column is refused, not read as text.
UNREADABLE_TYPES: tuple[type[Any], ...] = (sa.ARRAY, sa.JSON, sa.LargeBinary)


def load_database(url: str, names: Sequence[str] = TABLE_NAMES) -> Extract:
    """Read every contract table (or those named) from a database (read-only) through
    SQLAlchemy."""
    parsed = _parsed(url)
    shown = shown_url(parsed)
    try:
        engine = sa.create_engine(with_keepalives(_read_only(parsed)))
    except (sa.exc.SQLAlchemyError, ImportError) as exc:
        raise ExtractError(f"database {shown}: {_no_driver(parsed, exc)}. {STOPPED}") from None
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection = connection.execution_options(postgresql_readonly=True)
            return _read_database(connection, shown, names)
    except sa.exc.SQLAlchemyError as exc:
        raise ExtractError(f"database {shown}: {explained(exc)}. {STOPPED}") from None
    finally:
        engine.dispose()


def shown_url(url: sa.URL) -> str:
    """The URL as messages show it: the password hidden, or left out of the query."""
    return url.difference_update_query(["password"]).render_as_string(hide_password=True)


def _parsed(url: str) -> sa.URL:
    try:
        return make_url(url)
    except (sa.exc.ArgumentError, ValueError):
        raise ExtractError(
            "[source] url is not a SQLAlchemy database URL (such as "
            "postgresql+psycopg://user@host:5432/name or sqlite:///path/extract.db); "
            f"correct it. {STOPPED}"
        ) from None


def _no_driver(url: sa.URL, exc: Exception) -> str:
    reason = str(exc).splitlines()[0]
    return (
        f"cannot open a connection of kind {url.drivername!r} ({reason}); name a dialect "
        "and driver Auditor has (postgresql+psycopg, sqlite), or install the driver"
    )


def _read_only(parsed: sa.URL) -> sa.URL:
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return parsed
    if not Path(database).is_file():
        raise ExtractError(f"{database}: no such SQLite database file.")
    return parsed.set(database=f"file:{database}", query={"mode": "ro", "uri": "true"})


def _read_database(connection: Connection, shown: str, names: Sequence[str]) -> Extract:
    inspector = sa.inspect(connection)
    present = set(inspector.get_table_names())
    _require_tables(present, shown, names)
    tables: dict[str, pl.LazyFrame] = {}
    sources: dict[str, str] = {}
    for name in names:
        if name not in present:
            tables[name], sources[name] = BUNDLED_REFERENCE_TABLES[name]().lazy(), BUNDLED
            continue
        place = Place(name, f"database {shown}", ordered=False)
        columns = {c["name"]: c["type"] for c in inspector.get_columns(name)}
        tables[name] = _read_sql_table(connection, table_spec(name), columns, place)
        sources[name] = f"database table {name}"
    bundled = frozenset(n for n, s in sources.items() if s == BUNDLED)
    return Extract(tables, sources, shown, bundled)


def _require_tables(present: set[str], shown: str, names: Sequence[str]) -> None:
    missing = [n for n in names if n not in present and n not in BUNDLED_REFERENCE_TABLES]
    if not missing:
        return
    raise ExtractError(
        f"database {shown}: missing table(s): {with_close_matches(missing, sorted(present))}. Give "
        "the contract's tables "
        f"under its names, in the schema the URL's user reads by default. {STOPPED}"
    )


def _read_sql_table(
    connection: Connection, spec: TableSpec, columns: Mapping[str, Any], place: Place
) -> pl.LazyFrame:
    refuse_unclear_names(list(columns), spec, place, names_in="table")
    require_columns(dict.fromkeys(columns, pl.String()), spec, place)
    wanted = [c for c in spec.polars_schema if c in columns]
    _refuse_unreadable_types(columns, wanted, place)
    # Every value is read as text so that each driver's types (SQLite's text dates and 0/1
    # booleans, PostgreSQL's native types) go through the same checked conversion.
    query = sa.select(*(sa.cast(sa.column(c), sa.String).label(c) for c in wanted))
    try:
        raw = pl.read_database(
            query.select_from(sa.table(spec.name)),
            connection,
            schema_overrides=dict.fromkeys(wanted, pl.String()),
            infer_schema_length=None,
        )
    except sa.exc.SQLAlchemyError as exc:
        raise ExtractError(f"{place}: {explained(exc, spec.name)}. {STOPPED}") from None
    steps = plan(raw.schema, spec, place, lenient=True)
    return typed(raw, steps, spec, place)


def _refuse_unreadable_types(columns: Mapping[str, Any], wanted: list[str], place: Place) -> None:
    for name in wanted:
        if isinstance(columns[name], UNREADABLE_TYPES):
            raise ExtractError(
                f"{place}, column {name}: has the SQL type {columns[name]}, which cannot be "
                f"read as the contract's type; give it a plain type (text, a number, a "
                f"date, a timestamp or a boolean). {STOPPED}"
            )


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
